import { Faker, base, en, en_GB } from '@faker-js/faker';
import { SOURCES, type IsoDay, type Source, type StaffRole, type StudentStatus } from '../../shared/domain';
import { addDays, dayToUtcMs, isTermDay, type Term } from '../../shared/calendar';
import type { ActivityCount } from '../store/activity.repository';
import type { Staff } from '../store/staff.repository';
import type { Student } from '../store/student.repository';

export const DEMO_DEPARTMENT = { id: 'demo-natsci', name: 'School of Natural Sciences (demo data)', isDemo: true } as const;
export const DEMO_EMAIL_DOMAIN = 'demo.example.ac.uk';

/** Entra object ids of demo staff are fixed by position, so the Agents Playground config can sign in as one. */
export const demoStaffEntraId = (index: number): string => `00000000-0000-4000-8000-${(0x100 + index).toString(16).padStart(12, '0')}`;

const PROGRAMMES = ['BSc Physics', 'BSc Chemistry', 'BSc Biological Sciences', 'MPhys Physics with Astrophysics'] as const;
const STUDENTS_PER_COHORT = 50;
const STAFF_COUNT = 30;

type Profile = 'engaged' | 'low' | 'fading' | 'silent' | 'away' | 'exempted';

export interface DemoStudent extends Student {
  profile: Profile;
  moodleUserId: string;
  panoptoUser: string;
}

export interface DemoDepartment {
  department: typeof DEMO_DEPARTMENT;
  staff: Staff[];
  students: DemoStudent[];
  term: Term;
  exemptions: Array<{ studentId: string; reason: string; from: IsoDay; until: IsoDay | null; setBy: string | null }>;
  counts: ActivityCount[];
  /** The days for which the demo's counts are complete, per source (what an import would record). */
  coverage: { start: IsoDay; end: IsoDay };
}

const weekday = (day: IsoDay): number => new Date(dayToUtcMs(day)).getUTCDay();

function mondayOnOrBefore(day: IsoDay): IsoDay {
  return addDays(day, -((weekday(day) + 6) % 7));
}

/**
 * A term around `today`: it began on the Monday at least eight weeks earlier, has a reading week in
 * its sixth week, and runs for twelve weeks, so the demo always lands in term time.
 */
export function demoTerm(today: IsoDay): Term {
  const start = mondayOnOrBefore(addDays(today, -56));
  return {
    name: 'Demo term',
    start,
    end: addDays(start, 12 * 7 - 1),
    excluded: [{ start: addDays(start, 35), end: addDays(start, 41), label: 'Reading week' }],
  };
}

function slug(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
}

/**
 * Builds a synthetic department: the same seed and day always give the same department. Nobody in
 * it is real; names come from Faker and every e-mail address is on a reserved demo domain.
 */
export function generateDemoDepartment(seed: number, today: IsoDay): DemoDepartment {
  const faker = new Faker({ locale: [en_GB, en, base] });
  faker.seed(seed);
  const random = () => faker.number.float();
  const poisson = (mean: number): number => {
    if (mean <= 0) return 0;
    const limit = Math.exp(-mean);
    let k = 0;
    for (let p = random(); p > limit; p *= random()) k++;
    return k;
  };
  const staff: Staff[] = [];
  for (let i = 0; i < STAFF_COUNT; i++) {
    const roles: StaffRole[] =
      i === 0
        ? ['director_of_studies', 'personal_tutor']
        : i <= 2
          ? ['student_experience_officer']
          : i <= 4
            ? ['department_admin']
            : ['personal_tutor'];
    const given = faker.person.firstName();
    const family = faker.person.lastName();
    staff.push({
      id: `demo-staff-${String(i + 1).padStart(2, '0')}`,
      departmentId: DEMO_DEPARTMENT.id,
      displayName: `${i < 3 || i >= 5 ? 'Dr ' : ''}${given} ${family}`,
      email: `${slug(given)}.${slug(family)}@${DEMO_EMAIL_DOMAIN}`,
      entraId: demoStaffEntraId(i),
      roles,
    });
  }
  const tutors = staff.filter((s) => s.roles.includes('personal_tutor'));

  const term = demoTerm(today);
  const yesterday = addDays(today, -1);
  const students: DemoStudent[] = [];
  const exemptions: DemoDepartment['exemptions'] = [];
  let n = 0;
  for (const [p, programme] of PROGRAMMES.entries()) {
    for (let year = 1; year <= 3; year++) {
      for (let i = 0; i < STUDENTS_PER_COHORT; i++, n++) {
        const given = faker.person.firstName();
        const family = faker.person.lastName();
        const roll = random();
        let [profile, status]: [Profile, StudentStatus] =
          roll < 0.06
            ? ['fading', 'active']
            : roll < 0.13
              ? ['low', 'active']
              : roll < 0.145
                ? ['silent', 'active']
                : roll < 0.16
                  ? ['away', 'suspended']
                  : roll < 0.165
                    ? ['exempted', 'active']
                    : ['engaged', 'active'];
        // A few final-year students in every programme are away all term, as the guide's exemptions describe.
        if (year === 3 && (i === 3 || i === 17)) [profile, status] = ['away', 'placement'];
        if (year === 3 && (i === 8 || i === 29)) [profile, status] = ['away', 'study_abroad'];
        const id = `2${String(6 - year).padStart(2, '0')}${String(p)}${String(n).padStart(4, '0')}`;
        const username = `${slug(given).slice(0, 3)}${slug(family).slice(0, 3)}${n}`;
        students.push({
          id,
          departmentId: DEMO_DEPARTMENT.id,
          givenName: given,
          familyName: family,
          email: `${username}@${DEMO_EMAIL_DOMAIN}`,
          entraId: faker.string.uuid(),
          programme,
          year,
          status,
          tutorId: tutors[n % tutors.length]?.id ?? null,
          profile,
          moodleUserId: String(2000 + n),
          panoptoUser: `demo-moodle\\${username}`,
        });
        if (profile === 'exempted')
          exemptions.push({
            studentId: id,
            reason: 'Medical certificate (demo)',
            from: addDays(today, -20),
            until: null,
            setBy: staff[0]?.id ?? null,
          });
      }
    }
  }

  const counts: ActivityCount[] = [];
  const deadlineOffset = (s: DemoStudent) => (PROGRAMMES.indexOf(s.programme as (typeof PROGRAMMES)[number]) + s.year) % 2;
  for (const s of students) {
    const level = s.profile === 'low' ? 0.12 + random() * 0.2 : 0.6 + random() * 0.8;
    const stopsOn =
      s.profile === 'fading' ? addDays(today, -(17 + Math.floor(random() * 18))) : s.profile === 'exempted' ? addDays(today, -21) : null;
    for (let day = term.start; day <= yesterday; day = addDays(day, 1)) {
      if (s.profile === 'silent' || s.profile === 'away') break;
      if (stopsOn !== null && day >= stopsOn) break;
      const dow = weekday(day);
      const weekend = dow === 0 || dow === 6;
      const inTerm = isTermDay(day, [term]);
      const rhythm = (weekend ? 0.35 : 1) * (inTerm ? 1 : 0.4);
      const termWeek = Math.floor((dayToUtcMs(day) - dayToUtcMs(term.start)) / (7 * 86_400_000));
      const isDeadline = dow === 5 && inTerm && termWeek % 2 === deadlineOffset(s) && termWeek > 0;
      const lectureDay = !weekend && inTerm && [1, 2, 4].includes(dow);
      const perSource: Record<Source, number> = {
        moodle_login: poisson(1.5 * level * rhythm),
        panopto_view: poisson((lectureDay ? 1.1 : 0.35) * level * rhythm),
        teams_attendance: lectureDay && random() < 0.7 * Math.min(1, level) ? 1 + (random() < 0.25 ? 1 : 0) : 0,
        samis_login: random() < 0.1 * level ? 1 : 0,
        moodle_submission: isDeadline && random() < 0.92 * Math.min(1, level + 0.2) ? 1 : 0,
      };
      for (const source of SOURCES) {
        if (perSource[source] > 0) counts.push({ studentId: s.id, day, source, count: perSource[source] });
      }
    }
  }
  return { department: DEMO_DEPARTMENT, staff, students, term, exemptions, counts, coverage: { start: term.start, end: yesterday } };
}
