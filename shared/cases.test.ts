import { CASE_EVENT_KINDS, CASE_EVENT_LABELS, CASE_OUTCOME_LABELS, compareTriage, type Triageable } from './cases';

const row = (caseId: string, overrides: Partial<Triageable> = {}): Triageable => ({
  caseId,
  severity: 'medium',
  daysSinceLastActivity: 5,
  studentName: 'Sam Rivers',
  ...overrides,
});

describe('the case vocabulary', () => {
  it('when any event kind is shown to staff, then its label is plain words, not machine text, and no two kinds read alike', () => {
    const labels = CASE_EVENT_KINDS.map((k) => CASE_EVENT_LABELS[k]);
    for (const label of [...labels, ...Object.values(CASE_OUTCOME_LABELS)]) expect(label).toMatch(/^[A-Z][^_]*$/);
    expect(new Set(labels).size).toBe(labels.length);
  });
});

describe('compareTriage', () => {
  it('when rows differ in severity, silence and name, then the most severe comes first, then the longest silence, then the name', () => {
    const rows = [
      row('c1', { severity: 'low', daysSinceLastActivity: 40 }),
      row('c2', { severity: 'high', daysSinceLastActivity: 3, studentName: 'Zoe' }),
      row('c3', { severity: 'high', daysSinceLastActivity: null, studentName: 'Yan' }),
      row('c4', { severity: 'high', daysSinceLastActivity: 3, studentName: 'Amy' }),
    ];
    expect([...rows].sort(compareTriage).map((r) => r.caseId)).toEqual(['c3', 'c4', 'c2', 'c1']);
  });

  it('when names differ only in case or accents, then they tie on name and the case id decides, whatever order they came in', () => {
    const a = row('case-a', { studentName: 'Élodie Martin' });
    const b = row('case-b', { studentName: 'elodie martin' });
    expect([b, a].sort(compareTriage).map((r) => r.caseId)).toEqual(['case-a', 'case-b']);
    expect([a, b].sort(compareTriage).map((r) => r.caseId)).toEqual(['case-a', 'case-b']);
  });
});
