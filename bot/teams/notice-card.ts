import { escapeMarkdown } from '../../shared/markdown';
import { card, text, type AdaptiveCard } from './card-parts';

/**
 * A short note to staff in their chat: a student's reply, an urgent message, an escalation, a referral to
 * acknowledge. Its title and lines carry a student's name and own words, so all of it is shown as plain text.
 */
export function buildNoticeCard(opts: {
  title: string;
  lines: readonly string[];
  urgent: boolean;
  listUrl: string;
  /** A referral the reader's team acknowledges from the card; `acknowledged` replaces the button once done. */
  acknowledge?: { caseId: string; acknowledged?: string };
}): AdaptiveCard {
  const ack = opts.acknowledge;
  return card(
    [
      text(escapeMarkdown(opts.title), {
        weight: 'Bolder',
        size: 'Medium',
        style: 'heading',
        ...(opts.urgent ? { color: 'Attention' } : {}),
      }),
      ...opts.lines.map((line) => text(escapeMarkdown(line))),
      ...(ack?.acknowledged ? [text(ack.acknowledged, { weight: 'Bolder', color: 'Good' })] : []),
    ],
    {
      actions: [
        ...(ack && !ack.acknowledged
          ? [
              {
                type: 'Action.Execute',
                title: 'Acknowledge: we have it',
                verb: 'referral.acknowledge',
                data: { caseId: ack.caseId },
                style: 'positive',
              },
            ]
          : []),
        { type: 'Action.OpenUrl', title: 'Open Engagement Monitor', url: opts.listUrl },
      ],
    },
  );
}
