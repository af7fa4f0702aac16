import { join } from 'node:path';
import { importSamisRoster } from '../../bot/ingest/identity-imports.command';
import { importStaffCsv } from '../../bot/ingest/staff-import.command';
import { listAudit } from '../../bot/store/audit.repository';
import { findDepartment, listDepartments } from '../../bot/store/department.repository';
import { listRoleGrants, listStaff } from '../../bot/store/staff.repository';
import { findStudent, listStudents } from '../../bot/store/student.repository';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases';
import { ingestConfig } from '../ingest/support';

const NOW = new Date('2026-09-20T10:00:00Z');
const file = (name: string) => join(__dirname, '..', 'fixtures', 'onboarding', name);

describe.each(DATABASE_KINDS)('day one: roster and staff CSV into an empty database on %s', (kind) => {
  let t: TestDatabase;
  const rosterDeps = (env: Record<string, string> = {}) => ({ db: t.db, ingest: ingestConfig(env), now: () => NOW });
  const staffDeps = () => ({ db: t.db, now: () => NOW });
  beforeEach(async () => {
    t = await createTestDatabase(kind);
  });
  afterEach(async () => t.drop());

  it('when a SITS roster is imported into an empty database, then departments, tutors and linked students appear with no hand-made row', async () => {
    const summary = await importSamisRoster(rosterDeps(), { path: file('roster.csv') });

    expect(summary).toMatchObject({ status: 'succeeded', rowsCounted: 8, rowsRejected: 0 });
    expect(await listDepartments(t.db)).toEqual([
      { id: 'MATH', name: 'Department of Mathematical Sciences', isDemo: false },
      { id: 'PHYS', name: 'Department of Physics', isDemo: false },
    ]);
    expect((await listStaff(t.db, 'PHYS')).map((s) => [s.id, s.displayName, s.email, s.roles])).toEqual([
      ['P0412', 'Kwame Mensah', 'k.mensah@example.ac.uk', ['personal_tutor']],
      ['P0533', "Siobhán O'Neill", 's.oneill@example.ac.uk', ['personal_tutor']],
    ]);
    const physics = await listStudents(t.db, 'PHYS');
    expect(Object.fromEntries(physics.map((s) => [s.id, s.tutorId]))).toEqual({
      '2612345': 'P0412',
      '2612346': 'P0412',
      '2512347': 'P0412',
      '2512348': 'P0533',
      '2612349': 'P0533',
      '2412350': 'P0533',
    });
    // One cohort per course and year, not one per student (SPR_CODE).
    expect(new Set(physics.map((s) => s.programme))).toEqual(new Set(['UHPH-AFB10']));
    expect(await findStudent(t.db, '2612345')).toMatchObject({ startDay: '2026-09-21', status: 'active', year: 1 });
    expect((await findStudent(t.db, '2412350'))?.status).toBe('placement');
    expect((await listRoleGrants(t.db, 'roster')).length).toBe(3);
  });

  it('when the roster names a tutor with no e-mail, then that tutor is not invented, the student keeps the tutor they had, and the warning says what to fix', async () => {
    await importSamisRoster(rosterDeps(), { path: file('roster.csv') });

    const summary = await importSamisRoster(rosterDeps(), { path: file('roster-tutor-without-email.csv') });

    expect(summary.status).toBe('succeeded');
    expect(summary.warnings).toContain(
      'Personal tutor(s) with no e-mail in the roster (column PRS_EMAD): P0999 (Post Vacant). They cannot be reached or matched to Microsoft Entra, so they were not added as staff and their 1 student(s) keep the tutor they had (if any). Add the e-mail in Samis and import again.',
    );
    expect((await findStudent(t.db, '2612345'))?.tutorId).toBe('P0412');
    expect((await listStaff(t.db)).map((s) => s.id)).not.toContain('P0999');
  });

  it('when two departments share one code, then the roster is refused naming both and nothing stored is touched', async () => {
    await importSamisRoster(rosterDeps(), { path: file('roster.csv') });

    const summary = await importSamisRoster(rosterDeps(), { path: file('roster-one-code-two-departments.csv') });

    expect(summary.status).toBe('failed');
    expect(summary.errors[0]).toBe(
      'Two departments share the code "PHYS": "Department of Physics" (line 2) and "Department of Psychology" (line 3). A department code must name one department; correct the roster (or the departmentCode / departmentName columns in SAMIS_ROSTER_COLUMNS). Nothing from this file was stored.',
    );
    expect(await findDepartment(t.db, 'PHYS')).toMatchObject({ name: 'Department of Physics' });
    expect(await findStudent(t.db, '2612360')).toBeUndefined();
    expect(await listStudents(t.db, 'PHYS')).toHaveLength(6);
  });

  it('when the roster has other column names, then the header error names the columns found and the settings that fix it', async () => {
    const summary = await importSamisRoster(rosterDeps(), { path: file('roster-spr-programme.csv') });

    expect(summary.status).toBe('failed');
    expect(summary.errors[0]).toContain('Expected the columns STU_CODE, STU_SURN, STU_FNM1, CRS_CODE, SCE_BLOK, SCE_STAC, DPT_CODE');
    expect(summary.errors[0]).toContain('found: student code, surname, forename, email, route, year, status, department, tutor');
    expect(summary.errors[0]).toContain('SAMIS_ROSTER_COLUMNS');
    expect(summary.errors[0]).toContain('SAMIS_STATUS_MAP');
  });

  it('when the university maps its own column names, then the same file imports', async () => {
    const summary = await importSamisRoster(
      rosterDeps({
        SAMIS_ROSTER_COLUMNS: JSON.stringify({
          studentCode: 'Student code',
          familyName: 'Surname',
          givenName: 'Forename',
          email: 'Email',
          programme: 'Route',
          year: 'Year',
          status: 'Status',
          departmentCode: 'Department',
          departmentName: 'Department',
          tutor: 'Tutor',
        }),
      }),
      { path: file('roster-spr-programme.csv') },
    );
    expect(summary).toMatchObject({ status: 'succeeded', rowsCounted: 1 });
    expect(summary.warnings.join(' ')).toContain('P0412');
  });

  it('when the staff CSV is imported twice, then roles are given once, staff are found by e-mail, and the second run changes nothing', async () => {
    await importSamisRoster(rosterDeps(), { path: file('roster.csv') });

    const first = await importStaffCsv(staffDeps(), { path: file('staff.csv') });
    const second = await importStaffCsv(staffDeps(), { path: file('staff.csv') });

    expect(first).toMatchObject({ status: 'succeeded', rowsRead: 6, staffCreated: 2, staffUpdated: 3, rolesRemoved: [] });
    expect(first.rolesAdded).toHaveLength(6);
    expect(second).toMatchObject({ status: 'succeeded', rolesAdded: [], rolesRemoved: [], rolesKept: 6 });
    const physics = await listStaff(t.db, 'PHYS');
    expect(physics.find((s) => s.id === 'P0412')?.roles.sort()).toEqual(['director_of_studies', 'personal_tutor']);
    expect(physics.find((s) => s.email === 'r.patel@example.ac.uk')?.roles.sort()).toEqual(['department_admin', 'wellbeing']);
    expect(physics.find((s) => s.email === 'it.admin@example.ac.uk')?.roles).toEqual(['institution_admin']);
    expect((await listAudit(t.db)).filter((a) => a.action === 'staff_role_granted')).toHaveLength(6);
  });

  it('when a role leaves the staff CSV, then only that CSV role goes (the roster tutor role stays), and a dry run shows it first', async () => {
    await importSamisRoster(rosterDeps(), { path: file('roster.csv') });
    await importStaffCsv(staffDeps(), { path: file('staff.csv') });

    const before = await listRoleGrants(t.db);

    const dry = await importStaffCsv(staffDeps(), { path: file('staff-fewer.csv'), dryRun: true });
    const afterDry = await listRoleGrants(t.db);
    const real = await importStaffCsv(staffDeps(), { path: file('staff-fewer.csv') });

    expect(dry.status).toBe('dry_run');
    expect(afterDry).toEqual(before);
    const gone = (s: typeof dry) => s.rolesRemoved.map((r) => `${r.email} ${r.role}`).sort();
    expect(gone(dry)).toEqual([
      'h.nakamura@example.ac.uk director_of_studies',
      'it.admin@example.ac.uk institution_admin',
      'r.patel@example.ac.uk wellbeing',
      's.oneill@example.ac.uk student_experience_officer',
    ]);
    expect(gone(real)).toEqual(gone(dry));
    const physics = await listStaff(t.db, 'PHYS');
    expect(physics.find((s) => s.id === 'P0533')?.roles).toEqual(['personal_tutor']);
    expect(physics.find((s) => s.id === 'P0412')?.roles.sort()).toEqual(['director_of_studies', 'personal_tutor']);
    expect((await listAudit(t.db)).filter((a) => a.action === 'staff_role_removed')).toHaveLength(4);
  });

  it('when the staff CSV names an unknown role or department, then every bad line is named and nothing is changed', async () => {
    await importSamisRoster(rosterDeps(), { path: file('roster.csv') });
    await importStaffCsv(staffDeps(), { path: file('staff.csv') });
    const before = await listRoleGrants(t.db);

    const summary = await importStaffCsv(staffDeps(), { path: file('staff-bad.csv') });

    expect(summary.status).toBe('failed');
    expect(summary.errors).toEqual([
      'line 2: "Head of Year" is not a role; use one of: Personal tutor, Director of Studies, Student Experience Officer, Department administrator, Wellbeing, Institution administrator',
      'line 3: there is no department "CHEM" (known: MATH, PHYS); import the Samis roster first, or correct the code',
      'Nothing was changed: correct the file and import it again.',
    ]);
    expect(await listRoleGrants(t.db)).toEqual(before);
  });
});
