import type { MoodlePullSummary } from './pull-moodle.command';

/** The CLI's account of one pull: what was read, what counted, what the next run starts from, and any trouble. */
export function presentPullSummary(s: MoodlePullSummary): string {
  if (s.status === 'skipped') return s.warnings.join('\n');
  const lines: string[] = [];
  if (s.status === 'failed') lines.push(`Moodle pull failed (${s.code ?? 'error'}): ${s.errors.join(' ')}`);
  else {
    lines.push(
      `Pulled from ${s.target}: ${s.rowsRead} log entries read, ${s.rowsCounted} counted (${s.countsBySource.moodle_login ?? 0} logins, ${s.countsBySource.moodle_submission ?? 0} submissions) for ${s.studentsAffected} students; ${s.rowsUnresolved} by users not linked to a student; ${s.rowsStaff} by staff (ignored).`,
      `Users: ${s.users.read} read, ${s.users.linked} linked to students, ${s.users.deleted} deleted, ${s.users.suspended} suspended, ${s.users.unmatched} matching no student.`,
      s.period ? `Complete days: ${s.period.start} to ${s.period.end}.` : 'No day was completed by this run.',
      s.checkpoint
        ? `Next run starts at log id ${s.checkpoint.resumeId} (${s.checkpoint.resumeDay}); newest entry ${s.newestEventAt ?? 'none'}.`
        : 'No checkpoint yet.',
    );
  }
  for (const w of s.status === 'failed' ? [] : s.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}
