/**
 * The key a Teams meeting has in both attendance paths: its organiser (lower-cased UPN or e-mail)
 * and the minute it started, in UTC. A downloaded report's "Start time" and Graph's
 * meetingStartDateTime are both the first join, so the two agree to the minute.
 */
export function teamsMeetingKey(organiser: string, startUtcMs: number): string {
  const minute = new Date(Math.floor(startUtcMs / 60_000) * 60_000).toISOString().slice(0, 16);
  return `${organiser.trim().toLowerCase()}|${minute}Z`;
}
