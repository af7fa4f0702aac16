import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
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
import { tabLink } from '../../shared/links';
import { launchBrowser } from '../support/browser';

const OUT = join(__dirname, '..', '..', 'build', 'screenshots');
const SCRIPT = require.resolve('adaptivecards/dist/adaptivecards.min.js');
const STYLES = require.resolve('adaptivecards/dist/adaptivecards.css');
const links = { teamsAppId: '6f1c2a4e-1111-4222-8333-944455556666', publicUrl: 'https://engagement.example.ac.uk' };

function row(overrides: Partial<DigestRow> = {}): DigestRow {
  return {
    caseId: '01890000-0000-7000-8000-000000000001',
    studentId: 'S1001',
    studentName: 'Noor Quiet',
    programme: 'BSc Physics',
    year: 2,
    severity: 'high',
    status: 'open',
    reason: 'No activity on any source for 3 weeks of term, since 3 November.',
    ruleFigures: 'No activity recorded on any of the 5 sources with complete data in the last 14 term days.',
    counts: Object.fromEntries(SOURCES.map((s) => [s, { d7: 0, d14: 0, d21: 0 }])) as DigestRow['counts'],
    cohortMedian: Object.fromEntries(SOURCES.map((s) => [s, { d7: 5, d14: 11, d21: 16 }])),
    daysSinceLastActivity: 24,
    dataUpTo: '2026-11-26',
    checkedAt: '2026-11-27T09:00:00.000Z',
    history: [],
    ownerName: null,
    outcome: null,
    snoozedUntil: null,
    readerIsOwner: false,
    checkin: null,
    link: tabLink(links, 'S1001'),
    ...overrides,
  };
}

const mine = { status: 'acknowledged', ownerName: 'you', readerIsOwner: true } as const;
const ack = 'You said you will get in touch, 27 Nov 2026 at 09:12.';
const digest = (rows: DigestRow[], intro?: string): AdaptiveCard =>
  buildDigestCard({ recipientName: 'Dr Ada Tutor', rows, listUrl: tabLink(links), isDemo: false, ...(intro ? { intro } : {}) });

/** Every card the bot sends, in every state a tutor or student can see it in, with a word each must show. */
const CARDS: Array<[name: string, card: AdaptiveCard, mustShow: string]> = [
  ['digest-new', digest([row(), row({ caseId: 'c2', studentName: 'Sam Rivers', severity: 'medium' })]), 'Please get in touch soon'],
  ['digest-acknowledged', digest([row({ ...mine, history: [ack] })]), 'Being followed up'],
  [
    'digest-colleague-on-case',
    digest([
      row({
        status: 'acknowledged',
        ownerName: 'Prof Bea Director',
        history: ['Prof Bea Director said they will get in touch, 27 Nov 2026 at 09:12.'],
      }),
    ]),
    'Prof Bea Director is getting in touch.',
  ],
  ['digest-checkin-queued', digest([row({ ...mine, checkin: 'queued', history: [ack] })]), 'Check-in queued'],
  ['digest-checkin-waiting', digest([row({ ...mine, checkin: 'waiting_for_teams', history: [ack] })]), 'waiting for the student’s Teams'],
  ['digest-checkin-delivered', digest([row({ ...mine, checkin: 'delivered', history: [ack] })]), 'Check-in delivered to the student'],
  ['digest-checkin-failed', digest([row({ ...mine, checkin: 'failed', history: [ack] })]), 'Check-in could not be delivered'],
  [
    'digest-snoozed',
    digest([
      row({
        status: 'snoozed',
        snoozedUntil: '2026-12-04T09:00:00.000Z',
        history: ['You snoozed it until 4 Dec 2026, 27 Nov 2026 at 09:12.'],
      }),
    ]),
    'Snoozed until 4 Dec 2026',
  ],
  [
    'digest-closed',
    digest([row({ status: 'closed', outcome: 'contacted_fine', history: ['You recorded “Contacted and fine”, 27 Nov 2026 at 09:12.'] })]),
    'Closed: Contacted and fine.',
  ],
  [
    'escalation',
    digest(
      [row()],
      'Hello Prof Bea Director. This student was flagged more than 3 working days ago and nobody has said they will get in touch yet. Could you make sure someone does?',
    ),
    'Could you make sure someone does?',
  ],
  ['checkin', buildCheckinCard({ studentGivenName: 'Noor', tutorName: 'Dr Ada Tutor', caseId: 'c1' }), 'How are things?'],
  [
    'checkin-answered',
    buildCheckinCard({
      studentGivenName: 'Noor',
      tutorName: 'Dr Ada Tutor',
      caseId: 'c1',
      answered: { choice: 'talk', message: 'Struggling with deadlines.' },
    }),
    'You replied: I’d like to talk to someone',
  ],
  ['help-staff', buildHelpCard({ isStaff: true }), 'my students'],
  [
    'help-student',
    buildHelpCard({
      isStaff: false,
      supportContacts: [{ name: 'Wellbeing Service', detail: '01234 567890' }],
      urgentContacts: [{ name: 'Samaritans', detail: '116 123 (free, any time)' }],
    }),
    'Where to find support',
  ],
  [
    'urgent-support',
    buildUrgentSupportCard([{ name: 'Samaritans', detail: '116 123 (free, any time)' }]),
    'You do not have to deal with this alone',
  ],
  [
    'urgent-support-nobody-told',
    buildUrgentSupportCard([{ name: 'Samaritans', detail: '116 123 (free, any time)' }], { told: 'nobody' }),
    'Please reach out to one of them now.',
  ],
  [
    'support-distress',
    buildSupportCard({
      contacts: [{ name: 'Wellbeing Service', detail: '01234 567890' }],
      urgentContacts: [{ name: 'Samaritans', detail: '116 123 (free, any time)' }],
      told: 'tutor',
    }),
    'It sounds like things are hard at the moment.',
  ],
  [
    'urgent-staff-notice',
    buildNoticeCard({
      title: 'Urgent: Noor Quiet may need help now',
      lines: [
        'Their message: “honestly i dont want to be here anymore”',
        'Their words suggest they may be in danger. Emergency and out-of-hours support contacts are being sent to them in their Teams chat with the app. Please reach out to them as soon as you can.',
        'The Engagement Monitor tab shows whether the contacts have reached them, and keeps this pinned at the top until someone records what they have done.',
      ],
      urgent: true,
      listUrl: tabLink(links, 'S1001'),
    }),
    'may need help now',
  ],
  [
    'distress-staff-notice',
    buildNoticeCard({
      title: 'Noor Quiet may be struggling',
      lines: [
        'Their message: “i feel so overwhelmed, i am not coping”',
        'Their words suggest they are having a hard time. The app answers messages like this with support contacts in its Teams chat with them. Please get in touch with them soon.',
      ],
      urgent: false,
      listUrl: tabLink(links, 'S1001'),
    }),
    'may be struggling',
  ],
  [
    'no-reply-reminder',
    buildNoticeCard({
      title: 'Still no reply from Noor Quiet',
      lines: [
        'You recorded “Contacted, no reply yet” 5 working days ago. Could you try once more, perhaps another way (phone, or a colleague who teaches them)?',
        'If you are worried about their safety, consider the missing-student procedure or a referral to the Wellbeing Service.',
      ],
      urgent: false,
      listUrl: tabLink(links, 'S1001'),
    }),
    'Still no reply from Noor Quiet',
  ],
  [
    'notice',
    buildNoticeCard({
      title: 'Noor Quiet replied to your check-in',
      lines: ['I’d like to talk to someone'],
      urgent: false,
      listUrl: tabLink(links, 'S1001'),
    }),
    'replied to your check-in',
  ],
  [
    'referral-to-acknowledge',
    buildNoticeCard({
      title: 'Referral to the Wellbeing Service: Noor Quiet',
      lines: [
        'Dr Ada Tutor has referred Noor Quiet to the Wellbeing Service. The case stays open until someone from the wellbeing team acknowledges it.',
      ],
      urgent: false,
      listUrl: tabLink(links, 'S1001'),
      acknowledge: { caseId: 'c1' },
    }),
    'Acknowledge: we have it',
  ],
  [
    'referral-acknowledged',
    buildNoticeCard({
      title: 'Referral to the Wellbeing Service: Noor Quiet',
      lines: ['The wellbeing team has the referral for Noor Quiet; the case is closed.'],
      urgent: false,
      listUrl: tabLink(links, 'S1001'),
      acknowledge: { caseId: 'c1', acknowledged: 'Acknowledged by you, 27 Nov 2026 at 11:00.' },
    }),
    'Acknowledged by you',
  ],
  [
    'missing-student-alert',
    buildNoticeCard({
      title: 'Missing-student procedure started: Noor Quiet',
      lines: ['Dr Ada Tutor has started the missing-student procedure for Noor Quiet. Please take it from here now.'],
      urgent: true,
      listUrl: tabLink(links, 'S1001'),
    }),
    'Please take it from here now.',
  ],
];

describe('every card rendered by the official Adaptive Cards renderer in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it.each(CARDS)(
    'when the %s card is rendered, then it parses without complaint, shows its words and is saved as a screenshot',
    async (name, card, mustShow) => {
      const page = await browser.newPage({ viewport: { width: 560, height: 400 } });
      try {
        await page.setContent(
          '<!doctype html><html><body style="margin:0;background:#f5f5f5;font-family:Segoe UI,sans-serif"><div id="card" style="width:540px;padding:10px"></div></body></html>',
        );
        await page.addStyleTag({ path: STYLES });
        await page.addScriptTag({ path: SCRIPT });
        const result = await page.evaluate(
          (json) => {
            // Runs in the page: the renderer's global and the document, typed just enough.
            const page = globalThis as unknown as {
              AdaptiveCards: typeof import('adaptivecards');
              document: { getElementById(id: string): { appendChild(node: unknown): void } | null };
            };
            const AC = page.AdaptiveCards;
            const ac = new AC.AdaptiveCard();
            const context = new AC.SerializationContext(AC.Versions.v1_5);
            ac.parse(json, context);
            const problems: string[] = [];
            for (let i = 0; i < context.eventCount; i++) problems.push(context.getEventAt(i)?.message ?? 'unknown');
            const element = ac.render();
            if (element) page.document.getElementById('card')?.appendChild(element);
            return { problems, text: element?.innerText ?? '' };
          },
          card as unknown as object,
        );
        expect(result.problems).toEqual([]);
        expect(result.text).toContain(mustShow);
        const file = join(OUT, `${name}.png`);
        await page.locator('#card').screenshot({ path: file });
        expect(statSync(file).size).toBeGreaterThan(2_000);
      } finally {
        await page.close();
      }
    },
  );
});
