import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, type Db } from '../../bot/store/database';
import { CONNECTION_LOST_IMPORT_ERROR } from '../../bot/store/import.repository';
import type { Staff } from '../../bot/store/staff.repository';
import {
  cutInsideWrite,
  holdWriteLock,
  importHistory,
  observeDatabase,
  rowCounts,
  startCli,
  untilWaitingInWrite,
  WRITER,
  type Cut,
} from '../support/cut-writer';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres';

// A ceiling only: the waits inside are bounded by polls.
jest.setTimeout(120_000);

// SQLite has no connection to lose (the file is opened in the process): these faults exist on PostgreSQL only.
const STUDENTS = 300;
const TUTORS = 10;
const OFFICERS = 10;
const ADMIN: Staff = {
  id: 'viewer',
  departmentId: 'D1',
  displayName: 'Ada Admin',
  email: null,
  entraId: null,
  roles: ['department_admin'],
};
const TABLES = ['departments', 'staff', 'staff_roles', 'students', 'identities', 'staff_identities'] as const;

const stoppedInWords = (file: string) =>
  `engagement: The import of ${file} stopped: the connection to the database was lost (the server restarted or stopped, or ended the connection). Nothing from this file was stored, and the import history shows it as interrupted. Import it again.\n`;

const tutorEmail = (t: number) => `tutor${t}@example.ac.uk`;
const studentEmail = (i: number) => `student${i}@example.ac.uk`;

/** A Samis roster of one department: students, each with one of the personal tutors. */
function writeRoster(path: string): void {
  const lines = [
    'STU_CODE,STU_SURN,STU_FNM1,STU_CAEM,CRS_CODE,SCE_BLOK,SCE_STAC,SCJ_BEGD,DPT_CODE,DPT_NAME,PRS_CODE,PRS_FNM1,PRS_SURN,PRS_EMAD',
  ];
  for (let i = 0; i < STUDENTS; i++) {
    const t = i % TUTORS;
    lines.push(
      `S${2000000 + i},Family${i},Given${i},${studentEmail(i)},BSC-CUT,1,C,2026-09-28,D1,Department One,P${t},Tutor,${t},${tutorEmail(t)}`,
    );
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

/** Moodle's user download: every student by idnumber, and one tutor's own account (staff, matched by e-mail). */
function writeMoodleUsers(path: string): void {
  const lines = ['id,username,email,idnumber'];
  for (let i = 0; i < STUDENTS; i++) lines.push(`${7000 + i},s${i},${studentEmail(i)},S${2000000 + i}`);
  lines.push(`9000,tutor0,${tutorEmail(0)},`);
  writeFileSync(path, `${lines.join('\n')}\n`);
}

/** The staff list: student experience officers, new, and the first tutor as the department's administrator. */
function writeStaffList(path: string): void {
  const lines = ['email,name,role,department'];
  for (let i = 0; i < OFFICERS; i++) lines.push(`officer${i}@example.ac.uk,Officer ${i},Student Experience Officer,D1`);
  lines.push(`${tutorEmail(0)},Tutor 0,Department administrator,D1`);
  writeFileSync(path, `${lines.join('\n')}\n`);
}

/**
 * The identity imports (Samis roster, Moodle users, staff list) on a private PostgreSQL cluster, their
 * connection cut while each waits inside its write transaction on a lock the test holds on a table it writes.
 */
describe('identity imports whose database connection is cut inside their write', () => {
  let pg: PrivatePostgres | undefined;
  let db: Db | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'em-identity-cut-'));

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    db = observeDatabase(pg.url({ application_name: 'em-test' }));
    await migrateToLatest(db);
    writeRoster(join(dir, 'roster.csv'));
    writeMoodleUsers(join(dir, 'moodle-users.csv'));
    writeStaffList(join(dir, 'staff.csv'));
  });

  afterAll(async () => {
    await db?.destroy().catch(() => undefined);
    await pg?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const world = () => {
    if (!pg || !db) throw new Error('the private PostgreSQL did not start');
    return { pg, db };
  };
  const engagement = (...args: string[]) => startCli(args, { DATABASE_URL: world().pg.url({ application_name: WRITER }) });

  /** Runs `args` with `table` locked, cuts its connection once it waits inside its write, and returns what it said. */
  async function cutWhileWriting(args: string[], table: string, cut: Cut) {
    const { pg, db } = world();
    const lock = await holdWriteLock(pg.url(), table);
    const writer = engagement(...args);
    const inWrite = await untilWaitingInWrite(db, writer);
    const ended = await cutInsideWrite(pg, db, lock, cut);
    const code = await writer.exited;
    return { inWrite, ended, code, stderr: writer.stderr(), stdout: writer.stdout() };
  }

  async function runToEnd(...args: string[]) {
    const writer = engagement(...args);
    return { code: await writer.exited, stdout: writer.stdout(), stderr: writer.stderr() };
  }

  it('when pg_ctl restart -m fast comes while the Samis roster writes its students, then it fails in one plain line, stores nothing, shows as interrupted, and a re-run applies it once', async () => {
    const { db } = world();
    const file = join(dir, 'roster.csv');
    const before = await rowCounts(db, TABLES);

    const cut = await cutWhileWriting(['import', 'samis-roster', file], 'students', 'pg_ctl restart -m fast');

    expect(cut.inWrite).toBe(true);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toBe(stoppedInWords('roster.csv'));
    expect(await rowCounts(db, TABLES)).toEqual(before);
    expect(await importHistory(db, ADMIN)).toEqual([['roster.csv', 'interrupted', [CONNECTION_LOST_IMPORT_ERROR]]]);

    const again = await runToEnd('import', 'samis-roster', file);
    const once = await rowCounts(db, TABLES);
    const third = await runToEnd('import', 'samis-roster', file);

    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(once).toMatchObject({ departments: 1, staff: TUTORS, staff_roles: TUTORS, students: STUDENTS, identities: 2 * STUDENTS });
    expect(third.code).toBe(0);
    expect(third.stdout).toContain('skipped: identical file and settings');
    expect(await rowCounts(db, TABLES)).toEqual(once);
    const history = await importHistory(db, ADMIN);
    expect(history.filter(([name]) => name === 'roster.csv').map(([, status]) => status)).toEqual(['succeeded', 'interrupted']);
  });

  /** The roster stored (once; a later call finds it already imported), so each test stands on its own. */
  async function rosterStored(): Promise<void> {
    expect((await runToEnd('import', 'samis-roster', join(dir, 'roster.csv'))).code).toBe(0);
  }

  it("when the Moodle users import's own connection is ended (pg_terminate_backend) inside its write, then it fails in words, no identity is half added, the history says interrupted, and a re-run adds each once", async () => {
    const { db } = world();
    const file = join(dir, 'moodle-users.csv');
    await rosterStored();
    const before = await rowCounts(db, TABLES);

    // Its students' identities are written first; the staff member's identities then wait on the lock.
    const cut = await cutWhileWriting(['import', 'moodle-users', file], 'staff_identities', 'pg_terminate_backend');

    expect(cut.inWrite).toBe(true);
    expect(cut.ended).toBeGreaterThan(0);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toBe(stoppedInWords('moodle-users.csv'));
    expect(await rowCounts(db, TABLES)).toEqual(before);
    expect(await importHistory(db, ADMIN)).toContainEqual(['moodle-users.csv', 'interrupted', [CONNECTION_LOST_IMPORT_ERROR]]);

    const again = await runToEnd('import', 'moodle-users', file);
    const once = await rowCounts(db, TABLES);
    const third = await runToEnd('import', 'moodle-users', file);

    expect(again).toMatchObject({ code: 0, stderr: '' });
    // Each student: samis and e-mail from the roster, moodle id and username from this file; the tutor's two as staff.
    expect(once).toEqual({ ...before, identities: 4 * STUDENTS, staff_identities: 2 });
    expect(third.code).toBe(0);
    expect(await rowCounts(db, TABLES)).toEqual(once);
  });

  it('when pg_ctl restart -m fast comes while the staff list replaces its roles, then no member or role changed, the history says interrupted, and a re-run gives each role once', async () => {
    const { db } = world();
    const file = join(dir, 'staff.csv');
    await rosterStored();
    const before = await rowCounts(db, TABLES);

    // The staff members are written first; the role grants then wait on the lock.
    const cut = await cutWhileWriting(['staff', 'import', file], 'staff_roles', 'pg_ctl restart -m fast');

    expect(cut.inWrite).toBe(true);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toBe(stoppedInWords('staff.csv'));
    expect(await rowCounts(db, TABLES)).toEqual(before);
    expect(await importHistory(db, ADMIN)).toContainEqual(['staff.csv', 'interrupted', [CONNECTION_LOST_IMPORT_ERROR]]);

    const again = await runToEnd('staff', 'import', file);
    const once = await rowCounts(db, TABLES);
    const third = await runToEnd('staff', 'import', file);

    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout).toContain('Created 10 and updated 1 staff');
    expect(once).toEqual({ ...before, staff: TUTORS + OFFICERS, staff_roles: TUTORS + OFFICERS + 1 });
    expect(third).toMatchObject({ code: 0, stderr: '' });
    expect(third.stdout).toContain('11 role(s) unchanged');
    expect(await rowCounts(db, TABLES)).toEqual(once);
  });
});
