import type { Db } from '../store/database';
import { resolveIdentities } from '../store/identity.repository';
import type { AttendanceRecord, AttendanceReport } from './attendance.reader';
import type { CollectSettings, RunTotals } from './collect-attendance.types';

/** Unknown attendees listed by key in the run's record; the rest are counted. */
const UNKNOWN_KEYS_LISTED = 20;

export interface AttendeeIdentities {
  byEntraId: Map<string, string>;
  byEmail: Map<string, string>;
}

export async function resolveAttendees(db: Db, records: readonly AttendanceRecord[]): Promise<AttendeeIdentities> {
  const ids = records.flatMap((r) => (r.identity?.id ? [r.identity.id, r.identity.id.toLowerCase()] : []));
  const emails = records.flatMap((r) => (r.emailAddress ? [r.emailAddress.toLowerCase()] : []));
  const [byEntraId, byEmail] = await Promise.all([resolveIdentities(db, 'entra', ids), resolveIdentities(db, 'email', emails)]);
  return { byEntraId, byEmail };
}

/**
 * The students of one report who stayed at least the minimum: by Entra object id first, then by UPN
 * or e-mail. Guests, people from other tenants and staff are skipped and counted; anyone else who is
 * not in the identity map is reported, never guessed.
 */
export function countReport(
  records: readonly AttendanceRecord[],
  report: AttendanceReport,
  identities: AttendeeIdentities,
  staffKeys: { entraIds: Set<string>; emails: Set<string> },
  settings: CollectSettings,
  totals: RunTotals,
): string[] {
  const seconds = new Map<string, number>();
  totals.recordsRead += records.length;
  totals.notInReports += Math.max(0, (report.totalParticipantCount ?? 0) - records.length);
  for (const record of records) {
    const id = record.identity?.id ?? '';
    const email = (record.emailAddress ?? '').toLowerCase();
    const tenantId = record.identity?.tenantId ?? '';
    if (tenantId && tenantId.toLowerCase() !== settings.tenantId.toLowerCase()) totals.skipped.externals++;
    else if ((!id && !email) || email.includes('#ext#')) totals.skipped.guests++;
    else if (record.role === 'Organizer' || staffKeys.entraIds.has(id.toLowerCase()) || staffKeys.emails.has(email)) totals.skipped.staff++;
    else {
      const studentId =
        (id && (identities.byEntraId.get(id) ?? identities.byEntraId.get(id.toLowerCase()))) ||
        (email && identities.byEmail.get(email)) ||
        undefined;
      if (!studentId) {
        totals.unknownCount++;
        if (totals.unknownKeys.size < UNKNOWN_KEYS_LISTED) totals.unknownKeys.add(email || id);
        continue;
      }
      seconds.set(studentId, (seconds.get(studentId) ?? 0) + Math.max(0, record.totalAttendanceInSeconds ?? 0));
    }
  }
  const counted: string[] = [];
  for (const [studentId, total] of seconds) {
    if (total >= settings.minMinutes * 60) counted.push(studentId);
    else totals.skipped.belowMinimum++;
  }
  return counted.sort();
}
