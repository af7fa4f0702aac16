import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases';
import { buildStaff, seedPeople } from '../support/factories';
import { loadDepartmentCounts } from '../../bot/store/activity.repository';
import { importExport, type ImportOptions } from '../../bot/ingest/import.command';
import { importMoodleUsers } from '../../bot/ingest/identity-imports.command';
import { presentImportSummary } from '../../bot/ingest/import.presenter';
import type { Db } from '../../bot/store/database';
import { CAMPUS, SIAN, ZOE, fixture, ingestConfig, seedFixturePeople } from './support';

const NOW = new Date('2026-11-28T10:00:00Z');
/** The organiser of the Teams seminar fixture and the Moodle user 5 of the staff fixtures; TUT01 is a personal tutor's SITS code. */
const LENA = buildStaff({ id: 'TUT01', displayName: 'Dr Lena Organiser', email: 'l.organiser@example.ac.uk' });

async function countsOf(db: Db): Promise<string[]> {
  const out: string[] = [];
  for (const [student, days] of await loadDepartmentCounts(db, 'dept-a', '2000-01-01', '2100-01-01'))
    for (const [day, sources] of days) for (const [source, n] of Object.entries(sources)) out.push(`${student} ${day} ${source} ${n}`);
  return out.sort();
}

describe.each(DATABASE_KINDS)('rows of known staff in activity exports, on %s', (kind) => {
  let t: TestDatabase;
  let dir: string;
  const deps = (env: Record<string, string> = {}) => ({ db: t.db, ingest: ingestConfig(env), campusTimeZone: CAMPUS, now: () => NOW });
  const run = (options: ImportOptions, env: Record<string, string> = {}) => importExport(deps(env), options);

  beforeEach(async () => {
    t = await createTestDatabase(kind);
    await seedFixturePeople(t.db);
    await seedPeople(t.db, { staff: [LENA] });
    dir = mkdtempSync(join(tmpdir(), 'em-staff-'));
  });
  afterEach(async () => {
    await t.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when a Moodle log holds a staff member known from the user download, then their rows are "staff, ignored" and do not refuse the file', async () => {
    const users = await importMoodleUsers(deps(), { path: fixture('staff', 'moodle-users-with-staff.csv') });
    expect(users).toMatchObject({ status: 'succeeded', rowsUnresolved: 0, rowsStaff: 1, staff: { keys: ['moodle:5'] } });

    // Four of the six rows are Lena's: read as unknown users they would be 4 of 6 rows that would count, under a 50% share.
    const summary = await run({ source: 'moodle', path: fixture('staff', 'moodle-log-staff.csv') }, { IMPORT_MIN_RESOLVED_SHARE: '0.5' });

    expect(summary).toMatchObject({
      status: 'succeeded',
      rowsCounted: 2,
      rowsUnresolved: 0,
      rowsStaff: 3,
      unresolved: { total: 0, keys: [] },
      staff: { total: 1, keys: ['moodle:5'] },
    });
    expect(summary.warnings.join(' ')).not.toMatch(/Import the roster/);
    expect(presentImportSummary(summary)).toMatch(
      /staff, ignored\s+3 row\(s\) of 1 staff key\(s\)[\s\S]*staff, ignored \(not students, nothing to import\):\n {4}moodle:5/,
    );
    expect(await countsOf(t.db)).toEqual([`${ZOE.id} 2023-11-19 moodle_login 1`, `${SIAN.id} 2023-11-20 moodle_login 1`].sort());
  });

  it('when a Samis login export holds a staff code, then those logins are "staff, ignored", not unresolved', async () => {
    const summary = await run(
      { source: 'samis-logins', path: fixture('staff', 'samis-logins-staff.csv') },
      { IMPORT_MIN_RESOLVED_SHARE: '0.5' },
    );

    expect(summary).toMatchObject({
      status: 'succeeded',
      rowsCounted: 2,
      rowsUnresolved: 0,
      rowsStaff: 3,
      staff: { keys: ['samis:TUT01'] },
    });
    expect(await countsOf(t.db)).toEqual([`${SIAN.id} 2023-11-20 samis_login 1`, `${ZOE.id} 2023-11-21 samis_login 1`]);
  });

  it('when a file names only staff, then it is refused with that reason and nothing is stored', async () => {
    const staffOnly = join(dir, 'tutor-logins.csv');
    writeFileSync(
      staffOnly,
      readFileSync(fixture('staff', 'samis-logins-staff.csv'), 'utf8')
        .split('\r\n')
        .filter((l) => !l.startsWith('S1'))
        .join('\r\n'),
    );

    const summary = await run({ source: 'samis-logins', path: staffOnly });

    expect(summary.status).toBe('failed');
    expect(summary.errors[0]).toMatch(
      /^every one of the 3 row\(s\) that would count names a member of staff \(for example samis:TUT01\), none a student/,
    );
    expect(await countsOf(t.db)).toEqual([]);
  });

  it('when a login export was saved with semicolons between fields, then the refusal says so and how to save it', async () => {
    const semicolons = join(dir, 'logins-excel.csv');
    writeFileSync(semicolons, readFileSync(fixture('staff', 'samis-logins-staff.csv'), 'utf8').replaceAll(',', ';'));

    const summary = await run({ source: 'samis-logins', path: semicolons });

    expect(summary.status).toBe('failed');
    expect(summary.errors[0]).toMatch(
      /found: stu_code;login_time;ip_address\. The fields are separated by semicolons .* "CSV UTF-8 \(Comma delimited\)"/,
    );
  });

  it('when a Teams download names its organiser, then the organiser is reported as staff, not among the unresolved', async () => {
    const summary = await run({ source: 'teams', path: fixture('trust', 'teams-seminar.csv') });

    expect(summary).toMatchObject({
      status: 'succeeded',
      rowsStaff: 1,
      staff: { keys: ['email:l.organiser@example.ac.uk'] },
      rowsUnresolved: 0,
    });
  });
});
