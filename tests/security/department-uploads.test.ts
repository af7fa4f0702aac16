import { Readable } from 'node:stream';
import { DATABASE_KINDS, buildTestConfig, createTestDatabase, type TestDatabase } from '../support/databases';
import { buildStaff, buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { startTestApp, type RunningApp } from '../support/app';
import { insertIdentities } from '../../bot/store/identity.repository';
import { uploadImport } from '../../bot/commands/upload-import.command';
import { describeDataStatus } from '../../bot/commands/data-status.command';
import { loadCoverage } from '../../bot/store/import.repository';
import { AppError } from '../../bot/errors';
import type { Db } from '../../bot/store/database';
import type { Staff } from '../../bot/store/staff.repository';

const NOW = new Date('2026-11-28T10:00:00Z');
const adminA = buildStaff({ departmentId: 'dept-a', roles: ['department_admin'] });
const tutorA = buildStaff({ departmentId: 'dept-a', roles: ['personal_tutor'] });
const adminB = buildStaff({ departmentId: 'dept-b', roles: ['department_admin'] });
const alice = buildStudent({ id: 'S2000001', departmentId: 'dept-a' });
const bruno = buildStudent({ id: 'S2000002', departmentId: 'dept-b' });

/** A Samis login export in its genuine shape (STU_CODE, LOGIN_TIME, IP_ADDRESS), one line per login. */
function samisLogins(logins: Array<[string, string, number]>): string {
  const lines = ['STU_CODE,LOGIN_TIME,IP_ADDRESS'];
  for (const [code, day, n] of logins)
    for (let i = 0; i < n; i++) lines.push(`${code},${day} 08:${String(i).padStart(2, '0')}:00,192.0.2.${i + 1}`);
  return lines.join('\r\n') + '\r\n';
}

async function seed(db: Db): Promise<void> {
  await seedDepartment(db, 'dept-a', 'Department A');
  await seedDepartment(db, 'dept-b', 'Department B');
  await seedPeople(db, { staff: [adminA, tutorA, adminB], students: [alice, bruno] });
  await insertIdentities(db, [
    { sourceSystem: 'samis', externalKey: alice.id, studentId: alice.id },
    { sourceSystem: 'samis', externalKey: bruno.id, studentId: bruno.id },
  ]);
}

const loginsOf = async (db: Db, studentId: string) =>
  (
    await db
      .selectFrom('activity_counts')
      .select(['day', 'count'])
      .where('student_id', '=', studentId)
      .where('source', '=', 'samis_login')
      .orderBy('day')
      .execute()
  ).map((r) => `${r.day} ${r.count}`);

describe.each(DATABASE_KINDS)('department administrators uploading on %s', (kind) => {
  let t: TestDatabase;
  const config = buildTestConfig();
  const upload = (viewer: Staff, body: string, fileName = 'logins.csv') =>
    uploadImport({ db: t.db, config, now: () => NOW }, viewer, {
      source: 'samis-logins',
      fileName,
      body: Readable.from([Buffer.from(body)]),
    });

  beforeEach(async () => {
    t = await createTestDatabase(kind);
    await seed(t.db);
  });
  afterEach(async () => t.drop());

  it("when department B's administrator uploads rows for department A's student, then they are reported and ignored, and A's imported counts stay", async () => {
    await upload(adminA, samisLogins([[alice.id, '2026-11-20', 28]]), 'a-logins.csv');
    expect(await loginsOf(t.db, alice.id)).toEqual(['2026-11-20 28']);

    const result = await upload(
      adminB,
      samisLogins([
        [alice.id, '2026-11-20', 35],
        [bruno.id, '2026-11-20', 2],
      ]),
      'b-logins.csv',
    );

    expect(result.status).toBe('succeeded');
    expect(result.rowsCounted).toBe(2);
    expect(result.warnings.join(' ')).toMatch(/35 row\(s\) name students of other departments/);
    expect(await loginsOf(t.db, alice.id)).toEqual(['2026-11-20 28']);
    expect(await loginsOf(t.db, bruno.id)).toEqual(['2026-11-20 2']);
  });

  it("when a department's administrator uploads a newer export, then it replaces only their own students' counts", async () => {
    await upload(adminB, samisLogins([[bruno.id, '2026-11-20', 4]]), 'b1.csv');
    await upload(adminA, samisLogins([[alice.id, '2026-11-20', 3]]), 'a1.csv');
    await upload(adminA, samisLogins([[alice.id, '2026-11-20', 5]]), 'a2.csv');
    expect(await loginsOf(t.db, alice.id)).toEqual(['2026-11-20 5']);
    expect(await loginsOf(t.db, bruno.id)).toEqual(['2026-11-20 4']);
  });

  it('when the same bytes were uploaded by another department, then this department still imports its own rows', async () => {
    const both = samisLogins([
      [alice.id, '2026-11-20', 1],
      [bruno.id, '2026-11-20', 1],
    ]);
    await upload(adminB, both);
    const result = await upload(adminA, both);
    expect(result.status).toBe('succeeded');
    expect(result.warnings.join(' ')).not.toContain('b-logins');
    expect(await loginsOf(t.db, alice.id)).toEqual(['2026-11-20 1']);
  });

  it("when the Data page is read, then each person sees only their own department's uploads", async () => {
    await upload(adminA, samisLogins([[alice.id, '2026-11-20', 1]]), 'a-secret-name.csv');
    await upload(adminB, samisLogins([[bruno.id, '2026-11-20', 1]]), 'b-secret-name.csv');
    const seen = async (viewer: Staff) => (await describeDataStatus(t.db, viewer, '2026-11-28')).imports.map((i) => i.fileName);
    expect(await seen(adminA)).toEqual(['a-secret-name.csv']);
    expect(await seen(tutorA)).toEqual(['a-secret-name.csv']);
    expect(await seen(adminB)).toEqual(['b-secret-name.csv']);
  });

  it("when department B uploads, then department A's data for that source stays unknown rather than becoming zero", async () => {
    await upload(adminB, samisLogins([[bruno.id, '2026-11-20', 2]]));
    const covered = async (departmentId: string) => [
      ...((await loadCoverage(t.db, '2026-11-01', '2026-11-30', departmentId)).get('samis_login') ?? []),
    ];
    expect(await covered('dept-a')).toEqual([]);
    expect(await covered('dept-b')).toEqual(['2026-11-20']);
    const sources = async (viewer: Staff) =>
      (await describeDataStatus(t.db, viewer, '2026-11-28')).sources.find((x) => x.source === 'samis_login')?.coveredUntil ?? null;
    expect(await sources(adminA)).toBeNull();
    expect(await sources(adminB)).toBe('2026-11-20');
  });

  it('when an upload is refused (422), then no import row is written and nothing is counted', async () => {
    const error = await upload(adminA, 'STU_CODE,LOGIN_TIME\nnot-a-student,not-a-date\nanother,also not\n').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(422);
    expect(await t.db.selectFrom('imports').selectAll().execute()).toEqual([]);
    expect(await t.db.selectFrom('activity_counts').selectAll().execute()).toEqual([]);
    const audit = await t.db.selectFrom('audit_log').select(['action', 'detail']).where('action', '=', 'uploaded_import').execute();
    expect(audit).toHaveLength(1);
  });
});

describe('the upload endpoint, probed over HTTP by another department', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startTestApp({}, { now: () => NOW });
    await seed(server.app.db);
  });
  afterAll(async () => server?.close());

  it("when department B's administrator posts department A's student, then A's counts do not change and B's history does not reach A", async () => {
    const post = (who: Staff, body: string) =>
      fetch(`${server.baseUrl}/api/data/imports?source=samis-logins&fileName=probe.csv`, {
        method: 'POST',
        headers: { authorization: `Local ${who.id}`, 'content-type': 'application/octet-stream' },
        body,
      });
    const res = await post(adminB, samisLogins([[alice.id, '2026-11-20', 35]]));
    expect(res.status).toBe(200);
    expect(await loginsOf(server.app.db, alice.id)).toEqual([]);
    const data = (await (await fetch(`${server.baseUrl}/api/data`, { headers: { authorization: `Local ${tutorA.id}` } })).json()) as {
      imports: Array<{ fileName: string }>;
    };
    expect(data.imports.map((i) => i.fileName)).not.toContain('probe.csv');
  });
});
