// The official Adaptive Cards parser (UMD build: the package's lib/ is ESM-only).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof import('adaptivecards');
import { SOURCES } from '../../shared/domain';
import {
  buildCheckinCard,
  buildDigestCard,
  buildHelpCard,
  buildNoticeCard,
  buildSupportCard,
  buildUrgentSupportCard,
  type AdaptiveCard,
  type DigestRow,
} from '../../bot/teams/cards';
import { parseCardAction } from '../../bot/teams/verbs';
import { AppError } from '../../bot/errors';

/** Parses a card as Teams' 1.5 renderer would and returns every complaint, including those of nested ShowCards. */
function schemaProblems(json: AdaptiveCard): string[] {
  const problems: string[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (o.type === 'AdaptiveCard') {
      const card = new AC.AdaptiveCard();
      const context = new AC.SerializationContext(AC.Versions.v1_5);
      card.parse(o, context);
      for (let i = 0; i < context.eventCount; i++) problems.push(context.getEventAt(i)?.message ?? 'unknown');
      const results = card.validateProperties();
      problems.push(...results.validationEvents.map((e) => e.message));
    }
    Object.values(o).forEach(visit);
  };
  visit(json);
  return problems;
}

function row(n: number, overrides: Partial<DigestRow> = {}): DigestRow {
  return {
    caseId: `01890000-0000-7000-8000-${String(n).padStart(12, '0')}`,
    studentId: `S${n}`,
    studentName: `Student Number${n}`,
    programme: 'BSc Physics with a rather long programme name',
    year: 2,
    severity: n % 3 === 0 ? 'high' : 'medium',
    status: 'open',
    reason: 'No activity on any source for 2 weeks of term, since 12 November.',
    ruleFigures: 'No activity recorded on any of the 5 sources with complete data in the last 14 term days.',
    counts: Object.fromEntries(SOURCES.map((s) => [s, { d7: 0, d14: 1, d21: 3 }])) as DigestRow['counts'],
    cohortMedian: Object.fromEntries(SOURCES.map((s) => [s, { d7: 5, d14: 11, d21: 16 }])),
    daysSinceLastActivity: n,
    dataUpTo: '2026-11-26',
    checkedAt: '2026-11-27T09:00:00.000Z',
    history: n % 2 === 0 ? ['Dr Other Tutor said they will get in touch, 27 Nov 2026 at 10:04.'] : [],
    ownerName: n % 2 === 0 ? 'Dr Other Tutor' : null,
    checkin: null,
    link: `https://teams.microsoft.com/l/entity/app/check-ins?context=S${n}`,
    outcome: null,
    snoozedUntil: null,
    readerIsOwner: false,
    ...overrides,
  };
}

describe('cards', () => {
  it('when a tutor has 45 flagged tutees, then the digest shows 10 with a link to the rest, passes the 1.5 schema and stays under 80 KB', () => {
    const rows = Array.from({ length: 45 }, (_, i) => row(i + 1));
    const card = buildDigestCard({
      recipientName: 'Dr Ada Tutor',
      rows,
      listUrl: 'https://engagement.example.ac.uk/',
      isDemo: false,
      refreshUserIds: ['aad-1'],
    });
    const json = JSON.stringify(card);
    expect(Buffer.byteLength(json)).toBeLessThan(80 * 1024);
    expect(schemaProblems(card)).toEqual([]);
    expect(json.match(/"verb":"case.acknowledge"/g)).toHaveLength(10);
    expect(json).toContain('And 35 more in the full list.');
    expect(json).toContain('Open the full list (45)');
  });

  it('when a row has cohort medians, others on the case and fresh figures, then the card shows each in words', () => {
    const json = JSON.stringify(buildDigestCard({ recipientName: 'Dr Ada Tutor', rows: [row(2)], listUrl: 'https://x/', isDemo: false }));
    expect(json).toContain('0 / 1 / 3 (cohort median 5 / 11 / 16)');
    expect(json).toContain('Dr Other Tutor said they will get in touch, 27 Nov 2026 at 10:04.');
    expect(json).toContain('Dr Other Tutor is getting in touch.');
    expect(json).toContain('Show the rule’s figures');
    expect(json).toContain('Figures up to 26 Nov 2026, checked 27 Nov 2026.');
    expect(json).toContain('Last activity 2 days ago');
  });

  const buttons = (r: DigestRow) => {
    const card = buildDigestCard({ recipientName: 'x', rows: [r], listUrl: 'https://x/', isDemo: false });
    expect(schemaProblems(card)).toEqual([]);
    const json = JSON.stringify(card);
    return { json };
  };

  it.each([
    ['a new case', {}, 'Please get in touch soon', ['I’ll get in touch', 'Record outcome', 'Snooze', 'Send check-in']],
    [
      'a case the reader took on',
      { status: 'acknowledged', ownerName: 'you', readerIsOwner: true },
      'Being followed up',
      ['Record outcome', 'Snooze', 'Send check-in'],
    ],
    [
      'a case with a check-in on its way',
      { status: 'acknowledged', ownerName: 'you', readerIsOwner: true, checkin: 'queued' },
      'Being followed up',
      ['Record outcome', 'Snooze'],
    ],
    [
      'a case whose check-in waits for the student’s Teams',
      { status: 'acknowledged', ownerName: 'Dr Bea', checkin: 'waiting_for_teams' },
      'Being followed up',
      ['Record outcome', 'Snooze'],
    ],
    [
      'a case whose check-in failed',
      { status: 'acknowledged', ownerName: 'Dr Bea', checkin: 'failed' },
      'Being followed up',
      ['Record outcome', 'Snooze', 'Try the check-in again'],
    ],
    [
      'a snoozed case',
      { status: 'snoozed', snoozedUntil: '2026-12-08T10:00:00.000Z' },
      'Snoozed',
      ['Wake it: I’ll get in touch', 'Record outcome'],
    ],
    ['a closed case', { status: 'closed', outcome: 'contacted_fine' }, 'Closed', []],
  ] as Array<[string, Partial<DigestRow>, string, string[]]>)(
    'when the row is %s, then its headline and buttons fit the state',
    (_, overrides, headline, titles) => {
      const r = row(3, overrides);
      const shown = buttons(r);
      expect(shown.json).toContain(`"text":"${headline}"`);
      if (headline !== 'Please get in touch soon') expect(shown.json).not.toContain('Please get in touch soon');
      const top = (JSON.parse(shown.json).body as Array<{ items?: Array<{ type: string; actions?: Array<{ title: string }> }> }>)
        .flatMap((b) => b.items ?? [])
        .filter((i) => i.type === 'ActionSet')
        .flatMap((i) => i.actions ?? [])
        .map((a) => a.title)
        .filter((t) => t !== 'Open in the tab' && t !== 'Show the rule’s figures');
      expect(top).toEqual(titles);
    },
  );

  it('when a check-in is waiting, delivered or failed, then the card says exactly that', () => {
    expect(buttons(row(1, { status: 'acknowledged', checkin: 'waiting_for_teams' })).json).toContain(
      'Check-in waiting for the student’s Teams',
    );
    expect(buttons(row(1, { status: 'acknowledged', checkin: 'queued' })).json).toContain('Check-in queued');
    expect(buttons(row(1, { status: 'acknowledged', checkin: 'delivered' })).json).toContain('Check-in delivered to the student');
    expect(buttons(row(1, { status: 'acknowledged', checkin: 'failed' })).json).toContain('Check-in could not be delivered');
  });

  it('when a row is built, then "Open in the tab" carries the row’s own link', () => {
    const json = buttons(row(4)).json;
    expect(json).toContain('"title":"Open in the tab","url":"https://teams.microsoft.com/l/entity/app/check-ins?context=S4"');
  });

  it('when a source has no data, then the row says so instead of showing zero', () => {
    const unknown = row(1, { counts: { ...row(1).counts, panopto_view: { d7: null, d14: null, d21: null } } });
    const json = JSON.stringify(buildDigestCard({ recipientName: 'x', rows: [unknown], listUrl: 'https://x/', isDemo: false }));
    expect(json).toContain('"title":"Lecture viewings","value":"no data for this period"');
  });

  it('when a case is closed, then its row shows the outcome and no buttons', () => {
    const json = JSON.stringify(
      buildDigestCard({
        recipientName: 'x',
        rows: [row(1, { status: 'closed', outcome: 'contacted_fine' })],
        listUrl: 'https://x/',
        isDemo: false,
      }),
    );
    expect(json).toContain('Closed: Contacted and fine.');
    expect(json).not.toContain('case.acknowledge');
  });

  it('when the check-in, help, urgent, support and notice cards are built, then each passes the 1.5 schema and the check-in never mentions figures', () => {
    const checkin = buildCheckinCard({ studentGivenName: 'Sam', tutorName: 'Dr Ada Tutor', caseId: 'c1' });
    const cards = [
      checkin,
      buildHelpCard({ isStaff: false, supportContacts: [{ name: 'Wellbeing', detail: '01234' }] }),
      buildUrgentSupportCard([{ name: 'Samaritans', detail: '116 123' }]),
      buildUrgentSupportCard([{ name: 'Samaritans', detail: '116 123' }], { told: 'nobody' }),
      buildSupportCard({
        contacts: [{ name: 'Wellbeing', detail: '01234' }],
        urgentContacts: [{ name: 'Samaritans', detail: '116 123' }],
        told: 'tutor',
      }),
      buildNoticeCard({ title: 't', lines: ['l'], urgent: true, listUrl: 'https://x/' }),
    ];
    for (const card of cards) expect(schemaProblems(card)).toEqual([]);
    const words = JSON.stringify(checkin).toLowerCase();
    for (const banned of ['engagement', 'monitor', 'login', 'moodle', 'panopto', 'flag', 'attendance']) expect(words).not.toContain(banned);
    expect(JSON.stringify(checkin)).toContain('I’d like to talk to someone');
  });

  it('when a student is shown any card, then its words are plain: no app jargon, and never "your personal tutor" for someone who is not', () => {
    const shown = (node: unknown): string[] =>
      Array.isArray(node)
        ? node.flatMap(shown)
        : node && typeof node === 'object'
          ? Object.entries(node).flatMap(([key, value]) =>
              ['text', 'title', 'value', 'label'].includes(key) && typeof value === 'string' ? [value] : shown(value),
            )
          : [];
    const contacts = [{ name: 'Wellbeing', detail: '01234' }];
    const urgent = [{ name: 'Samaritans', detail: '116 123' }];
    const studentCards = [
      buildHelpCard({ isStaff: false, supportContacts: contacts, urgentContacts: urgent }),
      buildHelpCard({ isStaff: false, supportContacts: contacts, urgentContacts: urgent, hasTutor: false }),
      buildCheckinCard({ studentGivenName: 'Sam', tutorName: 'Dr Ada Tutor', caseId: 'c1' }),
      buildCheckinCard({
        studentGivenName: 'Sam',
        tutorName: null,
        isTutor: false,
        caseId: 'c1',
        answered: { choice: 'fine', message: null },
      }),
      buildUrgentSupportCard(urgent),
      ...(['tutor_and_wellbeing', 'tutor', 'staff', 'nobody'] as const).map((told) => buildUrgentSupportCard(urgent, { told, late: true })),
      ...(['tutor', 'staff', 'nobody'] as const).flatMap((told) => [
        buildSupportCard({ contacts, urgentContacts: urgent, told }),
        buildSupportCard({ contacts, urgentContacts: urgent, told, outOfHours: true, late: true }),
      ]),
    ];
    for (const c of studentCards) {
      const words = shown(c.body).join(' ').toLowerCase();
      for (const jargon of [
        'engagement',
        'monitor',
        'flag',
        'case',
        'score',
        'alert',
        'tier',
        'risk',
        'classif',
        'escalat',
        'logged',
        'error',
      ])
        expect([jargon, words.includes(jargon)]).toEqual([jargon, false]);
    }
    const officer = buildCheckinCard({ studentGivenName: 'Sam', tutorName: 'Ola Officer', isTutor: false, caseId: 'c1' });
    expect(shown(officer.body).join(' ')).toContain('Ola Officer, who supports students in your department, wanted to check in');
    expect(JSON.stringify(officer)).not.toContain('personal tutor');
    const unnamed = buildCheckinCard({ studentGivenName: 'Sam', tutorName: null, caseId: 'c1' });
    expect(shown(unnamed.body).join(' ')).toContain('Your personal tutor wanted to check in');
    expect(shown(unnamed.body).join(' ')).not.toContain('Your personal tutor, your personal tutor');
  });

  it('when a card carries an unknown element, then the schema check reports it', () => {
    const broken = { ...buildHelpCard({ isStaff: true }), body: [{ type: 'Table.Of.Doom' }] } as AdaptiveCard;
    expect(schemaProblems(broken).join(' ')).toContain('Unknown element type');
  });
});

describe('card verbs', () => {
  const invoke = (verb: string, data: Record<string, unknown>) => ({ action: { type: 'Action.Execute', verb, data }, trigger: 'manual' });

  it('when an outcome is submitted from a digest, then the per-case input names are folded into a validated action', () => {
    expect(
      parseCardAction(invoke('case.outcome', { caseId: 'c1', 'outcome-c1': 'referred_wellbeing', 'note-c1': ' Booked in. ' })),
    ).toEqual({
      kind: 'case',
      caseId: 'c1',
      action: { action: 'record_outcome', outcome: 'referred_wellbeing', note: 'Booked in.' },
    });
  });

  it('when snooze days arrive as text from an input, then they are read as a number within bounds', () => {
    expect(parseCardAction(invoke('case.snooze', { caseId: 'c1', 'days-c1': '7' }))).toEqual({
      kind: 'case',
      caseId: 'c1',
      action: { action: 'snooze', days: 7 },
    });
    expect(() => parseCardAction(invoke('case.snooze', { caseId: 'c1', 'days-c1': '90' }))).toThrow('snooze for at most 28 days');
  });

  it('when a verb is unknown or an outcome is invented, then it is refused with a 400', () => {
    for (const bad of [
      invoke('case.delete', { caseId: 'c1' }),
      invoke('case.outcome', { caseId: 'c1', 'outcome-c1': 'expelled' }),
      { action: { type: 'Action.Submit' } },
    ]) {
      const error = (() => {
        try {
          parseCardAction(bad);
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).status).toBe(400);
    }
  });
});
