import type { IsoDay } from '../../shared/domain';
import { todayIn } from '../clock';
import type { GraphFailure, GraphRequester } from './graph-requests';
import type { GraphStep } from './graph-errors';

/** Graph keeps only the 50 most recent attendance reports of a meeting; warn from 45 on. */
const GRAPH_REPORT_LIMIT = 50;
export const REPORT_LIMIT_WARNING = 45;

interface CalendarEvent {
  subject?: string;
  isOnlineMeeting?: boolean;
  isOrganizer?: boolean;
  onlineMeeting?: { joinUrl?: string } | null;
}

export interface AttendanceReport {
  id: string;
  meetingStartDateTime?: string;
  meetingEndDateTime?: string;
  totalParticipantCount?: number;
}

export interface AttendanceRecord {
  emailAddress?: string | null;
  totalAttendanceInSeconds?: number;
  role?: string;
  identity?: { id?: string | null; displayName?: string | null; tenantId?: string | null } | null;
}

/** Turns a Graph failure at a step into the error that stops the organiser. */
export type FailOrganiser = (failure: GraphFailure, step: GraphStep) => Error;

/**
 * The organiser's online meetings with an occurrence in the window: the calendar's online events,
 * each join URL resolved to its meeting. A join URL Graph no longer knows is passed over.
 */
export async function findMeetings(
  graph: GraphRequester,
  user: string,
  run: { windowStart: string; windowEnd: string },
  fail: FailOrganiser,
): Promise<Array<{ id: string; subject: string }>> {
  const window = `startDateTime=${encodeURIComponent(run.windowStart)}&endDateTime=${encodeURIComponent(run.windowEnd)}`;
  const [events] = await graph.getAllPages<CalendarEvent>([
    `${user}/calendarView?${window}&$select=subject,isOnlineMeeting,isOrganizer,onlineMeeting&$top=500`,
  ]);
  if (!events?.ok) throw fail(events?.failure ?? noResponse(user), 'calendar');

  // A recurring series shows one event per occurrence but shares one online meeting: resolve each join URL once.
  const subjects = new Map<string, string>();
  for (const e of events.items) {
    const joinUrl = e.onlineMeeting?.joinUrl;
    if (e.isOnlineMeeting && e.isOrganizer !== false && joinUrl && !subjects.has(joinUrl)) subjects.set(joinUrl, e.subject ?? '');
  }
  const joinUrls = [...subjects.keys()];
  const resolved = await graph.getMany<{ value?: Array<{ id: string }> }>(
    joinUrls.map((url) => `${user}/onlineMeetings?$filter=${encodeURIComponent(`JoinWebUrl eq '${url}'`)}`),
  );
  const meetings: Array<{ id: string; subject: string }> = [];
  for (const [i, r] of resolved.entries()) {
    if (!r.ok) {
      if (r.failure.status === 404) continue;
      throw fail(r.failure, 'meeting');
    }
    const meeting = r.body.value?.[0];
    if (meeting) meetings.push({ id: meeting.id, subject: subjects.get(joinUrls[i] ?? '') ?? '' });
  }
  return meetings;
}

/**
 * The attendance reports of these meetings that fall in the window, with a warning for every meeting
 * that nears or passes the number of reports Graph keeps.
 */
export async function listReports(
  graph: GraphRequester,
  user: string,
  meetings: ReadonlyArray<{ id: string; subject: string }>,
  run: { organiser: string; windowStart: string; windowEnd: string; since?: IsoDay; warnings: string[] },
  timeZone: string,
  fail: FailOrganiser,
): Promise<Array<{ meetingId: string; report: AttendanceReport }>> {
  const { organiser } = run;
  const reportLists = await graph.getAllPages<AttendanceReport>(
    meetings.map((m) => `${user}/onlineMeetings/${encodeURIComponent(m.id)}/attendanceReports`),
  );
  const candidates: Array<{ meetingId: string; report: AttendanceReport }> = [];
  for (const [i, list] of reportLists.entries()) {
    const meeting = meetings[i];
    if (!meeting) continue;
    if (!list.ok) {
      if (list.failure.status === 404) continue;
      throw fail(list.failure, 'reports');
    }
    const name = `"${meeting.subject || meeting.id}" of ${organiser}`;
    const oldest = list.items.reduce<string | undefined>(
      (min, r) => (r.meetingStartDateTime && (!min || r.meetingStartDateTime < min) ? r.meetingStartDateTime : min),
      undefined,
    );
    if (list.items.length >= GRAPH_REPORT_LIMIT && oldest && Date.parse(oldest) > Date.parse(run.windowStart)) {
      run.warnings.push(
        `The meeting ${name} has more sessions than Graph keeps (the 50 most recent): sessions before ${oldest.slice(0, 10)} in this collection window can no longer be read. The organiser's attendance downloads can fill the gap.`,
      );
    } else if (list.items.length >= REPORT_LIMIT_WARNING) {
      run.warnings.push(
        `The meeting ${name} has ${list.items.length} attendance reports; Graph keeps only the 50 most recent, so collection must run at least daily to miss none.`,
      );
    }
    for (const report of list.items) if (isInWindow(report, run, timeZone)) candidates.push({ meetingId: meeting.id, report });
  }
  return candidates;
}

/** The attendance records of each report, all pages of each, in the order asked. */
export function readAttendanceRecords(
  graph: GraphRequester,
  user: string,
  reports: ReadonlyArray<{ meetingId: string; report: AttendanceReport }>,
) {
  return graph.getAllPages<AttendanceRecord>(
    reports.map(
      (c) =>
        `${user}/onlineMeetings/${encodeURIComponent(c.meetingId)}/attendanceReports/${encodeURIComponent(c.report.id)}/attendanceRecords`,
    ),
  );
}

export const noResponse = (url: string): GraphFailure => ({ status: 0, code: 'no_response', message: 'Graph gave no response.', url });

function isInWindow(report: AttendanceReport, run: { windowStart: string; windowEnd: string; since?: IsoDay }, timeZone: string): boolean {
  const start = Date.parse(report.meetingStartDateTime ?? '');
  if (Number.isNaN(start) || start > Date.parse(run.windowEnd)) return false;
  return run.since ? todayIn(timeZone, new Date(start)) >= run.since : start >= Date.parse(run.windowStart);
}
