import { z } from 'zod';
import type { IsoDay } from './domain';

export interface Term {
  name: string;
  start: IsoDay;
  end: IsoDay;
  /** Inclusive day ranges inside the term that pause monitoring (reading weeks, short vacations). */
  excluded: ReadonlyArray<{ start: IsoDay; end: IsoDay; label: string }>;
}

const DAY_MS = 86_400_000;

/** Parses `YYYY-MM-DD` as a UTC midnight timestamp; calendar arithmetic never touches local time. */
export function dayToUtcMs(day: IsoDay): number {
  const ms = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new RangeError(`not a calendar day: ${day}`);
  return ms;
}

/** Formats a UTC timestamp as `YYYY-MM-DD`. */
export function utcMsToDay(ms: number): IsoDay {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Adds (or with a negative n, subtracts) whole days. */
export function addDays(day: IsoDay, n: number): IsoDay {
  return utcMsToDay(dayToUtcMs(day) + n * DAY_MS);
}

/** Whole days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: IsoDay, to: IsoDay): number {
  return Math.round((dayToUtcMs(to) - dayToUtcMs(from)) / DAY_MS);
}

/** True when the day falls inside a term and outside its excluded weeks. */
export function isTermDay(day: IsoDay, terms: readonly Term[]): boolean {
  return terms.some((t) => day >= t.start && day <= t.end && !t.excluded.some((x) => day >= x.start && day <= x.end));
}

/** A break between terms longer than this is the summer: a new academic year starts after it. */
export const SUMMER_BREAK_DAYS = 56;

/**
 * The first day of the academic year `today` falls in: the start of the latest term begun by today
 * that follows a break longer than SUMMER_BREAK_DAYS (or the earliest term). Null when no term has begun.
 */
export function academicYearStart(today: IsoDay, terms: readonly Term[]): IsoDay | null {
  const begun = terms.filter((t) => t.start <= today).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  let start: IsoDay | null = null;
  let lastEnd: IsoDay | null = null;
  for (const t of begun) {
    if (start === null || lastEnd === null || daysBetween(lastEnd, t.start) > SUMMER_BREAK_DAYS) start = t.start;
    if (lastEnd === null || t.end > lastEnd) lastEnd = t.end;
  }
  return start;
}

/**
 * The last `n` term days strictly before `today`, oldest first. Vacations pause the window, so the
 * result may reach back across a reading week or the Christmas break, but never across the summer
 * into the previous academic year; it holds fewer than `n` days early in the year.
 */
export function lastTermDays(today: IsoDay, n: number, terms: readonly Term[]): IsoDay[] {
  const days: IsoDay[] = [];
  const earliest = academicYearStart(today, terms);
  if (earliest === null) return days;
  for (let day = addDays(today, -1); days.length < n && day >= earliest; day = addDays(day, -1)) {
    if (isTermDay(day, terms)) days.push(day);
  }
  return days.reverse();
}

const DaySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a day as YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && utcMsToDay(Date.parse(`${d}T00:00:00Z`)) === d, 'not a real calendar day');

/** One term as a university writes it down: the days teaching runs, and the weeks that pause monitoring. */
export const TermSchema = z
  .object({
    name: z.string().trim().min(1, 'name the term, e.g. "Autumn 2026"'),
    start: DaySchema,
    end: DaySchema,
    excluded: z
      .array(z.object({ start: DaySchema, end: DaySchema, label: z.string().trim().min(1, 'label the pause, e.g. "Reading week"') }))
      .default([]),
  })
  .superRefine((t, ctx) => {
    if (t.end < t.start) ctx.addIssue({ code: 'custom', path: ['end'], message: `ends (${t.end}) before it starts (${t.start})` });
    t.excluded.forEach((x, i) => {
      if (x.end < x.start) ctx.addIssue({ code: 'custom', path: ['excluded', i, 'end'], message: `"${x.label}" ends before it starts` });
      if (x.start < t.start || x.end > t.end)
        ctx.addIssue({ code: 'custom', path: ['excluded', i], message: `"${x.label}" (${x.start} to ${x.end}) is not inside the term` });
    });
  });

/** The whole calendar: terms that do not overlap. */
export const TermsSchema = z.array(TermSchema).superRefine((terms, ctx) => {
  const sorted = [...terms].sort((a, b) => a.start.localeCompare(b.start));
  for (let i = 1; i < sorted.length; i++) {
    const [prev, next] = [sorted[i - 1]!, sorted[i]!];
    if (next.start <= prev.end) ctx.addIssue({ code: 'custom', path: [], message: `"${prev.name}" and "${next.name}" overlap` });
  }
});

/** Validates a calendar, naming every problem with where it is; returns the terms or the problems. */
export function parseTerms(raw: unknown): { ok: true; terms: Term[] } | { ok: false; problems: string[] } {
  const parsed = TermsSchema.safeParse(raw);
  if (parsed.success) return { ok: true, terms: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((i) => (i.path.length > 0 ? `term ${i.path.map(String).join('.')}: ${i.message}` : i.message)),
  };
}
