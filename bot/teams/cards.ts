import { SOURCES, SOURCE_LABELS } from '../../shared/domain';
import type { FlaggedStudent } from '../../shared/api/flags';

/** Cards use schema 1.5, the newest Teams renders. Plain objects keep them easy to test and diff. */
export type AdaptiveCard = { type: 'AdaptiveCard'; version: '1.5'; $schema: string; body: unknown[]; actions?: unknown[]; msteams?: unknown };

const SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';
export const DIGEST_LIMIT = 10;

const SEVERITY_WORDS: Record<FlaggedStudent['severity'], { label: string; color: string }> = {
  high: { label: 'Please get in touch soon', color: 'Attention' },
  medium: { label: 'Worth a check-in', color: 'Warning' },
  low: { label: 'Keep an eye on', color: 'Default' },
};

function countsLine(flag: FlaggedStudent): string {
  return SOURCES.map((s) => `${SOURCE_LABELS[s]}: ${flag.counts[s]?.d14 ?? 'no data'}`).join(' · ');
}

function lastActivity(days: number | null): string {
  if (days === null) return 'No activity in the data we hold';
  if (days === 1) return 'Last activity yesterday';
  return `Last activity ${days} days ago`;
}

function demoBanner(isDemo: boolean): unknown[] {
  return isDemo
    ? [{ type: 'TextBlock', text: 'DEMO DATA: these are synthetic students, not real people.', color: 'Warning', weight: 'Bolder', size: 'Small', wrap: true }]
    : [];
}

/**
 * One digest per tutor: the students most in need first, at most ten, with a link to the full list.
 * Counts only: nothing about what a student opened or watched.
 */
export function buildDigestCard(opts: { recipientName: string; flags: readonly FlaggedStudent[]; listUrl: string; isDemo: boolean }): AdaptiveCard {
  const shown = opts.flags.slice(0, DIGEST_LIMIT);
  const more = opts.flags.length - shown.length;
  return {
    type: 'AdaptiveCard',
    version: '1.5',
    $schema: SCHEMA,
    msteams: { width: 'Full' },
    body: [
      ...demoBanner(opts.isDemo),
      { type: 'TextBlock', text: 'Students who may need a check-in', weight: 'Bolder', size: 'Medium', wrap: true, style: 'heading' },
      {
        type: 'TextBlock',
        text: `Hello ${opts.recipientName}. ${opts.flags.length === 1 ? 'One of your students has' : `${opts.flags.length} of your students have`} shown little or no engagement recently. A friendly message from you can make a real difference.`,
        wrap: true,
      },
      ...shown.map((flag) => ({
        type: 'Container',
        separator: true,
        spacing: 'Medium',
        items: [
          {
            type: 'ColumnSet',
            columns: [
              { type: 'Column', width: 'stretch', items: [{ type: 'TextBlock', text: flag.studentName, weight: 'Bolder', wrap: true }, { type: 'TextBlock', text: `${flag.programme}, year ${flag.year}`, isSubtle: true, spacing: 'None', wrap: true }] },
              { type: 'Column', width: 'auto', items: [{ type: 'TextBlock', text: SEVERITY_WORDS[flag.severity].label, color: SEVERITY_WORDS[flag.severity].color, weight: 'Bolder', wrap: true }] },
            ],
          },
          { type: 'TextBlock', text: flag.reason, wrap: true },
          { type: 'TextBlock', text: `${lastActivity(flag.daysSinceLastActivity)}. Last 14 term days: ${countsLine(flag)}`, isSubtle: true, size: 'Small', wrap: true },
        ],
      })),
      ...(more > 0 ? [{ type: 'TextBlock', text: `And ${more} more in the list.`, wrap: true, separator: true }] : []),
    ],
    actions: [{ type: 'Action.OpenUrl', title: 'Open the full list', url: opts.listUrl }],
  };
}

/** What the bot says when it is not sure what was asked: the few things it can do. */
export function buildHelpCard(opts: { isStaff: boolean }): AdaptiveCard {
  const lines = opts.isStaff
    ? ['Type **my students** to see your students who may need a check-in.', 'Type **help** to see this again.', 'Alerts arrive here as one digest after each evaluation.']
    : ['You can message here at any time, and your personal tutor will see it.', 'Type **help** to see this again.'];
  return {
    type: 'AdaptiveCard',
    version: '1.5',
    $schema: SCHEMA,
    body: [{ type: 'TextBlock', text: 'Engagement Monitor', weight: 'Bolder', size: 'Medium', style: 'heading' }, ...lines.map((text) => ({ type: 'TextBlock', text, wrap: true }))],
  };
}
