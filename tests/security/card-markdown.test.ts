import { buildCheckinCard, buildDigestCard, buildNoticeCard, type AdaptiveCard, type DigestRow } from '../../bot/teams/cards';
import { SOURCES } from '../../shared/domain';

const HOSTILE = '[Open case file](https://evil.example.com) **URGENT** <b>';

/** Every TextBlock text of a card. */
function texts(card: AdaptiveCard): string[] {
  const out: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (o.type === 'TextBlock' && typeof o.text === 'string') out.push(o.text);
    Object.values(o).forEach(visit);
  };
  visit(card);
  return out;
}

/** A Markdown link, emphasis or raw tag whose markers are not backslash-escaped, as CommonMark would render it. */
const LIVE_MARKDOWN = /(?<!\\)\[[^\]]*(?<!\\)\]\(|(?<!\\)\*\*|(?<!\\)<b>/;

function digestRow(overrides: Partial<DigestRow>): DigestRow {
  return {
    caseId: '01890000-0000-7000-8000-000000000001',
    studentName: 'Student',
    programme: 'BSc Physics',
    year: 1,
    severity: 'high',
    status: 'open',
    reason: 'No engagement on any source with known data for the last 14 term days.',
    counts: Object.fromEntries(SOURCES.map((s) => [s, { d7: 0, d14: 0, d21: 0 }])) as DigestRow['counts'],
    cohortMedian: {},
    daysSinceLastActivity: 14,
    dataUpTo: '2026-11-26',
    checkedAt: '2026-11-27T09:00:00.000Z',
    othersOnCase: [],
    outcome: null,
    snoozedUntil: null,
    readerIsOwner: false,
    ...overrides,
  };
}

describe('values that did not come from us, on cards staff and students see', () => {
  it("when a student's message and name carry Markdown, then the staff notice shows them as typed, not as a link", () => {
    const card = buildNoticeCard({
      title: `${HOSTILE} sent a message`,
      lines: [`Their message: “${HOSTILE}”`],
      urgent: false,
      listUrl: 'https://engagement.example.ac.uk/',
    });
    const shown = texts(card);
    expect(shown.length).toBeGreaterThan(1);
    for (const t of shown) expect(t).not.toMatch(LIVE_MARKDOWN);
    expect(shown.join('\n')).toContain('\\[Open case file\\](https://evil.example.com)');
  });

  it('when roster names and programmes carry Markdown, then the digest shows them as typed', () => {
    const card = buildDigestCard({
      recipientName: HOSTILE,
      rows: [digestRow({ studentName: HOSTILE, programme: HOSTILE, othersOnCase: [`${HOSTILE} (getting in touch)`] })],
      listUrl: 'https://engagement.example.ac.uk/',
      isDemo: false,
    });
    for (const t of texts(card)) expect(t).not.toMatch(LIVE_MARKDOWN);
  });

  it("when a tutor's name and the student's own reply carry Markdown, then the check-in card shows them as typed", () => {
    const card = buildCheckinCard({
      studentGivenName: HOSTILE,
      tutorName: HOSTILE,
      caseId: 'c1',
      answered: { choice: 'message', message: HOSTILE },
    });
    for (const t of texts(card)) expect(t).not.toMatch(LIVE_MARKDOWN);
  });
});
