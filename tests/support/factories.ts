import type { Db } from '../../bot/store/database';
import { insertDepartment } from '../../bot/store/department.repository';
import { insertStaff, type Staff } from '../../bot/store/staff.repository';
import { insertStudents, type Student } from '../../bot/store/student.repository';
import { insertTerm } from '../../bot/store/calendar.repository';
import { insertImport } from '../../bot/store/import.repository';
import { newId } from '../../bot/store/ids';
import { SOURCES } from '../../shared/domain';
import type { Term } from '../../shared/calendar';

export const NOW = '2026-11-27T09:00:00.000Z';
export const TODAY = '2026-11-27';

let counter = 0;
const next = () => ++counter;

export function buildStaff(overrides: Partial<Staff> = {}): Staff {
  const n = next();
  return {
    id: `staff-${n}`,
    departmentId: 'dept-a',
    displayName: `Dr Tutor ${n}`,
    email: `tutor${n}@example.ac.uk`,
    entraId: `aad-staff-${n}`,
    roles: ['personal_tutor'],
    ...overrides,
  };
}

export function buildStudent(overrides: Partial<Student> = {}): Student {
  const n = next();
  return {
    id: `S${String(n).padStart(7, '0')}`,
    departmentId: 'dept-a',
    givenName: 'Student',
    familyName: `Number${n}`,
    email: `student${n}@example.ac.uk`,
    entraId: `aad-student-${n}`,
    programme: 'BSc Physics',
    year: 1,
    status: 'active',
    tutorId: null,
    ...overrides,
  };
}

export const AUTUMN: Term = {
  name: 'Autumn 2026',
  start: '2026-09-28',
  end: '2026-12-11',
  excluded: [{ start: '2026-11-02', end: '2026-11-08', label: 'Reading week' }],
};

export async function seedDepartment(db: Db, id = 'dept-a', name = 'Department A'): Promise<void> {
  await insertDepartment(db, { id, name, isDemo: false }, NOW);
}

/** Records a successful import of every source over the term so far: full known coverage. */
export async function seedFullCoverage(db: Db, start = AUTUMN.start, end = '2026-11-26'): Promise<void> {
  for (const source of SOURCES) {
    await insertImport(db, {
      id: newId(),
      source,
      fileName: 'fixture',
      fileHash: null,
      periodStart: start,
      periodEnd: end,
      rowsRead: 0,
      rowsCounted: 0,
      rowsIgnored: 0,
      rowsRejected: 0,
      status: 'succeeded',
      errors: [],
      startedAt: NOW,
      finishedAt: NOW,
    });
  }
}

export async function seedPeople(db: Db, people: { staff?: Staff[]; students?: Student[] }): Promise<void> {
  if (people.staff?.length) await insertStaff(db, people.staff, NOW);
  if (people.students?.length) await insertStudents(db, people.students, NOW);
}

export { insertTerm };
