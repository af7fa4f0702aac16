import pino from 'pino';
import type { Db } from '../../bot/store/database';
import { loadDepartmentCounts } from '../../bot/store/activity.repository';
import { insertIdentities } from '../../bot/store/identity.repository';
import type { Student } from '../../bot/store/student.repository';
import type { Staff } from '../../bot/store/staff.repository';
import { createGraphClient, type GraphConnectionOptions, type GraphSettings } from '../../bot/graph/graph-client';
import { GraphRequester, graphRetryPolicy, type RetryPolicy } from '../../bot/graph/graph-requests';
import { REAL_TIMERS, type Timers } from '../../bot/clock';
import type { CollectDeps, CollectSettings } from '../../bot/graph/collect-attendance.command';
import type { GraphStandIn, GraphWorld, StandInMeeting, StandInRecord } from './graph-stand-in';

export const TENANT = '72f988bf-0000-4000-8000-000000000001';
export const OTHER_TENANT = '11111111-2222-4333-8444-555555555555';
export const CLIENT_ID = 'a1b2c3d4-0000-4000-8000-00000000c11e';
export const CLIENT_SECRET = 'stand-in-secret';

export function emptyWorld(overrides: Partial<GraphWorld> = {}): GraphWorld {
  return { tenantId: TENANT, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, organisers: [], meetings: [], ...overrides };
}

/** Registers the identities the roster import would: Entra object id and e-mail for each student. */
export async function seedStudentIdentities(db: Db, students: readonly Student[]): Promise<void> {
  await insertIdentities(
    db,
    students.flatMap((s) => [
      ...(s.entraId ? [{ sourceSystem: 'entra', externalKey: s.entraId, studentId: s.id }] : []),
      ...(s.email ? [{ sourceSystem: 'email', externalKey: s.email.toLowerCase(), studentId: s.id }] : []),
    ]),
  );
}

export const studentRecord = (s: Student, seconds: number, via: 'entra' | 'email' = 'entra'): StandInRecord => ({
  emailAddress: s.email,
  totalAttendanceInSeconds: seconds,
  role: 'Attendee',
  identity: { id: via === 'entra' ? s.entraId : `unmapped-${s.id}`, displayName: `${s.givenName} ${s.familyName}`, tenantId: TENANT },
});

export const staffRecord = (s: Staff, role: StandInRecord['role'] = 'Presenter'): StandInRecord => ({
  emailAddress: s.email,
  totalAttendanceInSeconds: 3600,
  role,
  identity: { id: s.entraId, displayName: s.displayName, tenantId: TENANT },
});

export const guestRecord = (n: number): StandInRecord => ({
  emailAddress: `visitor${n}_gmail.com#EXT#@university.onmicrosoft.com`,
  totalAttendanceInSeconds: 3000,
  role: 'Attendee',
  identity: { id: `guest-${n}`, displayName: `Visitor ${n} (Guest)`, tenantId: TENANT },
});

export const anonymousRecord = (name: string): StandInRecord => ({
  emailAddress: null,
  totalAttendanceInSeconds: 2400,
  role: 'Attendee',
  identity: { id: null, displayName: name, tenantId: null },
});

export const externalRecord = (n: number): StandInRecord => ({
  emailAddress: `colleague${n}@partner.example.org`,
  totalAttendanceInSeconds: 3000,
  role: 'Attendee',
  identity: { id: `ext-${n}`, displayName: `Partner ${n}`, tenantId: OTHER_TENANT },
});

/** A meeting with one report per session; sessions are [start ISO, minutes] pairs. */
export function meeting(
  id: string,
  organiser: string,
  sessions: Array<[string, number]>,
  records: (session: number) => StandInRecord[],
  extra: Partial<StandInMeeting> = {},
): StandInMeeting {
  const end = (start: string, minutes: number) => new Date(Date.parse(start) + minutes * 60_000).toISOString();
  return {
    id,
    organiser,
    subject: `Module meeting ${id}`,
    joinUrl: `https://teams.microsoft.com/l/meetup-join/19%3ameeting_${id}%40thread.v2/0?context=%7b%22Tid%22%3a%22${TENANT}%22%7d`,
    occurrences: sessions.map(([start, minutes]) => ({ start, end: end(start, minutes) })),
    reports: sessions.map(([start, minutes], i) => ({
      id: `${id}-report-${i}`,
      meetingStartDateTime: start,
      meetingEndDateTime: end(start, minutes),
      records: records(i),
    })),
    ...extra,
  };
}

export function collectSettings(overrides: Partial<CollectSettings> = {}): CollectSettings {
  return {
    tenantId: TENANT,
    clientId: CLIENT_ID,
    organisers: [],
    minMinutes: 10,
    lookbackDays: 28,
    timeZone: 'Europe/London',
    ...overrides,
  };
}

export function graphSettings(standIn: GraphStandIn, overrides: Partial<GraphSettings> = {}): GraphSettings {
  return {
    tenantId: TENANT,
    clientId: CLIENT_ID,
    credential: { kind: 'secret', secret: CLIENT_SECRET },
    baseUrl: standIn.baseUrl,
    authorityHost: standIn.authorityHost,
    requestTimeoutSeconds: 60,
    ...overrides,
  };
}

/** The production collector's dependencies, pointed at the stand-in with a test credential. */
export function collectDeps(
  db: Db,
  standIn: GraphStandIn,
  opts: {
    now: string;
    settings?: Partial<CollectSettings>;
    graph?: Partial<GraphSettings>;
    connection?: GraphConnectionOptions;
    /** Retry waits: virtual time records them instead of waiting (the default waits for real). */
    timers?: Timers;
    /** Attempts and backoff; production's unless given (the timeout follows graph.requestTimeoutSeconds, as in production). */
    policy?: Partial<RetryPolicy>;
  },
): CollectDeps {
  const settings = graphSettings(standIn, opts.graph);
  const client = createGraphClient(settings, { trustedCa: standIn.ca, ...opts.connection });
  return {
    db,
    logger: pino({ level: 'silent' }),
    now: () => new Date(opts.now),
    graph: new GraphRequester(client, standIn.baseUrl, { ...graphRetryPolicy(settings), ...opts.policy }, opts.timers ?? REAL_TIMERS),
    settings: collectSettings(opts.settings),
  };
}

/** Teams attendance counts per student and day in dept-a, as the rules will read them. */
export async function teamsCounts(db: Db): Promise<Record<string, Record<string, number>>> {
  const counts = await loadDepartmentCounts(db, 'dept-a', '2026-10-01', '2026-12-31');
  const out: Record<string, Record<string, number>> = {};
  for (const [studentId, days] of counts) {
    for (const [day, bySource] of days) {
      if (bySource.teams_attendance !== undefined) (out[studentId] ??= {})[day] = bySource.teams_attendance;
    }
  }
  return out;
}

/** The tutorial both collection suites use: three sessions, Amy at each, Dan at the first only. */
export function threeSessionTutorial(organiser: string, amy: Student, dan: Student): StandInMeeting {
  return meeting(
    'tutorial',
    organiser,
    [
      ['2026-11-20T14:00:00.000Z', 50],
      ['2026-11-24T09:00:00.000Z', 50],
      ['2026-11-24T16:00:00.000Z', 50],
    ],
    (i) => (i === 0 ? [studentRecord(amy, 2900), studentRecord(dan, 2900)] : [studentRecord(amy, 2900)]),
  );
}
