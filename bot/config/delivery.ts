import { ENGLAND_AND_WALES_BANK_HOLIDAYS } from '../../shared/bank-holidays';
import { isQuiet, parseDayMinute, parseQuietHours, type DayMinute, type QuietHours } from '../../shared/send-schedule';
import type { Env } from './env';

/** When and how staff messages go out: escalation, the daily digest, quiet hours and the outbox's retries. */
export type AlertsConfig = {
  escalationWorkingDays: number;
  escalateEveryMinutes: number;
  sendConcurrency: number;
  /** Working days after "Contacted, no reply" before the case comes back to its owner. */
  noReplyWorkingDays: number;
  /** Days that are not working days besides weekends: bank holidays and closures (default: GOV.UK England and Wales). */
  closureDays: readonly string[];
  /** The local time (minutes after midnight) of the one digest per working day (DIGEST_TIME). */
  digestAt: DayMinute;
  /** Hours without routine staff messages (QUIET_HOURS); null when off. */
  quietHours: QuietHours | null;
  /** How long a delivery claim holds unrenewed, the first backoff step, and attempts before a dead letter. */
  leaseSeconds: number;
  backoffSeconds: number;
  maxAttempts: number;
};

export function parseAlerts(e: Env, problems: string[]): AlertsConfig {
  const digestAt = parseDayMinute(e.DIGEST_TIME) ?? 9 * 60;
  const quietHours = parseQuietHours(e.QUIET_HOURS) ?? null;
  if (isQuiet(digestAt, quietHours))
    problems.push(`DIGEST_TIME: ${e.DIGEST_TIME.trim()} falls inside QUIET_HOURS (${e.QUIET_HOURS.trim()}); choose a time outside them`);
  return Object.freeze({
    escalationWorkingDays: e.ESCALATION_WORKING_DAYS,
    noReplyWorkingDays: e.NO_REPLY_FOLLOWUP_WORKING_DAYS,
    closureDays: Object.freeze(
      e.CLOSURE_DAYS === undefined
        ? [...ENGLAND_AND_WALES_BANK_HOLIDAYS]
        : e.CLOSURE_DAYS.split(',')
            .map((d) => d.trim())
            .filter(Boolean),
    ),
    digestAt,
    quietHours,
    escalateEveryMinutes: e.ESCALATE_EVERY_MINUTES,
    sendConcurrency: e.SEND_CONCURRENCY,
    leaseSeconds: e.DELIVERY_LEASE_SECONDS,
    backoffSeconds: e.DELIVERY_BACKOFF_SECONDS,
    maxAttempts: e.DELIVERY_MAX_ATTEMPTS,
  });
}
