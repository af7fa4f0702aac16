import { createWellbeingClassifier, WELLBEING_TIERS, type WellbeingTier } from '../../shared/wellbeing/classify';
import { DISTRESS_MESSAGES } from './corpus/distress';
import { ORDINARY_MESSAGES } from './corpus/ordinary';
import { RISK_MESSAGES } from './corpus/risk';

export const CORPUS: Readonly<Record<WellbeingTier, readonly string[]>> = {
  risk: RISK_MESSAGES,
  distress: DISTRESS_MESSAGES,
  none: ORDINARY_MESSAGES,
};

export const TABLE_START = '<!-- confusion-table:start -->';
export const TABLE_END = '<!-- confusion-table:end -->';

/** Rows: the tier each corpus message was written for; columns: the tier the built-in lists give it. */
export function confusionTable(): string {
  const classify = createWellbeingClassifier();
  const order = [...WELLBEING_TIERS].reverse();
  const rows = order.map((expected) => {
    const counts = Object.fromEntries(order.map((t) => [t, 0])) as Record<WellbeingTier, number>;
    for (const message of CORPUS[expected]) counts[classify(message).tier]++;
    return `| ${expected} (${CORPUS[expected].length}) | ${order.map((t) => counts[t]).join(' | ')} |`;
  });
  return [
    TABLE_START,
    `| written as ↓ / classified as → | ${order.join(' | ')} |`,
    `| --- | ${order.map(() => '---:').join(' | ')} |`,
    ...rows,
    TABLE_END,
  ].join('\n');
}
