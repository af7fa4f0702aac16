import type { CollectSummary } from './collect-attendance.command';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The human summary of a collection run, for the CLI: counts and problems, never who attended what. */
export function presentCollectSummary(s: CollectSummary, minMinutes: number): string {
  const failed = s.organisers.filter((o) => o.status === 'failed');
  const lines = [
    `${s.status === 'succeeded' ? 'Collected' : 'Partly collected'} Teams attendance for ${s.period.start} to ${s.period.end} from ${plural(s.organisers.length, 'organiser')}${failed.length ? ` (${failed.length} could not be read)` : ''}.`,
    `  Meetings: ${s.meetings}; sessions collected: ${s.reportsCollected} new, ${s.reportsAlreadyCollected} already collected; attendance records read: ${s.recordsRead}.`,
    `  Counted: ${plural(s.attendancesCounted, 'attendance')}. Not counted: ${s.skipped.guests} guests, ${s.skipped.externals} from other organisations, ${s.skipped.staff} staff, ${s.skipped.belowMinimum} shorter than ${minMinutes} minutes.`,
  ];
  if (s.notInReports > 0) lines.push(`  ${plural(s.notInReports, 'participant')} chose not to appear in attendance reports.`);
  if (s.unknown.count > 0)
    lines.push(
      `  ${plural(s.unknown.count, 'attendance')} could not be matched to a student (check the identity map): ${s.unknown.keys.join(', ')}${s.unknown.count > s.unknown.keys.length ? ', ...' : ''}`,
    );
  const unanswered = s.requests.unanswered > 0 ? `, ${s.requests.unanswered} unanswered and retried` : '';
  lines.push(`  Graph requests: ${s.requests.httpRequests} (${s.requests.throttled} throttled and retried${unanswered}).`);
  for (const w of s.warnings) lines.push(`  Warning: ${w}`);
  for (const e of s.errors) lines.push(`  Problem: ${e}`);
  if (s.status === 'failed') lines.push('  Days in this period stay "unknown" for Teams attendance until a run reads every organiser.');
  return lines.join('\n');
}
