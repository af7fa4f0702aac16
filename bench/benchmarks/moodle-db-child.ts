/**
 * The Moodle database pull measured in its own process, so its peak RSS is its own:
 * `tsx moodle-db-child.ts <mysql url> <workdir> <incremental rows>`. Prints one JSON line.
 */
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pino from 'pino';
import { createDatabase, migrateToLatest } from '../../bot/store/database';
import { insertDepartment } from '../../bot/store/department.repository';
import { insertStudents, type Student } from '../../bot/store/student.repository';
import { insertIdentities } from '../../bot/store/identity.repository';
import { openMoodleConnection } from '../../bot/feeds/moodle-db/moodle-connection';
import { pullMoodle, type MoodlePullDeps } from '../../bot/feeds/moodle-db/pull-moodle.command';
import { BENCH_MOODLE_USERS, BENCH_FIRST_DAY } from './moodle-db.bench';

const [url, workdir, incrementalRows] = process.argv.slice(2) as [string, string, string];

async function main(): Promise<Record<string, unknown>> {
  const db = createDatabase({ kind: 'sqlite', path: join(workdir, 'store.sqlite') });
  await migrateToLatest(db);
  const now = new Date().toISOString();
  await insertDepartment(db, { id: 'bench', name: 'Bench', isDemo: false }, now);
  const students: Student[] = Array.from({ length: BENCH_MOODLE_USERS }, (_, n) => ({
    id: `M${String(n + 1).padStart(7, '0')}`,
    departmentId: 'bench',
    givenName: 'Bench',
    familyName: `Student ${n}`,
    email: null,
    entraId: null,
    programme: 'P',
    year: 1,
    status: 'active',
    tutorId: null,
  }));
  await insertStudents(db, students, now);
  await insertIdentities(
    db,
    students.map((s) => ({ sourceSystem: 'samis', externalKey: s.id, studentId: s.id })),
  );
  const settings = { url, kind: 'mysql' as const, prefix: 'mdl_', tls: { mode: 'off' as const, caPath: null }, queryTimeoutSeconds: 120 };
  const moodle = await mysql.createConnection({ uri: url });
  const [[head]] = (await moodle.query('select max(id) as id, max(timecreated) as t from mdl_logstore_standard_log')) as unknown as [
    [{ id: number; t: number }],
  ];
  let clock = new Date(head.t * 1000 + 600_000);
  let queryMs = 0;
  const deps: MoodlePullDeps = {
    db,
    logger: pino({ level: 'silent' }),
    now: () => clock,
    // Time spent waiting on Moodle's database, to tell its share from ours.
    connect: async () => {
      const conn = await openMoodleConnection(settings);
      return {
        ...conn,
        query: async (text, params) => {
          const started = performance.now();
          try {
            return await conn.query(text, params);
          } finally {
            queryMs += performance.now() - started;
          }
        },
      };
    },
    settings: { timeZone: 'Europe/London', lookbackDays: 400, maxLagMinutes: 180, pageSize: 100_000 },
  };

  const fullStarted = performance.now();
  const full = await pullMoodle(deps, { since: BENCH_FIRST_DAY });
  const fullSeconds = (performance.now() - fullStarted) / 1000;
  const fullQuerySeconds = queryMs / 1000;
  const fullRss = process.resourceUsage().maxRSS / 1024;
  if (full.status !== 'succeeded') throw new Error(`full pull failed: ${full.errors.join(' ')}`);

  // A new day's entries: the newest rows again, a day later.
  const n = Number(incrementalRows);
  await moodle.query(
    `insert into mdl_logstore_standard_log (eventname, component, action, target, crud, edulevel, contextid, contextlevel, contextinstanceid, userid, courseid, relateduserid, anonymous, timecreated, origin, ip, realuserid)
     select eventname, component, action, target, crud, edulevel, contextid, contextlevel, contextinstanceid, userid, courseid, relateduserid, anonymous, timecreated + 86400, origin, ip, realuserid
     from mdl_logstore_standard_log where id > ? order by id`,
    [head.id - n],
  );
  await moodle.end();
  clock = new Date(clock.getTime() + 86_400_000);
  const incStarted = performance.now();
  const incremental = await pullMoodle(deps);
  const incSeconds = (performance.now() - incStarted) / 1000;
  if (incremental.status !== 'succeeded') throw new Error(`incremental pull failed: ${incremental.errors.join(' ')}`);
  await db.destroy();
  return {
    tableRows: (full.idRange?.to ?? 0) - (full.idRange?.from ?? 0) + 1,
    fullQuerySeconds,
    ...Object.fromEntries(Object.entries(full.timings).map(([k, v]) => [`full_${k}`, v])),
    rows: full.rowsRead,
    counted: full.rowsCounted,
    fullSeconds,
    fullRowsPerSecond: full.rowsRead / fullSeconds,
    fullRssMb: fullRss,
    incrementalNewRows: n,
    incrementalRowsRead: incremental.rowsRead,
    incrementalSeconds: incSeconds,
  };
}

main().then(
  (result) => console.log(JSON.stringify(result)),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
