import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark, Figure } from '../types';
import { writeMoodleLog } from './moodle-log-generator';

const ROOT = join(__dirname, '..', '..');

interface ChildResult {
  rows: number;
  ms: number;
  maxRssMb: number;
  timings?: { parseMs: number; resolveMs: number; writeMs: number };
}

function runChild(mode: string, file: string, workdir: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(__dirname, 'import-child.ts'), mode, file, workdir],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}') as ChildResult)
        : reject(new Error(`import child (${mode}) exited with ${code}`)),
    );
  });
}

const rate = (r: ChildResult): number => Math.round(r.rows / (r.ms / 1000));
const atLeast = (value: number, target: number): Figure => ({ value, unit: 'rows/s', target: `>= ${target}`, met: value >= target });

/**
 * The import figures from issue 3: rows per second for reading alone, for parse-and-count and for the
 * whole import into SQLite and PostgreSQL (1,000,000-row Moodle log), where the time goes, and the
 * peak RSS of a whole SQLite import of a 1 GB log. The files are generated in a temp folder and deleted.
 */
export const importBenchmark: Benchmark = {
  name: 'import',
  description: 'Moodle log import: 1,000,000 rows for speed, 1 GB for peak memory',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'em-bench-import-'));
    try {
      const million = join(dir, 'moodle-1m.csv');
      await writeMoodleLog(million, { rows: 1_000_000 });
      const decode = await runChild('decode', million, dir);
      const read = await runChild('read', million, dir);
      const readPapa = await runChild('read-papa', million, dir);
      const parse = await runChild('parse', million, dir);
      const sqlite = await runChild('sqlite', million, dir);
      rmSync(join(dir, 'bench.sqlite'), { force: true });
      const postgres = await runChild('postgres', million, dir);
      rmSync(million);

      const big = join(dir, 'moodle-1gb.csv');
      const written = await writeMoodleLog(big, { bytes: 1024 ** 3 });
      const bigImport = await runChild('sqlite', big, dir);
      rmSync(big);

      const ms = (v: number): Figure => ({ value: Math.round(v), unit: 'ms' });
      return {
        // Where the time goes: bytes (read + SHA-256 + strict UTF-8 decode), then + CSV tokenising, then + counting.
        'import.decode_and_hash_rows_per_s': { value: rate(decode), unit: 'rows/s' },
        'import.tokenise_rows_per_s': { value: rate(read), unit: 'rows/s' },
        'import.tokenise_papa_only_rows_per_s': { value: rate(readPapa), unit: 'rows/s' },
        'import.parse_and_count_rows_per_s': atLeast(rate(parse), 800_000),
        'import.sqlite_rows_per_s': atLeast(rate(sqlite), 400_000),
        'import.sqlite_parse_ms': ms(sqlite.timings?.parseMs ?? 0),
        'import.sqlite_resolve_ms': ms(sqlite.timings?.resolveMs ?? 0),
        'import.sqlite_write_ms': ms(sqlite.timings?.writeMs ?? 0),
        'import.postgres_rows_per_s': atLeast(rate(postgres), 200_000),
        'import.postgres_write_ms': ms(postgres.timings?.writeMs ?? 0),
        'import.parse_peak_rss_mb': { value: Math.round(parse.maxRssMb), unit: 'MB' },
        'import.1gb_rows': { value: written.rows, unit: 'rows' },
        'import.1gb_sqlite_rows_per_s': { value: rate(bigImport), unit: 'rows/s' },
        'import.1gb_peak_rss_mb': { value: Math.round(bigImport.maxRssMb), unit: 'MB', target: '< 300', met: bigImport.maxRssMb < 300 },
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
