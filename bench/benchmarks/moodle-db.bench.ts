import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark, Figure } from '../types';
import { createTestMoodle, type TestMoodle } from '../../tests/support/moodle-db';

const ROOT = join(__dirname, '..', '..');
/**
 * 1,000,000 by default: building the 5,000,000-row table the issue names takes about six minutes on
 * a shared two-core machine. MOODLE_BENCH_ROWS=5000000 measures the full figure.
 */
const ROWS = Number(process.env.MOODLE_BENCH_ROWS ?? 1_000_000);
const DOUBLINGS = 10;
const INCREMENTAL_ROWS = 200_000;
export const BENCH_MOODLE_USERS = 5_000;
export const BENCH_FIRST_DAY = '2026-10-01';
/** 25 days of log in all: the seed spans 1/1024 of it, and each doubling appends a time-shifted copy. */
const SPAN_SECONDS = 25 * 86_400;

/**
 * A site-shaped mix: mostly page views, about one entry in ten a login and one in twenty a
 * submission, some of them staff "logged in as" a student.
 */
async function buildLog(moodle: TestMoodle): Promise<number> {
  const seedRows = Math.ceil(ROWS / 2 ** DOUBLINGS);
  const seedSpan = Math.ceil(SPAN_SECONDS / 2 ** DOUBLINGS);
  const start = Date.parse(`${BENCH_FIRST_DAY}T00:00:00Z`) / 1000;
  const kinds = [
    ['\\core\\event\\user_loggedin', 'core', 'loggedin', 'user'],
    ['\\mod_assign\\event\\assessable_submitted', 'mod_assign', 'submitted', 'assessable'],
    ['\\mod_quiz\\event\\attempt_submitted', 'mod_quiz', 'submitted', 'attempt'],
  ] as const;
  const VIEW = ['\\core\\event\\course_viewed', 'core', 'viewed', 'course'] as const;
  const rows = Array.from({ length: seedRows }, (_, i) => {
    const r = i % 20;
    const [eventname, component, action, target] = r < 2 ? kinds[0] : r === 2 ? (i % 2 === 0 ? kinds[1] : kinds[2]) : VIEW;
    const userid = 1 + ((i * 7919) % BENCH_MOODLE_USERS);
    return {
      eventname,
      component,
      action,
      target,
      objecttable: null,
      objectid: null,
      crud: 'r',
      edulevel: 2,
      contextid: 80,
      contextlevel: 50,
      contextinstanceid: 12 + (i % 40),
      userid,
      courseid: 12,
      relateduserid: eventname.includes('quiz') ? userid : null,
      anonymous: 0,
      other: null,
      timecreated: start + Math.floor((i * seedSpan) / seedRows),
      origin: 'web',
      ip: '192.0.2.10',
      realuserid: i % 97 === 0 ? 5 : null,
    };
  });
  await moodle.insertLog(rows);
  await moodle.insertUsers(
    Array.from({ length: BENCH_MOODLE_USERS }, (_, n) => ({
      id: n + 1,
      username: `u${n + 1}`,
      email: `u${n + 1}@example.ac.uk`,
      idnumber: `M${String(n + 1).padStart(7, '0')}`,
      firstname: 'Bench',
      lastname: `User ${n}`,
      deleted: 0,
      suspended: 0,
    })),
  );
  for (let d = 0; d < DOUBLINGS; d++) {
    await moodle.exec(
      `insert into mdl_logstore_standard_log (eventname, component, action, target, crud, edulevel, contextid, contextlevel, contextinstanceid, userid, courseid, relateduserid, anonymous, timecreated, origin, ip, realuserid)
       select eventname, component, action, target, crud, edulevel, contextid, contextlevel, contextinstanceid, userid, courseid, relateduserid, anonymous, timecreated + ?, origin, ip, realuserid
       from mdl_logstore_standard_log order by id`,
      [seedSpan * 2 ** d],
    );
  }
  const [count] = (await moodle.exec('select count(*) as n from mdl_logstore_standard_log')) as Array<{ n: number }>;
  return Number(count?.n ?? 0);
}

function runChild(url: string, workdir: string): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(__dirname, 'moodle-db-child.ts'), url, workdir, String(INCREMENTAL_ROWS)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as Record<string, number>) : reject(new Error(`moodle pull child exited with ${code}`)),
    );
  });
}

export const moodleDbBenchmark: Benchmark = {
  name: 'moodle-db',
  description: `Moodle database pull from MariaDB: ${ROWS.toLocaleString('en-GB')} log rows (MOODLE_BENCH_ROWS), then ${INCREMENTAL_ROWS.toLocaleString('en-GB')} new rows`,
  async run(): Promise<Record<string, Figure>> {
    const moodle = await createTestMoodle('mysql');
    const workdir = mkdtempSync(join(tmpdir(), 'moodle-bench-'));
    try {
      const built = performance.now();
      const rows = await buildLog(moodle);
      const buildSeconds = (performance.now() - built) / 1000;
      const r = await runChild(moodle.settings.url, workdir);
      // The pull goes through every row of the table; the database hands over only those that can count.
      const rate = Math.round(rows / (r.fullSeconds ?? Infinity));
      return {
        'moodle_db.rows': { value: rows, unit: 'rows' },
        'moodle_db.build_s': { value: Math.round(buildSeconds * 10) / 10, unit: 's' },
        'moodle_db.full_rows_per_s': { value: rate, unit: 'rows/s', target: '>= 300000', met: rate >= 300_000 },
        'moodle_db.full_s': { value: Math.round((r.fullSeconds ?? 0) * 10) / 10, unit: 's' },
        'moodle_db.full_waiting_on_moodle_s': { value: Math.round((r.fullQuerySeconds ?? 0) * 10) / 10, unit: 's' },
        'moodle_db.full_entries_handed_over': { value: r.rows ?? 0, unit: 'rows' },
        ...Object.fromEntries(
          ['usersMs', 'readMs', 'resolveMs', 'writeMs'].map((k) => [
            `moodle_db.full_${k.replace('Ms', '_ms')}`,
            { value: r[`full_${k}`] ?? 0, unit: 'ms' },
          ]),
        ),
        'moodle_db.full_peak_rss_mb': { value: Math.round(r.fullRssMb ?? 0), unit: 'MB', target: '< 300', met: (r.fullRssMb ?? 0) < 300 },
        'moodle_db.incremental_rows_read': { value: r.incrementalRowsRead ?? 0, unit: 'rows' },
        'moodle_db.incremental_s': {
          value: Math.round((r.incrementalSeconds ?? 0) * 100) / 100,
          unit: 's',
          target: '< 2',
          met: (r.incrementalSeconds ?? Infinity) < 2,
        },
      };
    } finally {
      await moodle.drop();
      rmSync(workdir, { recursive: true, force: true });
    }
  },
};
