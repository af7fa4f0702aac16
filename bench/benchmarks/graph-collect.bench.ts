import pino from 'pino';
import type { Benchmark, Figure } from '../types';
import { createDatabase, migrateToLatest, type Db } from '../../bot/store/database';
import { insertDepartment } from '../../bot/store/department.repository';
import { insertStaff, type Staff } from '../../bot/store/staff.repository';
import { insertStudents, type Student } from '../../bot/store/student.repository';
import { collectAttendance, type CollectSummary } from '../../bot/graph/collect-attendance.command';
import { createGraphClient } from '../../bot/graph/graph-client';
import { GraphRequester } from '../../bot/graph/graph-requests';
import { startGraphStandIn, type GraphStandIn, type StandInOptions } from '../../tests/graph/graph-stand-in';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  TENANT,
  collectSettings,
  emptyWorld,
  meeting,
  seedStudentIdentities,
  studentRecord,
} from '../../tests/graph/graph-fixtures';

const MEETINGS = 500;
const ATTENDEES = 120;
const ORGANISERS = 25;
const STUDENTS = 1_200;
const NOW = '2026-11-27T06:00:00.000Z';
const TARGET_RECORDS_PER_REQUEST = 15;

function buildPeople(): { staff: Staff[]; students: Student[] } {
  const staff = Array.from({ length: ORGANISERS }, (_, i): Staff => ({
    id: `bench-staff-${i}`,
    departmentId: 'bench',
    displayName: `Module Leader ${i}`,
    email: `leader${i}@example.ac.uk`,
    entraId: `aad-leader-${i}`,
    roles: ['personal_tutor'],
  }));
  const students = Array.from({ length: STUDENTS }, (_, i): Student => ({
    id: `B${String(i).padStart(7, '0')}`,
    departmentId: 'bench',
    givenName: 'Bench',
    familyName: `Student ${i}`,
    email: `bench.student${i}@example.ac.uk`,
    entraId: `aad-bench-${i}`,
    programme: 'BSc Benchmarking',
    year: 1 + (i % 3),
    status: 'active',
    tutorId: null,
  }));
  return { staff, students };
}

/** 500 single-session meetings over three weeks, 120 attendees each, spread over 25 organisers. */
function buildWorld(staff: Staff[], students: Student[]) {
  const meetings = Array.from({ length: MEETINGS }, (_, m) => {
    const organiser = staff[m % ORGANISERS]?.email ?? '';
    const start = new Date(Date.parse('2026-11-05T09:00:00.000Z') + (m % 21) * 86_400_000 + (m % 8) * 3_600_000).toISOString();
    return meeting(`bench-${m}`, organiser, [[start, 50]], () =>
      Array.from({ length: ATTENDEES }, (_, a) => {
        const student = students[(m * 37 + a) % students.length] as Student;
        return studentRecord(student, a % 10 === 0 ? 240 : 2400, a % 4 === 0 ? 'email' : 'entra');
      }),
    );
  });
  return emptyWorld({ organisers: staff.map((s) => ({ upn: s.email ?? '', id: s.entraId ?? '', hasAccessPolicy: true })), meetings });
}

async function freshDatabase(staff: Staff[], students: Student[]): Promise<Db> {
  const db = createDatabase({ kind: 'sqlite', path: ':memory:' });
  await migrateToLatest(db);
  await insertDepartment(db, { id: 'bench', name: 'Benchmark Department', isDemo: false }, NOW);
  await insertStaff(db, staff, NOW);
  await insertStudents(db, students, NOW);
  await seedStudentIdentities(db, students);
  return db;
}

async function countsOf(db: Db): Promise<string> {
  const rows = await db
    .selectFrom('activity_counts')
    .select(['student_id', 'day', 'count'])
    .where('source', '=', 'teams_attendance')
    .orderBy('student_id')
    .orderBy('day')
    .execute();
  return rows.map((r) => `${r.student_id}:${r.day}:${r.count}`).join('\n');
}

async function timedRun(
  standIn: GraphStandIn,
  db: Db,
  organisers: string[],
  options: StandInOptions,
): Promise<{ ms: number; summary: CollectSummary; requests: number; records: number; throttled: number; counts: string }> {
  Object.assign(standIn.options, options);
  standIn.resetStats();
  const client = createGraphClient(
    {
      tenantId: TENANT,
      clientId: CLIENT_ID,
      credential: { kind: 'secret', secret: CLIENT_SECRET },
      baseUrl: standIn.baseUrl,
      authorityHost: standIn.authorityHost,
      requestTimeoutSeconds: 60,
    },
    { trustedCa: standIn.ca },
  );
  const started = performance.now();
  const summary = await collectAttendance(
    {
      db,
      logger: pino({ level: 'silent' }),
      now: () => new Date(NOW),
      graph: new GraphRequester(client, standIn.baseUrl),
      settings: collectSettings({ organisers }),
    },
    { since: '2026-11-01' },
  );
  const ms = performance.now() - started;
  return {
    ms,
    summary,
    requests: standIn.stats.graphRequests,
    records: standIn.stats.recordsServed,
    throttled: standIn.stats.throttled,
    counts: await countsOf(db),
  };
}

export const graphCollectBenchmark: Benchmark = {
  name: 'graph-collect',
  description: `collect ${MEETINGS} meetings x ${ATTENDEES} attendees from the local Graph stand-in, then again with 10% of requests answered 429`,
  async run() {
    const { staff, students } = buildPeople();
    const standIn = await startGraphStandIn(buildWorld(staff, students), { pageSize: { records: 100 } });
    const organisers = staff.map((s) => s.email ?? '');
    try {
      const cleanDb = await freshDatabase(staff, students);
      const clean = await timedRun(standIn, cleanDb, organisers, { throttleRate: 0 });
      await cleanDb.destroy();
      const throttledDb = await freshDatabase(staff, students);
      const throttled = await timedRun(standIn, throttledDb, organisers, { throttleRate: 0.1, throttleSeed: 7, retryAfterSeconds: 1 });
      await throttledDb.destroy();

      const recordsPerRequest = clean.records / clean.requests;
      const identical =
        clean.counts === throttled.counts && clean.summary.status === 'succeeded' && throttled.summary.status === 'succeeded';
      const figures: Record<string, Figure> = {
        'graph_collect.records_read': { value: clean.records, unit: 'records' },
        'graph_collect.attendances_counted': { value: clean.summary.attendancesCounted, unit: 'attendances' },
        'graph_collect.http_requests': { value: clean.requests, unit: 'requests' },
        'graph_collect.records_per_request': {
          value: Math.round(recordsPerRequest * 10) / 10,
          unit: 'records/request',
          target: `>= ${TARGET_RECORDS_PER_REQUEST} (at most 1 request per 15 records)`,
          met: recordsPerRequest >= TARGET_RECORDS_PER_REQUEST,
        },
        'graph_collect.wall_ms': { value: Math.round(clean.ms), unit: 'ms' },
        'graph_collect.throttled.http_requests': { value: throttled.requests, unit: 'requests' },
        'graph_collect.throttled.responses_429': { value: throttled.throttled, unit: 'responses' },
        'graph_collect.throttled.wall_ms': { value: Math.round(throttled.ms), unit: 'ms' },
        'graph_collect.throttled.identical_counts': {
          value: identical ? 1 : 0,
          unit: 'yes=1',
          target: '1 (same counts as the unthrottled run)',
          met: identical,
        },
      };
      return figures;
    } finally {
      await standIn.close();
    }
  },
};
