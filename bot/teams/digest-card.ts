import { SOURCES, SOURCE_LABELS, type Severity, type CaseStatus } from '../../shared/domain';
import type { WindowCounts } from '../../shared/rules/types';
import { OUTCOMES, OUTCOME_LABELS, MAX_SNOOZE_DAYS } from '../../shared/api/case-actions';
import { CHECKIN_DELIVERY_LABELS, availableCardActions, caseHeadline, type CardAction, type CheckinDelivery } from '../../shared/cases';
import { escapeMarkdown } from '../../shared/markdown';
import { card, formatDay, formatMoment, text, type AdaptiveCard } from './card-parts';

export const DIGEST_LIMIT = 10;

/** One student's row on a digest card: counts only, never what a student opened or watched. */
export interface DigestRow {
  caseId: string;
  studentId: string;
  studentName: string;
  programme: string;
  year: number;
  severity: Severity;
  status: CaseStatus;
  /** Why, in plain words a tutor reads in a second. */
  reason: string;
  /** The rules' own sentences with their figures, one click away; null when they say nothing more. */
  ruleFigures: string | null;
  counts: WindowCounts;
  /** The cohort's median per source and window, when the case explanation carries it. */
  cohortMedian: Partial<WindowCounts> | null;
  daysSinceLastActivity: number | null;
  /** The last day the figures cover, and when they were last worked out. */
  dataUpTo: string | null;
  checkedAt: string;
  /** What staff did on the case, latest first: "Dr Ada Tutor said they will get in touch, 1 Dec at 10:04." */
  history: string[];
  /** Who is following up ("you" for the reader), or null while nobody has said they will. */
  ownerName: string | null;
  outcome: string | null;
  snoozedUntil: string | null;
  /** The reader is the one following up. */
  readerIsOwner: boolean;
  /** Where the latest check-in stands, or null when none was asked for. */
  checkin: CheckinDelivery | null;
  /** Opens this student in the app's tab. */
  link: string;
}

const TONE_COLORS = { attention: 'Attention', warning: 'Warning', good: 'Good', default: 'Default' } as const;

function lastActivity(days: number | null): string {
  if (days === null) return 'No activity in the data we hold';
  if (days === 0) return 'Last activity today';
  if (days === 1) return 'Last activity yesterday';
  return `Last activity ${days} days ago`;
}

const windowText = (w: { d7: number | null; d14: number | null; d21: number | null } | undefined) =>
  w ? [w.d7, w.d14, w.d21].map((n) => (n === null || n === undefined ? '?' : String(n))).join(' / ') : '? / ? / ?';

/** Counts per source for 7 / 14 / 21 term days, beside the cohort median where known. */
function countsFacts(row: DigestRow): unknown {
  return {
    type: 'FactSet',
    spacing: 'Small',
    facts: SOURCES.map((source) => {
      const own = row.counts[source];
      const known = own && (own.d7 !== null || own.d14 !== null || own.d21 !== null);
      const median = row.cohortMedian?.[source];
      return {
        title: SOURCE_LABELS[source],
        value: known ? `${windowText(own)}${median ? ` (cohort median ${windowText(median)})` : ''}` : 'no data for this period',
      };
    }),
  };
}

/** Where the case stands, in one sentence; null while nobody has acted. */
function statusLine(row: DigestRow): string | null {
  const outcome = row.outcome ? (OUTCOME_LABELS[row.outcome as keyof typeof OUTCOME_LABELS] ?? row.outcome) : null;
  if (row.status === 'closed') return `Closed: ${outcome ?? 'no outcome recorded'}.`;
  if (row.status === 'snoozed' && row.snoozedUntil)
    return `Snoozed until ${formatMoment(row.snoozedUntil, 'day')}: it comes back to the list then.`;
  if (row.readerIsOwner && !row.outcome) return 'Over to you: record the outcome here once you have been in touch.';
  if (outcome) return `Latest outcome: ${outcome}.`;
  if (row.ownerName) return `${escapeMarkdown(row.ownerName)} is getting in touch.`;
  return null;
}

function outcomeCard(row: DigestRow, data: { caseId: string }): AdaptiveCard {
  return card(
    [
      {
        type: 'Input.ChoiceSet',
        id: `outcome-${row.caseId}`,
        label: 'What happened?',
        isRequired: true,
        errorMessage: 'Choose an outcome.',
        style: 'expanded',
        choices: OUTCOMES.map((o) => ({ title: OUTCOME_LABELS[o], value: o })),
      },
      { type: 'Input.Text', id: `note-${row.caseId}`, label: 'Note for colleagues (optional)', isMultiline: true, maxLength: 2000 },
    ],
    { actions: [{ type: 'Action.Execute', title: 'Save outcome', verb: 'case.outcome', data, associatedInputs: 'auto' }] },
  );
}

function snoozeCard(row: DigestRow, data: { caseId: string }): AdaptiveCard {
  return card(
    [
      {
        type: 'Input.Number',
        id: `days-${row.caseId}`,
        label: `Snooze for how many days? (1 to ${MAX_SNOOZE_DAYS})`,
        min: 1,
        max: MAX_SNOOZE_DAYS,
        value: 7,
        isRequired: true,
        errorMessage: `Enter 1 to ${MAX_SNOOZE_DAYS} days.`,
      },
    ],
    { actions: [{ type: 'Action.Execute', title: 'Snooze', verb: 'case.snooze', data, associatedInputs: 'auto' }] },
  );
}

/** Only the buttons that still make sense for the case as it stands. */
function rowActions(row: DigestRow): unknown[] {
  const data = { caseId: row.caseId };
  const offered = availableCardActions({ status: row.status, hasOwner: row.ownerName !== null, checkin: row.checkin });
  const buttons: Record<CardAction, unknown> = {
    acknowledge: {
      type: 'Action.Execute',
      title: row.status === 'snoozed' ? 'Wake it: I’ll get in touch' : 'I’ll get in touch',
      verb: 'case.acknowledge',
      data,
      style: 'positive',
    },
    record_outcome: { type: 'Action.ShowCard', title: 'Record outcome', card: outcomeCard(row, data) },
    snooze: { type: 'Action.ShowCard', title: 'Snooze', card: snoozeCard(row, data) },
    send_checkin: {
      type: 'Action.Execute',
      title: row.checkin === 'failed' ? 'Try the check-in again' : 'Send check-in',
      verb: 'case.checkin',
      data,
    },
  };
  const actions = [...offered.map((a) => buttons[a]), { type: 'Action.OpenUrl', title: 'Open in the tab', url: row.link }];
  return [{ type: 'ActionSet', spacing: 'Small', actions }];
}

/** The rule's own figures, hidden until asked for. */
function figuresToggle(row: DigestRow): unknown[] {
  if (!row.ruleFigures) return [];
  const id = `figures-${row.caseId}`;
  return [
    {
      type: 'ActionSet',
      spacing: 'None',
      actions: [{ type: 'Action.ToggleVisibility', title: 'Show the rule’s figures', targetElements: [id] }],
    },
    {
      type: 'Container',
      id,
      isVisible: false,
      items: [
        text(row.ruleFigures, { size: 'Small' }),
        text(`${lastActivity(row.daysSinceLastActivity)}. Occurrences in the last 7 / 14 / 21 term days:`, {
          isSubtle: true,
          size: 'Small',
        }),
        countsFacts(row),
      ],
    },
  ];
}

function digestRow(row: DigestRow): unknown {
  const status = statusLine(row);
  const headline = caseHeadline(row.status, row.severity);
  return {
    type: 'Container',
    separator: true,
    spacing: 'Medium',
    items: [
      {
        type: 'ColumnSet',
        columns: [
          {
            type: 'Column',
            width: 'stretch',
            items: [
              text(escapeMarkdown(row.studentName), { weight: 'Bolder' }),
              text(`${escapeMarkdown(row.programme)}, year ${row.year}`, { isSubtle: true, spacing: 'None' }),
            ],
          },
          {
            type: 'Column',
            width: 'auto',
            items: [text(headline.label, { color: TONE_COLORS[headline.tone], weight: 'Bolder' })],
          },
        ],
      },
      text(row.reason),
      ...(row.ruleFigures
        ? figuresToggle(row)
        : [
            text(`${lastActivity(row.daysSinceLastActivity)}. Occurrences in the last 7 / 14 / 21 term days:`, {
              isSubtle: true,
              size: 'Small',
            }),
            countsFacts(row),
          ]),
      text(`Figures up to ${row.dataUpTo ? formatDay(row.dataUpTo) : 'an unknown day'}, checked ${formatDay(row.checkedAt)}.`, {
        isSubtle: true,
        size: 'Small',
        spacing: 'Small',
      }),
      ...(status ? [text(status, { size: 'Small', weight: 'Bolder' })] : []),
      ...(row.checkin
        ? [
            text(`${CHECKIN_DELIVERY_LABELS[row.checkin]}.`, {
              size: 'Small',
              color: row.checkin === 'failed' ? 'Attention' : row.checkin === 'delivered' ? 'Good' : 'Default',
            }),
          ]
        : []),
      ...row.history.map((line) => text(escapeMarkdown(line), { size: 'Small', isSubtle: true, spacing: 'None' })),
      ...rowActions(row),
    ],
  };
}

function demoBanner(isDemo: boolean): unknown[] {
  return isDemo
    ? [text('DEMO DATA: these are synthetic students, not real people.', { color: 'Warning', weight: 'Bolder', size: 'Small' })]
    : [];
}

/**
 * One digest per tutor: the students most in need first, at most ten, with a link to the full list.
 * Each row carries its actions, so acting on a student takes two clicks.
 */
export function buildDigestCard(opts: {
  recipientName: string;
  rows: readonly DigestRow[];
  listUrl: string;
  isDemo: boolean;
  /** Replaces the greeting, e.g. for an escalation. */
  intro?: string;
  /** Who sees this card: Teams refreshes it for them when they open the chat (max 60). */
  refreshUserIds?: readonly string[];
}): AdaptiveCard {
  const shown = opts.rows.slice(0, DIGEST_LIMIT);
  const more = opts.rows.length - shown.length;
  const open = opts.rows.filter((r) => r.status !== 'closed').length;
  const greeting =
    opts.intro ??
    `Hello ${escapeMarkdown(opts.recipientName)}. ${opts.rows.length === 1 ? 'One of your students has' : `${opts.rows.length} of your students have`} shown little or no engagement recently. A friendly message from you can make a real difference.`;
  return card(
    [
      ...demoBanner(opts.isDemo),
      text('Students who may need a check-in', { weight: 'Bolder', size: 'Medium', style: 'heading' }),
      text(greeting),
      ...(open === 0 && opts.rows.length > 0
        ? [text('Thank you: every student on this card has been followed up.', { color: 'Good' })]
        : []),
      ...shown.map(digestRow),
      ...(more > 0 ? [text(`And ${more} more in the full list.`, { separator: true })] : []),
    ],
    {
      msteams: { width: 'Full' },
      fallbackText: `${opts.rows.length === 1 ? 'One student' : `${opts.rows.length} students`} may need a check-in. Open Engagement Monitor to see them.`,
      actions: [
        { type: 'Action.OpenUrl', title: more > 0 ? `Open the full list (${opts.rows.length})` : 'Open the full list', url: opts.listUrl },
      ],
      ...(opts.refreshUserIds && opts.refreshUserIds.length > 0
        ? { refresh: { action: { type: 'Action.Execute', verb: 'card.refresh', data: {} }, userIds: opts.refreshUserIds.slice(0, 60) } }
        : {}),
    },
  );
}
