import { generateDemoDepartment } from './generate';
import { isTermDay } from '../../shared/calendar';

describe('the demo department generator', () => {
  it('when run twice with the same seed and day, then it produces the same department', () => {
    expect(generateDemoDepartment(3, '2026-11-27')).toEqual(generateDemoDepartment(3, '2026-11-27'));
  });

  it('when run, then it has about 600 students, 30 staff in every role, some exempt students, and today falls in term', () => {
    const demo = generateDemoDepartment(42, '2026-11-27');
    expect(demo.students).toHaveLength(600);
    expect(demo.staff).toHaveLength(30);
    for (const role of ['personal_tutor', 'director_of_studies', 'student_experience_officer', 'department_admin'] as const) {
      expect(demo.staff.some((s) => s.roles.includes(role))).toBe(true);
    }
    const statuses = new Set(demo.students.map((s) => s.status));
    expect(statuses).toEqual(new Set(['active', 'suspended', 'placement', 'study_abroad']));
    expect(isTermDay('2026-11-27', [demo.term])).toBe(true);
    expect(demo.term.excluded).toHaveLength(1);
  });

  it('when counts are generated, then weekdays are busier than weekends and every source appears', () => {
    const demo = generateDemoDepartment(42, '2026-11-27');
    const bySource = new Set(demo.counts.map((c) => c.source));
    expect(bySource.size).toBe(5);
    const weekday = demo.counts.filter((c) => ![0, 6].includes(new Date(`${c.day}T00:00:00Z`).getUTCDay())).length / 5;
    const weekend = demo.counts.filter((c) => [0, 6].includes(new Date(`${c.day}T00:00:00Z`).getUTCDay())).length / 2;
    expect(weekday).toBeGreaterThan(weekend * 1.5);
  });
});
