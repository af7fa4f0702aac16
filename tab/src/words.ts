import type { Severity } from '../../shared/domain';
import { CASE_STATUS_LABELS, SEVERITY_LABELS } from '../../shared/cases';

/** The words come from the one vocabulary in shared/cases.ts; only the badge colours are the tab's own. */
export const SEVERITY_BADGE: Record<Severity, { label: string; color: 'danger' | 'warning' | 'informative' }> = {
  high: { label: SEVERITY_LABELS.high, color: 'danger' },
  medium: { label: SEVERITY_LABELS.medium, color: 'warning' },
  low: { label: SEVERITY_LABELS.low, color: 'informative' },
};

export const CASE_STATUS_WORDS = CASE_STATUS_LABELS;

export function lastActivity(days: number | null): string {
  return days === null ? 'None on record' : days === 0 ? 'Today' : days === 1 ? 'Yesterday' : `${days} days ago`;
}

const dateFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric' });
const dateTimeFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });

export const formatDay = (day: string): string => dateFormat.format(new Date(`${day}T12:00:00Z`));
export const formatInstant = (iso: string): string => dateTimeFormat.format(new Date(iso));

/** "today", "yesterday", "3 days ago" for an ISO instant. */
export function relativeDay(iso: string, now = new Date()): string {
  const days = Math.floor((now.getTime() - new Date(iso).getTime()) / 86_400_000);
  return days <= 0 ? 'today' : days === 1 ? 'yesterday' : `${days} days ago`;
}
