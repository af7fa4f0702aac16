// Compiles the service and the CLI (bot/ and shared/) to CommonJS in build/, one file per source file,
// so `npm start`, `engagement` and `engagement serve` run plain JavaScript instead of compiling
// TypeScript at every start. esbuild only strips types; `npm run typecheck` is what checks them.
import { readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const outdir = join(root, 'build');

function sources(dir) {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const started = performance.now();
// Only what this script writes: build/ also holds the app package (npm run package).
for (const dir of ['bot', 'shared', 'bench']) rmSync(join(outdir, dir), { recursive: true, force: true });
// The import benchmark's child and its log generator too, so the benchmark times the code as it runs in production.
const entryPoints = [
  ...sources('bot'),
  ...sources('shared'),
  'bench/benchmarks/import-child.ts',
  'bench/benchmarks/moodle-log-generator.ts',
];
await build({
  absWorkingDir: root,
  entryPoints,
  outdir,
  outbase: root,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  // `await import('./x')` becomes require: the build is CommonJS, and Node's ESM loader would not find './x.js'.
  supported: { 'dynamic-import': false },
  logLevel: 'warning',
});
console.error(
  `build: ${entryPoints.length} files to ${relative(process.cwd(), outdir) || '.'} in ${Math.round(performance.now() - started)} ms`,
);
