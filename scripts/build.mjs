// Compiles the service and the CLI (bot/ and shared/) to CommonJS in build/, one file per source file,
// so `npm start`, `engagement` and `engagement serve` run plain JavaScript instead of compiling
// TypeScript at every start. esbuild only strips types; `npm run typecheck` is what checks them.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
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
for (const dir of ['bot', 'shared', 'bench', 'vendor']) rmSync(join(outdir, dir), { recursive: true, force: true });

// Libraries of hundreds of small files (kysely about 260, zod about 95, uuid about 20), each bundled into one
// file in build/vendor/ that the compiled code requires instead: an import then opens, resolves and compiles
// three files rather than about 380 before it reads its first byte. Only build/ uses these; the TypeScript
// sources (tests, tsx) load the packages themselves.
const VENDORED = ['kysely', 'zod', 'uuid'];
await Promise.all(
  VENDORED.map((name) =>
    build({
      absWorkingDir: root,
      stdin: { contents: `export * from '${name}';`, resolveDir: root, loader: 'js' },
      outfile: join(outdir, 'vendor', `${name}.js`),
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      logLevel: 'warning',
    }),
  ),
);
const vendorRequire = new RegExp(`require\\("(${VENDORED.join('|')})"\\)`, 'g');
// The import benchmark's child and its log generator too, so the benchmark times the code as it runs in production.
const entryPoints = [
  ...sources('bot'),
  ...sources('shared'),
  'bench/benchmarks/import-child.ts',
  'bench/benchmarks/moodle-log-generator.ts',
];
const result = await build({
  absWorkingDir: root,
  write: false,
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
for (const file of result.outputFiles) {
  mkdirSync(dirname(file.path), { recursive: true });
  if (!file.path.endsWith('.js')) {
    writeFileSync(file.path, file.contents);
    continue;
  }
  const toVendor = relative(dirname(file.path), join(outdir, 'vendor')).replaceAll('\\', '/');
  writeFileSync(
    file.path,
    file.text.replace(vendorRequire, (_, name) => `require(${JSON.stringify(`${toVendor}/${name}.js`)})`),
  );
}
console.error(
  `build: ${entryPoints.length} files to ${relative(process.cwd(), outdir) || '.'} in ${Math.round(performance.now() - started)} ms`,
);
