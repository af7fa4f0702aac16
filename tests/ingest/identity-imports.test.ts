import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases';
import { buildStaff, seedDepartment, seedPeople } from '../support/factories';
import { importMoodleUsers, importSamisRoster } from '../../bot/ingest/identity-imports.command';
import { importExport } from '../../bot/ingest/import.command';
import { findStudent } from '../../bot/store/student.repository';
import { resolveIdentities } from '../../bot/store/identity.repository';
import { CAMPUS, fixture, ingestConfig } from './support';

const NOW = new Date('2026-11-28T10:00:00Z');

describe.each(DATABASE_KINDS)('roster and identity imports on %s', (kind) => {
  let t: TestDatabase;
  const deps = (env: Record<string, string> = {}) => ({ db: t.db, ingest: ingestConfig(env), now: () => NOW });
  beforeEach(async () => {
    t = await createTestDatabase(kind);
    await seedDepartment(t.db);
    await seedPeople(t.db, { staff: [buildStaff({ id: 'TUT01' }), buildStaff({ id: 'TUT02' })] });
  });
  afterEach(async () => t.drop());

  it('when a Samis roster is imported, then students are created with mapped statuses and tutors, and bad status codes are rejected by line', async () => {
    const summary = await importSamisRoster(deps({ IMPORT_MAX_REJECTED_SHARE: '0.5' }), {
      path: fixture('samis', 'roster.csv'),
      departmentId: 'dept-a',
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
      email: 'zoe.jones@example.ac.uk',
    });
    expect(await findStudent(t.db, 'S1000003')).toMatchObject({ status: 'active', tutorId: 'TUT02' });
    expect((await resolveIdentities(t.db, 'samis', ['S1000001'])).get('S1000001')).toBe('S1000001');
    expect((await resolveIdentities(t.db, 'email', ['ola.nordmann@example.ac.uk'])).get('ola.nordmann@example.ac.uk')).toBe('S1000003');
  });

  it('when the university maps its own status codes, then the roster follows that mapping', async () => {
    const summary = await importSamisRoster(deps({ SAMIS_STATUS_MAP: '{"C":"active","SA":"active","EN":"suspended","ZZ":"withdrawn"}' }), {
      path: fixture('samis', 'roster.csv'),
      departmentId: 'dept-a',
    });
    expect(summary.status).toBe('succeeded');
    expect((await findStudent(t.db, 'S1000003'))?.status).toBe('suspended');
    expect(summary.warnings.join(' ')).toContain('TUT09');
  });

  it('when a roster is imported without a department, then it is refused before anything is read', async () => {
    await expect(importSamisRoster(deps(), { path: fixture('samis', 'roster.csv'), departmentId: undefined })).rejects.toThrow(
      'pass --department',
    );
  });

  it('when the roster and then the Moodle user export are imported, then Moodle log rows resolve through idnumber and e-mail', async () => {
    await importSamisRoster(deps({ IMPORT_MAX_REJECTED_SHARE: '0.5' }), { path: fixture('samis', 'roster.csv'), departmentId: 'dept-a' });
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
