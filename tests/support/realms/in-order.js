// Runs the files of a nested jest run in the order they are named on its command line (tests/store/sqlite-errors.test.ts).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Sequencer = require('@jest/test-sequencer').default;

class InOrder extends Sequencer {
  sort(tests) {
    const named = process.argv.filter((arg) => arg.endsWith('.realm.ts'));
    const place = (test) => named.findIndex((arg) => test.path.endsWith(arg));
    return [...tests].sort((a, b) => place(a) - place(b));
  }
}

module.exports = InOrder;
