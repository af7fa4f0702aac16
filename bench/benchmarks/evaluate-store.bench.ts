import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import pino from 'pino';
import { SOURCES } from '../../shared/domain';
import { createDatabase, migrateToLatest, type Db } from '../../bot/store/database';
import { insertDepartment } from '../../bot/store/department.repository';
import { insertStaff, type Staff } from '../../bot/store/staff.repository';
import { insertStudents, type Student } from '../../bot/store/student.repository';
import { insertTerm } from '../../bot/store/calendar.repository';
import { insertImport } from '../../bot/store/import.repository';
import { newId } from '../../bot/store/ids';
import { evaluateDepartment } from '../../bot/rules/evaluate.command';
import { summariseDepartmentActivity, summariseDepartmentActivityByDay } from '../../bot/store/activity.repository';
import { listTerms } from '../../bot/store/calendar.repository';
import { requiredWindows, DEFAULT_RULES_CONFIG } from '../../shared/rules/config';
import { addDays, lastTermDays } from '../../shared/calendar';
import { createTestDatabase } from '../../tests/support/databases';
import type { Benchmark, Figure } from '../types';
import { BENCH_TERM, BENCH_TODAY, generateSyntheticDepartment, type SyntheticDepartment } from '../support/synthetic';

const STUDENTS = 30_000;
const TUTORS = 500;
const DEPARTMENT = 'bench-dept';
const NOW = `${BENCH_TODAY}T06:00:00.000Z`;

/** Everything but the counts, through the repositories the service uses. */
async function seedPeopleAndCalendar(db: Db, dept: SyntheticDepartment): Promise<void> {
  await insertDepartment(db, { id: DEPARTMENT, name: 'Benchmark department', isDemo: false }, NOW);
  const tutors: Staff[] = Array.from({ length: TUTORS }, (_, i) => ({
    id: `bench-tutor-${i}`,
    departmentId: DEPARTMENT,
    displayName: `Tutor ${i}`,
    email: null,
    entraId: null,
    roles: ['personal_tutor'],
  }));
  await insertStaff(db, tutors, NOW);
  const students: Student[] = dept.students.map((s, i) => ({
    ...s,
    departmentId: DEPARTMENT,
    givenName: 'Bench',
    familyName: `Student ${i}`,
    email: null,
    entraId: null,
    tutorId: `bench-tutor-${i % TUTORS}`,
  }));
  await insertStudents(db, students, NOW);
  await insertTerm(db, BENCH_TERM);
  for (const source of SOURCES) {
    await insertImport(db, {
      id: newId(),
      source,
      fileName: 'bench',
      fileHash: null,
      periodStart: dept.days[0] ?? BENCH_TODAY,
      periodEnd: dept.days[dept.days.length - 1] ?? BENCH_TODAY,
      rowsRead: 0,
      rowsCounted: 0,
      rowsIgnored: 0,
      rowsRejected: 0,
      status: 'succeeded',
      errors: [],
      startedAt: NOW,
      finishedAt: NOW,
    });
  }
}

/** Every non-zero count as (student, day, source, count), in chunks, without building three million objects at once. */
function* countRows(dept: SyntheticDepartment, chunkSize: number): Generator<Array<[string, string, string, number]>> {
  const { counts, days, studentIds } = dept.matrix;
  let batch: Array<[string, string, string, number]> = [];
  for (let i = 0; i < studentIds.length; i++) {
    for (let s = 0; s < SOURCES.length; s++) {
      for (let d = 0; d < days.length; d++) {
        const n = counts[(i * SOURCES.length + s) * days.length + d] ?? 0;
        if (n === 0) continue;
        batch.push([studentIds[i] as string, days[d] as string, SOURCES[s] as string, n]);
        if (batch.length === chunkSize) {
          yield batch;
          batch = [];
        }
      }
    }
  }
  if (batch.length > 0) yield batch;
}

interface Timing {
  firstMs: number;
  firstCpuMs: number;
  rerunMs: number;
  phases: { loadMs: number; rulesMs: number; persistMs: number };
  flagged: number;
  opened: number;
  /** Loading alone, weekly rows against the daily rows they replaced, alternated in one run: medians of wall and CPU ms. */
  load: { weeklyMs: number; weeklyCpuMs: number; dailyMs: number; dailyCpuMs: number };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const LOAD_ROUNDS = 5;

/**
 * The load phase on its own, read from activity_weeks (what evaluation does now) and from the daily
 * rows (what it did before migration 0020), alternating so both see the same machine load.
 */
async function timeLoads(db: Db): Promise<Timing['load']> {
  const terms = await listTerms(db);
  const windows = requiredWindows(DEFAULT_RULES_CONFIG);
  const termDays = lastTermDays(BENCH_TODAY, windows[windows.length - 1] ?? 21, terms);
  const lookback = addDays(BENCH_TODAY, -70);
  const since = termDays[0] !== undefined && termDays[0] < lookback ? termDays[0] : lookback;
  const opts = { termDays, windows, since, today: BENCH_TODAY };
  const weekly: number[] = [];
  const weeklyCpu: number[] = [];
  const daily: number[] = [];
  const dailyCpu: number[] = [];
  for (let round = 0; round < LOAD_ROUNDS; round++) {
    for (const [read, wall, cpuTimes] of [
      [summariseDepartmentActivity, weekly, weeklyCpu],
      [summariseDepartmentActivityByDay, daily, dailyCpu],
    ] as const) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      await read(db, DEPARTMENT, opts);
      wall.push(performance.now() - started);
      cpuTimes.push(cpuMs(cpu));
    }
  }
  return { weeklyMs: median(weekly), weeklyCpuMs: median(weeklyCpu), dailyMs: median(daily), dailyCpuMs: median(dailyCpu) };
}

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

/**
 * Times a first evaluation (every case new) and a re-run of the same day (nothing changes). CPU time
 * of this process is reported beside wall time: on a shared machine the wall clock also measures
 * everyone else's work (SQLite runs in this process; PostgreSQL's share is in the wall time only).
 */
async function timeEvaluation(db: Db): Promise<Timing> {
  const deps = { db, logger: pino({ level: 'silent' }), now: () => new Date(NOW) };
  let cpu = process.cpuUsage();
  let started = performance.now();
  const first = await evaluateDepartment(deps, DEPARTMENT, BENCH_TODAY);
  const firstMs = performance.now() - started;
  const firstCpuMs = cpuMs(cpu);
  cpu = process.cpuUsage();
  started = performance.now();
  await evaluateDepartment(deps, DEPARTMENT, BENCH_TODAY);
  const rerunMs = performance.now() - started;
  const load = await timeLoads(db);
  return { firstMs, firstCpuMs, rerunMs, phases: first.timings, flagged: first.flagged, opened: first.opened, load };
}

function figures(kind: string, r: Timing, rows: number): Record<string, Figure> {
  return {
    [`evaluate.${kind}.first_run_ms`]: { value: Math.round(r.firstMs), unit: 'ms', target: '< 1000', met: r.firstMs < 1000 },
    [`evaluate.${kind}.first_run_process_cpu_ms`]: { value: Math.round(r.firstCpuMs), unit: 'ms' },
    [`evaluate.${kind}.first_run_load_ms`]: { value: r.phases.loadMs, unit: 'ms' },
    [`evaluate.${kind}.first_run_rules_ms`]: { value: r.phases.rulesMs, unit: 'ms' },
    [`evaluate.${kind}.first_run_persist_ms`]: { value: r.phases.persistMs, unit: 'ms' },
    [`evaluate.${kind}.rerun_ms`]: { value: Math.round(r.rerunMs), unit: 'ms', target: '< 1000', met: r.rerunMs < 1000 },
    [`evaluate.${kind}.load_weekly_median_ms`]: { value: Math.round(r.load.weeklyMs), unit: 'ms' },
    [`evaluate.${kind}.load_daily_median_ms`]: { value: Math.round(r.load.dailyMs), unit: 'ms' },
    [`evaluate.${kind}.load_speedup_vs_daily`]: { value: Math.round((r.load.dailyMs / r.load.weeklyMs) * 100) / 100, unit: 'x' },
    [`evaluate.${kind}.load_weekly_median_cpu_ms`]: { value: Math.round(r.load.weeklyCpuMs), unit: 'ms' },
    [`evaluate.${kind}.load_daily_median_cpu_ms`]: { value: Math.round(r.load.dailyCpuMs), unit: 'ms' },
    [`evaluate.${kind}.count_rows`]: { value: rows, unit: 'rows' },
    [`evaluate.${kind}.cases_opened`]: { value: r.opened, unit: 'cases' },
  };
}

async function benchSqlite(dept: SyntheticDepartment): Promise<Record<string, Figure>> {
  const dir = mkdtempSync(join(tmpdir(), 'em-bench-eval-'));
  const path = join(dir, 'bench.sqlite');
  const db = createDatabase({ kind: 'sqlite', path });
  try {
    await migrateToLatest(db);
    await seedPeopleAndCalendar(db, dept);
    // Seeding through a prepared statement: the import path is not what this benchmark measures.
    const raw = new SqliteDatabase(path);
    const insert = raw.prepare('insert into activity_counts (student_id, day, source, count) values (?, ?, ?, ?)');
    const insertAll = raw.transaction((rows: Array<[string, string, string, number]>) => {
      for (const row of rows) insert.run(row);
    });
    for (const rows of countRows(dept, 100_000)) insertAll(rows);
    // The triggers of migration 0020 keep activity_weeks in step with these rows as they go in.
    raw.pragma('wal_checkpoint(TRUNCATE)');
    raw.exec('analyze');
    raw.close();
    return figures('sqlite', await timeEvaluation(db), dept.rows);
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchPostgres(dept: SyntheticDepartment): Promise<Record<string, Figure>> {
  const t = await createTestDatabase('postgres');
  try {
    await seedPeopleAndCalendar(t.db, dept);
    for (const rows of countRows(dept, 100_000)) {
      await sql`insert into activity_counts (student_id, day, source, count)
        select * from unnest(${rows.map((r) => r[0])}::text[], ${rows.map((r) => r[1])}::text[], ${rows.map((r) => r[2])}::text[], ${rows.map((r) => r[3])}::int[])`.execute(
        t.db,
      );
    }
    await sql`analyze`.execute(t.db);
    return figures('postgres', await timeEvaluation(t.db), dept.rows);
  } finally {
    await t.drop();
  }
}

export const evaluateStoreBenchmark: Benchmark = {
  name: 'evaluate-store',
  description: `load-evaluate-persist for ${STUDENTS} students x 5 sources x 21 term days on SQLite and PostgreSQL (first run opens the cases; the re-run changes nothing)`,
  async run() {
    const dept = generateSyntheticDepartment(STUDENTS);
    return { ...(await benchSqlite(dept)), ...(await benchPostgres(dept)) };
  },
};
