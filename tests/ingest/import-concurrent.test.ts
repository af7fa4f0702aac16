import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Client } from 'pg';
import { insertIdentities } from '../../bot/store/identity.repository';
import { buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { DATABASE_KINDS, TEST_POSTGRES_URL } from '../support/databases';
import { FAST_DELIVERY_ENV, createSharedDatabase, startService, type ServiceProcess, type SharedDatabase } from '../support/delivery-world';
import type { Db } from '../../bot/store/database';

// A ceiling only: every wait below is bounded by polls or by the children's exit.
jest.setTimeout(300_000);

const ROOT = join(__dirname, '..', '..');
const HEADER = '\ufeffTime,"User full name","Affected user","Event context",Component,"Event name",Description,Origin,"IP address"\r\n';
const STUDENTS = 2500;
const FIRST_MOODLE_ID = 5000;

/** One file's shape: its days (November 2023) and how many logins and submissions (course modules) each student has on each. */
interface LogPlan {
  firstDay: number;
  lastDay: number;
  logins: (student: number, day: number) => number;
  modules: number;
}

/** 1-10 Nov and 5-15 Nov, with different counts on every overlapping day, so a sum or a mix is visible on any of them. */
const PLAN_A: LogPlan = { firstDay: 1, lastDay: 10, logins: (s, d) => 1 + ((s + d) % 4), modules: 1 };
const PLAN_B: LogPlan = { firstDay: 5, lastDay: 15, logins: (s, d) => 6 + ((s * 3 + d) % 5), modules: 2 };

const dd = (n: number) => String(n).padStart(2, '0');
const iso = (day: number) => `2023-11-${dd(day)}`;

/**
 * A site log as Moodle downloads it: UTF-8 with a BOM, CRLF, newest first, quoted as PHP's fputcsv quotes
 * (a field with a space, comma or quote is enclosed). Logins and submissions of every student on every day.
 */
async function writeMoodleLog(path: string, plan: LogPlan): Promise<void> {
  const out = createWriteStream(path);
  out.write(HEADER);
  for (let day = plan.lastDay; day >= plan.firstDay; day--) {
    const rows: string[] = [];
    for (let s = 0; s < STUDENTS; s++) {
      const id = FIRST_MOODLE_ID + s;
      for (let m = 0; m < plan.modules; m++)
        rows.push(
          `"Student ${id}",-,"Assignment: Lab report ${m + 1}",Assignment,"A submission has been submitted.","The user with id '${id}' has submitted the submission with id '${id}${m}' for the assignment with course module id '${601 + m}'.",web,192.0.2.10`,
        );
      for (let i = plan.logins(s, day); i > 0; i--)
        rows.push(`"Student ${id}",-,System,System,"User has logged in","The user with id '${id}' has logged in.",web,192.0.2.10`);
    }
    for (let i = 0; i < rows.length; i++) {
      const second = 86_399 - Math.floor((i * 86_000) / rows.length);
      const time = `${dd(day)}/11/23, ${dd(Math.floor(second / 3600))}:${dd(Math.floor(second / 60) % 60)}:${dd(second % 60)}`;
      if (!out.write(`"${time}",${rows[i]}\r\n`)) await once(out, 'drain');
    }
  }
  out.end();
  await once(out, 'finish');
}

/** What one plan alone puts on its days: per source, student and day. */
function countsOf(plan: LogPlan, days: (day: number) => boolean): Map<string, number> {
  const out = new Map<string, number>();
  for (let day = plan.firstDay; day <= plan.lastDay; day++) {
    if (!days(day)) continue;
    for (let s = 0; s < STUDENTS; s++) {
      out.set(`moodle_login|${studentId(s)}|${iso(day)}`, plan.logins(s, day));
      out.set(`moodle_submission|${studentId(s)}|${iso(day)}`, plan.modules);
    }
  }
  return out;
}

/** The counts of `first` then `second`, imported one after the other: the second's days from it, the rest from the first. */
function sequential(first: LogPlan, second: LogPlan): Map<string, number> {
  const inSecond = (day: number) => day >= second.firstDay && day <= second.lastDay;
  return new Map([...countsOf(first, (d) => !inSecond(d)), ...countsOf(second, () => true)]);
}

const studentId = (s: number) => `S${String(8_000_000 + s)}`;

async function seedRoster(db: Db): Promise<void> {
  await seedDepartment(db);
  const students = Array.from({ length: STUDENTS }, (_, s) => buildStudent({ id: studentId(s), email: `s${s}@example.ac.uk` }));
  await seedPeople(db, { students });
  await insertIdentities(
    db,
    students.map((st, s) => ({ sourceSystem: 'moodle', externalKey: String(FIRST_MOODLE_ID + s), studentId: st.id })),
  );
}

async function readCounts(db: Db): Promise<Map<string, number>> {
  const rows = await db.selectFrom('activity_counts').select(['source', 'student_id', 'day', 'count']).execute();
  return new Map(rows.map((r) => [`${r.source}|${r.student_id}|${r.day}`, Number(r.count)]));
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `engagement import moodle <file> --json` as an administrator runs it from a shell: a process of its own. */
const children: ChildProcess[] = [];

const outputs: string[] = [];

function startImport(url: string, file: string): { done: Promise<Run> } {
  const child = spawn(
    process.execPath,
    ['--disable-warning=DEP0111', '--import', 'tsx', join(ROOT, 'bot', 'cli.ts'), 'import', 'moodle', file, '--json'],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: url, DEMO_DATA: 'false', LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += String(c)));
  child.stderr.on('data', (c: Buffer) => (stderr += String(c)));
  child.on('exit', (code) => outputs.push(`exit ${code}: ${stderr.slice(0, 2000)} ${stdout.slice(0, 300)}`));
  return { done: once(child, 'exit').then(([code]) => ({ code: code as number | null, stdout, stderr })) };
}

const statusOf = (run: Run): string => (JSON.parse(run.stdout) as { status: string }).status;

interface HistoryRow {
  id: string;
  source: string;
  file_name: string;
  status: string;
  rows_counted: number;
  started_at: string;
  finished_at: string | null;
}

async function history(db: Db): Promise<HistoryRow[]> {
  const rows = await db
    .selectFrom('imports')
    .select(['id', 'source', 'file_name', 'status', 'rows_counted', 'started_at', 'finished_at'])
    .orderBy('finished_at')
    .orderBy('source')
    .execute();
  return rows.map((r) => ({ ...r, rows_counted: Number(r.rows_counted) }));
}

/** Polls until `test` holds; the number of polls bounds the wait. */
async function until(test: () => Promise<boolean>, what: string, explain: () => Promise<string>, polls = 1200): Promise<void> {
  for (let i = 0; i < polls; i++) {
    if (await test()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting until ${what}: ${await explain()}`);
}

/**
 * A genuine hold on PostgreSQL: from a connection of its own, the test locks activity_counts against writes
 * (reads go on), so each import reads its file, resolves it and opens its write transaction, then stops at
 * its first write to the counts or behind the other import. `release` lets both go at the same moment.
 */
async function holdCountWrites(
  shared: SharedDatabase,
): Promise<{ waiting(): Promise<number>; describe(): Promise<string>; release(): Promise<void> }> {
  const c = new Client({ connectionString: TEST_POSTGRES_URL });
  await c.connect();
  const schema = new URL(shared.url).searchParams.get('options')?.replace('-c search_path=', '') ?? '';
  await c.query('begin');
  await c.query(`lock table ${schema}.activity_counts in exclusive mode`);
  // The imports' connections, told from other tests' by the locks they hold on this schema's tables, waiting for a lock.
  const ours = `pid <> pg_backend_pid() and wait_event in ('relation', 'advisory') and pid in (select l.pid from pg_locks l join pg_class t on t.oid = l.relation
    where l.granted and t.relnamespace = $1::regnamespace)`;
  return {
    async waiting() {
      // Inside the holding transaction, pg_stat_activity would be read once and cached: read it afresh.
      await c.query('select pg_stat_clear_snapshot()');
      const { rows } = await c.query<{ n: string }>(`select count(*) as n from pg_stat_activity where ${ours}`, [schema]);
      return Number(rows[0]?.n ?? 0);
    },
    async describe() {
      await c.query('select pg_stat_clear_snapshot()');
      const { rows } = await c.query(
        `select state, wait_event_type, wait_event, left(query, 80) as query from pg_stat_activity where pid <> pg_backend_pid() and datname = 'test' and $1::text is not null`,
        [schema],
      );
      return JSON.stringify(rows);
    },
    async release() {
      await c.query('commit');
      await c.end();
    },
  };
}

/** A write transaction of another process on the SQLite file, held for `ms`: every other writer waits or is refused (SQLITE_BUSY). */
async function holdSqliteWrites(path: string, ms: number): Promise<void> {
  const other = new SqliteDatabase(path);
  try {
    other.exec('begin immediate');
    await new Promise((r) => setTimeout(r, ms));
    other.exec('commit');
  } finally {
    other.close();
  }
}

describe.each(DATABASE_KINDS)('two imports at the same moment, in two processes, on %s', (kind) => {
  let shared: SharedDatabase;
  let dir: string;
  let fileA: string;
  let fileB: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'em-import-concurrent-'));
    fileA = join(dir, 'moodle-1-10-nov.csv');
    fileB = join(dir, 'moodle-5-15-nov.csv');
    await writeMoodleLog(fileA, PLAN_A);
    await writeMoodleLog(fileB, PLAN_B);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(async () => {
    shared = await createSharedDatabase(kind);
    await seedRoster(shared.db);
  });
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await shared.drop();
  });

  /**
   * Starts both imports; on PostgreSQL holds them until both are inside their writes, on SQLite until both are running at
   * once and then past SQLite's busy timeout.
   */
  async function importTogether(files: [string, string]): Promise<[Run, Run]> {
    const hold = kind === 'postgres' ? await holdCountWrites(shared) : null;
    const runs = files.map((f) => startImport(shared.url, f));
    let bothRunning = false;
    try {
      const explain = async () =>
        `${(await hold?.describe()) ?? ''} ${JSON.stringify(await shared.db.selectFrom('imports').select(['file_name', 'status']).execute())} ${outputs.join('\n')}`;
      if (hold) await until(async () => (await hold.waiting()) === 2, 'both imports wait to write', explain);
      else
        await until(
          async () => {
            const running = await shared.db.selectFrom('imports').select('id').where('status', '=', 'running').execute();
            return running.length === 2;
          },
          'both imports are running',
          explain,
        );
      bothRunning = true;
      // On SQLite, another writer holds the file past busy_timeout (5 s) while both read and come to write.
      if (!hold) await holdSqliteWrites(shared.url.slice('sqlite:'.length), 7000);
    } finally {
      await hold?.release();
    }
    const done = await Promise.all(runs.map((r) => r.done));
    expect(bothRunning).toBe(true);
    return done as [Run, Run];
  }

  it('when 1-10 Nov and 5-15 Nov are imported at once, then the counts are exactly one of the two orders, both are in the history, and importing either again changes nothing', async () => {
    const [a, b] = await importTogether([fileA, fileB]);
    for (const run of [a, b]) {
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(statusOf(run)).toBe('succeeded');
    }

    const rows = await history(shared.db);
    expect(rows.map((r) => [r.file_name, r.source, r.status])).toEqual(
      expect.arrayContaining([
        ['moodle-1-10-nov.csv', 'moodle_login', 'succeeded'],
        ['moodle-1-10-nov.csv', 'moodle_submission', 'succeeded'],
        ['moodle-5-15-nov.csv', 'moodle_login', 'succeeded'],
        ['moodle-5-15-nov.csv', 'moodle_submission', 'succeeded'],
      ]),
    );
    expect(rows).toHaveLength(4);
    // The figures are each file's own, whatever the other did.
    const total = (plan: LogPlan, source: string) =>
      [...countsOf(plan, () => true)].filter(([k]) => k.startsWith(`${source}|`)).reduce((n, [, c]) => n + c, 0);
    for (const r of rows) expect(r.rows_counted).toBe(total(r.file_name === 'moodle-1-10-nov.csv' ? PLAN_A : PLAN_B, r.source));
    // Their runs overlapped: each started before the other finished.
    const [startA, endA] = [rows.find((r) => r.file_name.includes('1-10'))!.started_at, rows.find((r) => r.file_name.includes('1-10'))!];
    const endB = rows.find((r) => r.file_name.includes('5-15'))!;
    expect(startA < endB.finished_at!).toBe(true);
    expect(endB.started_at < endA.finished_at!).toBe(true);

    // The history's order is the order the writes happened in: the import that finished last holds the days both cover.
    const last = rows[rows.length - 1]!.file_name;
    const [first, second] = last === 'moodle-5-15-nov.csv' ? [PLAN_A, PLAN_B] : [PLAN_B, PLAN_A];
    const expected = sequential(first, second);
    const counts = await readCounts(shared.db);
    expect(counts.size).toBe(expected.size);
    expect([...counts].filter(([k, n]) => expected.get(k) !== n).slice(0, 5)).toEqual([]);
    const kept = await shared.db
      .selectFrom('import_counts')
      .innerJoin('imports', 'imports.id', 'import_counts.import_id')
      .select(['imports.file_name', 'import_counts.day'])
      .distinct()
      .where('import_counts.day', '=', iso(7))
      .execute();
    expect(kept.map((k) => k.file_name)).toEqual([last]);

    // The one that finished last again: skipped, nothing changes.
    const againLast = await startImport(shared.url, join(dir, last)).done;
    expect(statusOf(againLast)).toBe('already_imported');
    expect(await readCounts(shared.db)).toEqual(counts);
    // The one it replaced again: put back whole, as after the same two imports one after the other (docs/imports.md, "Re-importing").
    const earlierFile = last === 'moodle-5-15-nov.csv' ? fileA : fileB;
    const againEarlier = await startImport(shared.url, earlierFile).done;
    expect(statusOf(againEarlier)).toBe('succeeded');
    const back = sequential(second, first);
    const after = await readCounts(shared.db);
    expect([...after].filter(([k, n]) => back.get(k) !== n).slice(0, 5)).toEqual([]);
    expect(after.size).toBe(back.size);
    // And once more: now it is the newest, so it is skipped.
    expect(statusOf(await startImport(shared.url, earlierFile).done)).toBe('already_imported');
    expect(await readCounts(shared.db)).toEqual(after);
  });

  it('when the same file is imported twice at once, then the counts are those of one import and the history says the second changed nothing', async () => {
    const [one, two] = await importTogether([fileB, fileB]);
    for (const run of [one, two]) {
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
    }
    expect([statusOf(one), statusOf(two)].sort()).toEqual(['already_imported', 'succeeded']);
    const counts = await readCounts(shared.db);
    const expected = countsOf(PLAN_B, () => true);
    expect(counts.size).toBe(expected.size);
    expect([...counts].filter(([k, n]) => expected.get(k) !== n).slice(0, 5)).toEqual([]);
    const rows = await history(shared.db);
    expect(rows.map((r) => [r.file_name, r.source, r.status])).toEqual([
      ['moodle-5-15-nov.csv', 'moodle_login', 'succeeded'],
      ['moodle-5-15-nov.csv', 'moodle_submission', 'succeeded'],
    ]);
    expect(statusOf(await startImport(shared.url, fileB).done)).toBe('already_imported');
    expect(await readCounts(shared.db)).toEqual(counts);
  });
});

describe('two service instances watching one drop folder on PostgreSQL', () => {
  let shared: SharedDatabase;
  let dir: string;
  const services: ServiceProcess[] = [];
  afterEach(async () => {
    for (const s of services.splice(0)) {
      s.child.kill('SIGKILL');
      await s.exited;
    }
    await shared.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the instance importing a dropped file loses its job lock mid-import and the other takes the same file up, then it is counted once, moved once, and both instances stay up', async () => {
    shared = await createSharedDatabase('postgres');
    await seedRoster(shared.db);
    dir = mkdtempSync(join(tmpdir(), 'em-drop-instances-'));
    mkdirSync(join(dir, 'moodle'));
    const dropped = join(dir, 'moodle', 'moodle-5-15-nov.csv');
    await writeMoodleLog(dropped, PLAN_B);
    // Copied in an hour ago: settled, so the first look takes it.
    const anHourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(dropped, anHourAgo, anHourAgo);
    const env = { ...FAST_DELIVERY_ENV, DATABASE_URL: shared.url, IMPORT_DROP_FOLDER: dir, IMPORT_WATCH_EVERY_MINUTES: '1' };

    const hold = await holdCountWrites(shared);
    try {
      services.push(await startService(env));
      await until(async () => (await hold.waiting()) === 1, 'the first instance writes the dropped file', hold.describe, 2400);
      services.push(await startService(env));
      // What a restart of PostgreSQL's connection or a network cut does: the first instance's job-lock session ends.
      const admin = new Client({ connectionString: TEST_POSTGRES_URL });
      await admin.connect();
      const { rows } = await admin.query(
        `select pg_terminate_backend(l.pid) from pg_locks l join pg_stat_activity a on a.pid = l.pid
          where a.application_name = $1 and l.locktype = 'advisory' and l.granted and l.objsubid = 2
            and l.objid::bigint = (hashtext('import-watch')::bigint + 4294967296) % 4294967296`,
        [shared.applicationName],
      );
      await admin.end();
      expect(rows).toHaveLength(1);
      // The second instance takes the job over once its period has passed and reads the same file, still in the folder.
      await until(async () => (await hold.waiting()) === 2, 'the second instance writes the same file', hold.describe, 3000);
    } finally {
      await hold.release();
    }
    const processed = () => readdirSync(join(dir, 'moodle', 'processed')).filter((f) => f.endsWith('.csv'));
    await until(
      async () => processed().length === 1 && readdirSync(join(dir, 'moodle')).every((f) => !f.endsWith('.csv')),
      'the file is moved',
      async () => services.map((s) => s.output().slice(-2000)).join('\n'),
    );
    await until(
      async () => (await shared.db.selectFrom('imports').select('id').where('status', '=', 'running').execute()).length === 0,
      'both imports end',
      async () => services.map((s) => s.output().slice(-2000)).join('\n'),
    );

    const counts = await readCounts(shared.db);
    const expected = countsOf(PLAN_B, () => true);
    expect(counts.size).toBe(expected.size);
    expect([...counts].filter(([k, n]) => expected.get(k) !== n).slice(0, 5)).toEqual([]);
    expect((await history(shared.db)).map((r) => [r.file_name, r.source, r.status])).toEqual([
      ['moodle-5-15-nov.csv', 'moodle_login', 'succeeded'],
      ['moodle-5-15-nov.csv', 'moodle_submission', 'succeeded'],
    ]);
    expect(readdirSync(join(dir, 'moodle', 'failed'))).toEqual([]);
    expect(readdirSync(join(dir, 'moodle', 'processed')).sort()).toEqual(
      [processed()[0], `${processed()[0]}.report.json`, `${processed()[0]}.report.txt`].sort(),
    );
    for (const s of services) expect(s.child.exitCode).toBeNull();
    const errors = services.flatMap((s) => s.output().split('\n')).filter((line) => /"level":(50|60)/.test(line));
    expect(errors).toEqual([]);
  });
});
