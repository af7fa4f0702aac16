import SqliteDatabase from 'better-sqlite3';
const db = new SqliteDatabase('/tmp/benchdb.sqlite');
const Q = "select ac.student_id, ac.source, max(ac.day) as last_day, sum(case when ac.day >= '2026-11-20' then ac.count else 0 end) as w0, sum(case when ac.day >= '2026-11-11' then ac.count else 0 end) as w1, sum(case when ac.day >= '2026-10-30' then ac.count else 0 end) w2, sum(case when ac.day >= '2026-10-23' then ac.count else 0 end) w3 from activity_counts as ac indexed by activity_counts_student_source_idx where ac.student_id in (select id from students where department_id = 'bench-dept') and ac.day >= '2026-09-18' and ac.day < '2026-11-27' and ac.count > 0 group by ac.student_id, ac.source";
console.log(db.prepare('select sqlite_version() v').get());
for (const mode of ['count', 'raw', 'objects']) {
  const cpu = process.cpuUsage(); const t = performance.now();
  if (mode === 'count') db.prepare(`select count(*) from (${Q})`).get();
  else if (mode === 'raw') db.prepare(Q).raw().all();
  else db.prepare(Q).all();
  const u = process.cpuUsage(cpu);
  console.log(mode, (performance.now() - t).toFixed(0), 'cpu', ((u.user + u.system) / 1000).toFixed(0));
}
import { sql } from 'kysely';
import { createDatabase } from '../bot/store/database';
(async () => {
  const k = createDatabase({ kind: 'sqlite', path: '/tmp/benchdb.sqlite' });
  for (const v of ['literal', 'params']) {
    const cpu = process.cpuUsage(); const t = performance.now();
    if (v === 'literal') await sql.raw(Q).execute(k);
    else await sql`select ac.student_id, ac.source, max(ac.day) as last_day, sum(case when ac.day >= ${'2026-11-20'} then ac.count else 0 end) as w0, sum(case when ac.day >= ${'2026-11-11'} then ac.count else 0 end) as w1, sum(case when ac.day >= ${'2026-10-30'} then ac.count else 0 end) w2, sum(case when ac.day >= ${'2026-10-23'} then ac.count else 0 end) w3 from activity_counts as ac indexed by activity_counts_student_source_idx where ac.student_id in (select id from students where department_id = ${'bench-dept'}) and ac.day >= ${'2026-09-18'} and ac.day < ${'2026-11-27'} and ac.count > 0 group by ac.student_id, ac.source`.execute(k);
    const u = process.cpuUsage(cpu);
    console.log(v, (performance.now() - t).toFixed(0), 'cpu', ((u.user + u.system) / 1000).toFixed(0));
  }
  await k.destroy();
})();
