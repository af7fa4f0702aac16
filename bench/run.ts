import { loadavg } from 'node:os';
import type { Benchmark, Figure } from './types';
import { startupBenchmark } from './benchmarks/startup.bench';
import { cliBenchmark } from './benchmarks/cli.bench';
import { importBenchmark } from './benchmarks/import.bench';
import { graphCollectBenchmark } from './benchmarks/graph-collect.bench';
import { rulesBenchmark } from './benchmarks/rules.bench';
import { evaluateStoreBenchmark } from './benchmarks/evaluate-store.bench';
import { deliveryBenchmark } from './benchmarks/delivery.bench';
import { tabListBenchmark } from './benchmarks/tab-list.bench';
import { moodleDbBenchmark } from './benchmarks/moodle-db.bench';

/** Every benchmark, in the order they run; each issue adds its own here. */
const BENCHMARKS: Benchmark[] = [
  startupBenchmark,
  cliBenchmark,
  rulesBenchmark,
  evaluateStoreBenchmark,
  importBenchmark,
  graphCollectBenchmark,
  deliveryBenchmark,
  tabListBenchmark,
  moodleDbBenchmark,
];

function parseArgs(argv: string[]): { json: boolean; only: string | null } {
  const onlyIndex = argv.indexOf('--only');
  return { json: argv.includes('--json'), only: onlyIndex >= 0 ? (argv[onlyIndex + 1] ?? null) : null };
}

async function main(): Promise<void> {
  const { json, only } = parseArgs(process.argv.slice(2));
  const selected = only ? BENCHMARKS.filter((b) => b.name === only) : BENCHMARKS;
  if (selected.length === 0) {
    console.error(`bench: no benchmark named "${only}". Known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
    process.exit(2);
  }
  const figures: Record<string, Figure> = {};
  // The machine may be shared: the load average (runnable processes, 1-minute mean) before and after each
  // benchmark says how far its wall-clock figures are to be trusted; ratios against in-run references less so.
  const load = (): Figure => ({ value: Math.round((loadavg()[0] ?? 0) * 100) / 100, unit: 'load' });
  for (const bench of selected) {
    if (!json) console.error(`running ${bench.name}: ${bench.description}`);
    const before = load();
    Object.assign(figures, await bench.run());
    figures[`${bench.name}.load_average_before`] = before;
    figures[`${bench.name}.load_average_after`] = load();
  }
  if (json) {
    console.log(JSON.stringify(Object.fromEntries(Object.entries(figures).map(([k, f]) => [k, f.value]))));
    return;
  }
  const rows = Object.entries(figures).map(([name, f]) => [
    name,
    `${f.value} ${f.unit}`,
    f.target ?? '',
    f.met === undefined ? '' : f.met ? 'met' : 'NOT MET',
  ]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...[['figure', 'value', 'target', ''], ...rows].map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  console.log(line(['figure', 'value', 'target', '']));
  for (const r of rows) console.log(line(r));
}

main().catch((error: unknown) => {
  console.error('bench failed:', error);
  process.exit(1);
});
