import { existsSync } from 'node:fs';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { createDatabase, migrateToLatest } from '../bot/store/database';
import { summariseDepartmentActivity } from '../bot/store/activity.repository';
import { requiredWindows, DEFAULT_RULES_CONFIG } from '../shared/rules/config';
import { lastTermDays } from '../shared/calendar';
import { BENCH_TERM, BENCH_TODAY } from './support/synthetic';
import { listStudents } from '../bot/store/student.repository';
import { loadCoverage } from '../bot/store/import.repository';

(async () => {
  const kind = process.argv[2] ?? 'sqlite';
  const db = kind === 'sqlite' ? createDatabase({ kind: 'sqlite', path: '/tmp/benchdb.sqlite' }) : createDatabase({ kind: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/test', poolSize: 4, searchPath: 'benchexp' });
  const windows = requiredWindows(DEFAULT_RULES_CONFIG);
  const termDays = lastTermDays(BENCH_TODAY, 28, [BENCH_TERM]);
  for (let i = 0; i < 3; i++) {
    let t = performance.now();
    const cpu = process.cpuUsage();
    const a = await summariseDepartmentActivity(db, 'bench-dept', { termDays, windows, since: '2026-09-18', today: BENCH_TODAY });
    const used = process.cpuUsage(cpu);
    console.log('summary', (performance.now() - t).toFixed(0), 'node cpu', ((used.user + used.system) / 1000).toFixed(0), a.rows.size);
    t = performance.now();
    await listStudents(db, 'bench-dept');
    console.log('students', (performance.now() - t).toFixed(0));
    t = performance.now();
    await loadCoverage(db, termDays[0]!, '2026-11-26');
    console.log('coverage', (performance.now() - t).toFixed(0));
  }
  await db.destroy();
})();
