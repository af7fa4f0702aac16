import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases';
import { buildStaff, seedDepartment, seedPeople } from '../support/factories';
import { importMoodleUsers, importSamisRoster } from '../../bot/ingest/identity-imports.command';
import { importExport } from '../../bot/ingest/import.command';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findStudent, listStudentsForRules } from '../../bot/store/student.repository';
import { resolveIdentities } from '../../bot/store/identity.repository';
import { CAMPUS, fixture, ingestConfig } from './support';

const NOW = new Date('2026-11-28T10:00:00Z');

describe.each(DATABASE_KINDS)('roster and identity imports on %s', (kind) => {
  let t: TestDatabase;
  let dir: string;
  const deps = (env: Record<string, string> = {}) => ({ db: t.db, ingest: ingestConfig(env), now: () => NOW });
  beforeEach(async () => {
    t = await createTestDatabase(kind);
    dir = mkdtempSync(join(tmpdir(), 'em-roster-'));
    await seedDepartment(t.db);
    await seedPeople(t.db, { staff: [buildStaff({ id: 'TUT01' }), buildStaff({ id: 'TUT02' })] });
  });
  afterEach(async () => {
    await t.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when a Samis roster is imported, then students are created with mapped statuses and tutors, and bad status codes are rejected by line', async () => {
    const summary = await importSamisRoster(deps({ IMPORT_MAX_REJECTED_SHARE: '0.5' }), {
      path: fixture('samis', 'roster.csv'),
    });

    expect(summary.status).toBe('succeeded');
    expect(summary.rejections).toEqual([
      { line: 5, reason: 'enrolment status "ZZ" is not in SAMIS_STATUS_MAP (known: C, EN, S, SU, P, SA, W, WD)' },
    ]);
    expect(await findStudent(t.db, 'S1000002')).toMatchObject({
      givenName: 'Zoë',
      familyName: 'Jones, Jr',
      status: 'study_abroad',
      year: 2,
      tutorId: 'TUT01',
      programme: 'USPH-AFB01',
      departmentId: 'PHYS',
      startDay: '2025-09-25',
      email: 'zoe.jones@example.ac.uk',
    });
    expect(await findStudent(t.db, 'S1000003')).toMatchObject({ status: 'active', tutorId: 'TUT02' });
    expect((await resolveIdentities(t.db, 'samis', ['S1000001'])).get('S1000001')).toBe('S1000001');
    expect((await resolveIdentities(t.db, 'email', ['ola.nordmann@example.ac.uk'])).get('ola.nordmann@example.ac.uk')).toBe('S1000003');
  });

  it('when the university maps its own status codes, then the roster follows that mapping', async () => {
    const summary = await importSamisRoster(deps({ SAMIS_STATUS_MAP: '{"C":"active","SA":"active","EN":"suspended","ZZ":"withdrawn"}' }), {
      path: fixture('samis', 'roster.csv'),
    });
    expect(summary.status).toBe('succeeded');
    expect((await findStudent(t.db, 'S1000003'))?.status).toBe('suspended');
    expect((await findStudent(t.db, 'S1000004'))?.tutorId).toBe('TUT09');
  });

  it('when a wrong status map is corrected and the same roster imported again, then the corrected statuses apply; the same settings again are skipped', async () => {
    // As a SITS report writer would save it from Excel: BOM, CRLF, every field quoted, columns in their own order.
    const roster = join(dir, 'roster-2026.csv');
    writeFileSync(
      roster,
      '\uFEFF"DPT_CODE","DPT_NAME","STU_CODE","STU_FNM1","STU_SURN","STU_CAEM","CRS_CODE","SCE_BLOK","SCE_STAC"\r\n' +
        '"PHYS","Physics","S2000001","Aled","Rhys","aled.rhys@example.ac.uk","USPH-AFB01","01","C"\r\n' +
        '"PHYS","Physics","S2000002","Bea","Ng","bea.ng@example.ac.uk","USPH-AFB01","02","IS"\r\n',
    );
    const wrong = deps({ SAMIS_STATUS_MAP: '{"C":"active","IS":"active"}' });
    expect((await importSamisRoster(wrong, { path: roster })).status).toBe('succeeded');
    expect((await findStudent(t.db, 'S2000002'))?.status).toBe('active');

    const fixed = deps({ SAMIS_STATUS_MAP: '{"C":"active","IS":"suspended"}' });
    const again = await importSamisRoster(fixed, { path: roster, fileName: 'roster-again.csv' });

    expect(again.status).toBe('succeeded');
    expect(again.warnings.join(' ')).toMatch(/imported on 28 Nov 2026 as roster-2026.csv with another SAMIS_STATUS_MAP/);
    expect((await findStudent(t.db, 'S2000002'))?.status).toBe('suspended');
    expect((await listStudentsForRules(t.db, 'PHYS')).filter((s) => s.status === 'active').map((s) => s.id)).toEqual(['S2000001']);

    const same = await importSamisRoster(fixed, { path: roster });
    expect(same.status).toBe('already_imported');
    expect(same.warnings).toEqual([
      'skipped: identical file and settings, imported on 28 Nov 2026 as roster-again.csv; nothing was changed (a changed SAMIS_STATUS_MAP or SAMIS_ROSTER_COLUMNS applies it again).',
    ]);

    // A corrected column map is a different import too: the programme now comes from another column.
    const columns = deps({ SAMIS_STATUS_MAP: '{"C":"active","IS":"suspended"}', SAMIS_ROSTER_COLUMNS: '{"programme":"DPT_CODE"}' });
    expect((await importSamisRoster(columns, { path: roster })).status).toBe('succeeded');
    expect((await findStudent(t.db, 'S2000001'))?.programme).toBe('PHYS');
  });

  it('when a roster is limited to a department it does not hold, then every row is left out and said so', async () => {
    const summary = await importSamisRoster(deps({ IMPORT_MAX_REJECTED_SHARE: '0.5' }), {
      path: fixture('samis', 'roster.csv'),
      departmentId: 'dept-a',
    });
    expect(summary).toMatchObject({ status: 'succeeded', rowsCounted: 0, rowsIgnored: 4 });
    expect(summary.warnings.join(' ')).toContain('4 row(s) of other departments were left out (--department dept-a)');
    expect(await findStudent(t.db, 'S1000001')).toBeUndefined();
  });

  it('when the roster and then the Moodle user export are imported, then Moodle log rows resolve through idnumber and e-mail', async () => {
    await importSamisRoster(deps({ IMPORT_MAX_REJECTED_SHARE: '0.5' }), { path: fixture('samis', 'roster.csv') });
    const users = await importMoodleUsers(deps(), { path: fixture('moodle', 'users.csv') });

    expect(users).toMatchObject({ status: 'succeeded', rowsRead: 4, rowsCounted: 3, unresolved: { total: 1, keys: ['moodle:2116'] } });
    expect((await resolveIdentities(t.db, 'moodle', ['2115'])).get('2115')).toBe('S1000003');
    const log = await importExport({ ...deps(), campusTimeZone: CAMPUS }, { source: 'moodle', path: fixture('moodle', 'site-log.csv') });
    expect(log).toMatchObject({ rowsCounted: 6, studentsAffected: 3, unresolved: { keys: ['moodle:9999'] } });
  });

  it('when a Moodle user export has the wrong header, then it fails naming the expected columns', async () => {
    const summary = await importMoodleUsers(deps(), { path: fixture('samis', 'logins.csv') });
    expect(summary.status).toBe('failed');
    expect(summary.errors[0]).toMatch(/not a Moodle user export. Expected the columns id, username/);
  });
});
