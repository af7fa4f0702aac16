/** Cards use schema 1.5, the newest Teams renders. Plain objects keep them easy to test and diff. */
export type AdaptiveCard = {
  type: 'AdaptiveCard';
  version: '1.5';
  $schema: string;
  body: unknown[];
  actions?: unknown[];
  msteams?: unknown;
  refresh?: unknown;
  fallbackText?: string;
};

const SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';

/** A TextBlock that wraps, as every line on our cards does. */
export const text = (value: string, extra: Record<string, unknown> = {}) => ({ type: 'TextBlock', text: value, wrap: true, ...extra });

/** A card of the schema version above around `body`. */
export function card(body: unknown[], extra: Partial<AdaptiveCard> = {}): AdaptiveCard {
  return { type: 'AdaptiveCard', version: '1.5', $schema: SCHEMA, body, ...extra };
}

/** `2026-11-26` or an instant -> "26 Nov 2026"; UTC so a day never shifts. */
const DAY_FORMAT = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

export function formatDay(value: string): string {
  const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(ms)) return value;
  return DAY_FORMAT.format(ms);
}

const MOMENT_FORMATS = new Map<string, Intl.DateTimeFormat>();

/** An instant as staff read it in their own time zone: "1 Dec 2026 at 10:04", or the day alone. */
export function formatMoment(value: string, style: 'moment' | 'day', timeZone = 'Europe/London'): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return value;
  const key = `${style}|${timeZone}`;
  let format = MOMENT_FORMATS.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      ...(style === 'moment' ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' as const } : {}),
      timeZone,
    });
    MOMENT_FORMATS.set(key, format);
  }
  return format.format(ms).replace(', ', ' at ');
}
