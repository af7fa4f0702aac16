import type { Command } from 'commander';
import type { WellbeingClassification } from '../../shared/wellbeing/classify';
import type { Config } from '../config';

/** One line a university can read while checking its own wording against the lists. */
export function describeClassification(result: WellbeingClassification): string {
  if (!result.phrase) return 'none: no phrase from the wellbeing lists matched';
  const matched = result.excerpt ? ` (matched "${result.excerpt}")` : '';
  return result.negated
    ? `${result.tier}: "${result.phrase}"${matched} was denied, which never lowers a message below distress`
    : `${result.tier}: "${result.phrase}"${matched}`;
}

/** `engagement classify-message "TEXT" [--json]`: the tier a student's message gets, and the phrase that decided it. */
export function addClassifyMessageCommand(program: Command, deps: { loadConfig: () => Config; print: (text: string) => void }): void {
  program
    .command('classify-message')
    .description("print the wellbeing tier (risk, distress, none) a student's message gets, and the phrase that decided it")
    .argument('<text>', 'the message, in quotes')
    .option('--json', 'print the result as JSON for scripts', false)
    .action(async (text: string, opts: { json: boolean }) => {
      // Loaded when the command runs, so every other command (and --help) starts without the phrase lists.
      const { createWellbeingClassifier } = await import('../../shared/wellbeing/classify');
      const result = createWellbeingClassifier(deps.loadConfig().support.phrases)(text);
      deps.print(opts.json ? JSON.stringify(result, null, 2) : describeClassification(result));
    });
}
