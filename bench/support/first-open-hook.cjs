// Preloaded (`node -r`) into a measured `engagement import` by bench/benchmarks/cli.bench.ts: the first time
// the process opens the file named in FIRST_OPEN_PATH (the import's first read of it), it writes
// `first-open <epoch ms> <CPU ms used by then>` to stderr. Production code is not touched; only fs's open functions are wrapped.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a preload script is CommonJS
const fs = require('node:fs');

const wanted = process.env.FIRST_OPEN_PATH;
let seen = false;
const note = (path) => {
  if (seen || String(path) !== wanted) return;
  seen = true;
  const cpu = process.cpuUsage();
  fs.writeSync(2, `first-open ${Date.now()} ${(cpu.user + cpu.system) / 1000}\n`);
};
const openSync = fs.openSync;
fs.openSync = function (path, ...rest) {
  note(path);
  return openSync.call(this, path, ...rest);
};
const open = fs.open;
fs.open = function (path, ...rest) {
  note(path);
  return open.call(this, path, ...rest);
};
const promisesOpen = fs.promises.open;
fs.promises.open = function (path, ...rest) {
  note(path);
  return promisesOpen.call(this, path, ...rest);
};
const createReadStream = fs.createReadStream;
fs.createReadStream = function (path, ...rest) {
  note(path);
  return createReadStream.call(this, path, ...rest);
};
