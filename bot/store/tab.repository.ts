import { sql } from 'kysely';
import type { Selectable } from 'kysely';
import type { Database } from './schema';
import type { Db } from './database';
import { toCaseEvent, type CaseEvent } from './case.repository';
import { chunk } from './ids';

/**
 * A cheap fingerprint of everything the flagged list is built from. Ids are time-ordered (UUIDv7), so
 * max(id) moves whenever a row is added anywhere; updated_at moves when a case, student or member of
 * staff changes. Each part is an index seek, so this costs far less than rebuilding the list.
 */
export async function findFlagListStamp(db: Db, departmentId: string): Promise<string> {
  const result = await sql<Record<string, string | number | null>>`
    select
      (select count(*) from cases where department_id = ${departmentId} and status <> 'closed') as open_cases,
      (select max(updated_at) from cases where department_id = ${departmentId}) as cases_at,
      (select max(updated_at) from students where department_id = ${departmentId}) as students_at,
      (select max(updated_at) from staff where department_id = ${departmentId}) as staff_at,
      (select max(id) from case_events) as last_event,
      (select max(id) from imports) as last_import,
      (select max(finished_at) from imports) as imports_at,
      (select max(id) from evaluations where department_id = ${departmentId}) as last_evaluation
  `.execute(db);
  return JSON.stringify(Object.values(result.rows[0] ?? {}));
}

/** The newest event of each case, for the list's "last action" column. */
export async function findLatestCaseEvents(db: Db, caseIds: readonly string[]): Promise<Map<string, CaseEvent>> {
  const out = new Map<string, CaseEvent>();
  for (const batch of chunk(caseIds, 500)) {
    const rows = await db
      .selectFrom('case_events as e')
      .selectAll('e')
      .where('e.case_id', 'in', batch)
      .where(({ eb, selectFrom }) =>
        eb(
          'e.id',
          '=',
          selectFrom('case_events as x')
            .select((x) => x.fn.max('x.id').as('id'))
            .whereRef('x.case_id', '=', 'e.case_id'),
        ),
      )
      .execute();
    for (const r of rows) {
      out.set(r.case_id, toCaseEvent(r));
    }
  }
  return out;
}

/** The student's open case, or else their most recent one. */
export async function findCurrentCaseId(db: Db, studentId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('cases')
    .select('id')
    .where('student_id', '=', studentId)
    .orderBy(sql`case when status = 'closed' then 1 else 0 end`)
    .orderBy('opened_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.id;
}

/**
 * Moves a case from one status to another only if nobody changed it meanwhile; false when the case
 * had already moved on (a second click, or the bot's card acting at the same time).
 */
export async function transitionCase(
  db: Db,
  change: {
    id: string;
    from: readonly string[];
    to: string;
    ownerId?: string | null;
    outcome?: string | null;
    closedAt?: string | null;
    updatedAt: string;
  },
): Promise<boolean> {
  const result = await db
    .updateTable('cases')
    .set({
      status: change.to,
      updated_at: change.updatedAt,
      ...(change.ownerId !== undefined ? { owner_id: change.ownerId } : {}),
      ...(change.outcome !== undefined ? { outcome: change.outcome } : {}),
      ...(change.closedAt !== undefined ? { closed_at: change.closedAt } : {}),
    })
    .where('id', '=', change.id)
    .where('status', 'in', [...change.from])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function listStudentExemptions(
  db: Db,
  studentId: string,
): Promise<Array<{ reason: string; from: string; until: string | null }>> {
  const rows = await db
    .selectFrom('exemptions')
    .select(['reason', 'from_day', 'until_day'])
    .where('student_id', '=', studentId)
    .orderBy('from_day', 'desc')
    .execute();
  return rows.map((r) => ({ reason: r.reason, from: r.from_day, until: r.until_day }));
}

/** Counts for some students between two days (inclusive): student -> day -> source -> count. */
export async function loadStudentsCounts(
  db: Db,
  studentIds: readonly string[],
  from: string,
  to: string,
): Promise<Map<string, Map<string, Map<string, number>>>> {
  const out = new Map<string, Map<string, Map<string, number>>>();
  for (const batch of chunk(studentIds, 500)) {
    const rows = await db
      .selectFrom('activity_counts')
      .select(['student_id', 'day', 'source', 'count'])
      .where('student_id', 'in', batch)
      .where('day', '>=', from)
      .where('day', '<=', to)
      .execute();
    for (const r of rows) {
      let days = out.get(r.student_id);
      if (!days) out.set(r.student_id, (days = new Map()));
      let sources = days.get(r.day);
      if (!sources) days.set(r.day, (sources = new Map()));
      sources.set(r.source, r.count);
    }
  }
  return out;
}

/** Students of the same department, programme and year: the comparison group for a student's chart. */
export async function listCohortIds(db: Db, s: { departmentId: string; programme: string; year: number }): Promise<string[]> {
  const rows = await db
    .selectFrom('students')
    .select('id')
    .where('department_id', '=', s.departmentId)
    .where('programme', '=', s.programme)
    .where('year', '=', s.year)
    .where('status', '=', 'active')
    .execute();
  return rows.map((r) => r.id);
}

/** The newest imports a department's staff may see: its own uploads and the institution-wide imports, never another department's uploads. */
export async function listRecentImports(db: Db, departmentId: string, limit: number): Promise<Array<Selectable<Database['imports']>>> {
  return db
    .selectFrom('imports')
    .selectAll()
    .where((eb) => eb.or([eb('department_id', '=', departmentId), eb('department_id', 'is', null)]))
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** Per source, the newest successful import a department relies on (its own uploads and institution-wide imports). */
export async function findLatestSuccessfulImports(
  db: Db,
  departmentId: string,
): Promise<Map<string, { finishedAt: string | null; periodEnd: string | null }>> {
  const rows = await db
    .selectFrom('imports')
    .select((eb) => ['source', eb.fn.max('finished_at').as('finished_at'), eb.fn.max('period_end').as('period_end')])
    .where('status', '=', 'succeeded')
    .where((eb) => eb.or([eb('department_id', 'is', null), eb('department_id', '=', departmentId)]))
    .groupBy('source')
    .execute();
  return new Map(rows.map((r) => [r.source, { finishedAt: r.finished_at, periodEnd: r.period_end }]));
}

/** The last evaluation of each day for a department, oldest first. */
export async function listDailyEvaluations(db: Db, departmentId: string, fromDay: string): Promise<Array<{ day: string; flags: number }>> {
  const rows = await db
    .selectFrom('evaluations')
    .select(['today', 'flags', 'evaluated_at'])
    .where('department_id', '=', departmentId)
    .where('today', '>=', fromDay)
    .orderBy('today')
    .orderBy('evaluated_at')
    .execute();
  const byDay = new Map<string, number>();
  for (const r of rows) byDay.set(r.today, r.flags);
  return [...byDay].map(([day, flags]) => ({ day, flags }));
}

export async function countOpenCasesByCohort(
  db: Db,
  departmentId: string,
): Promise<Array<{ programme: string; year: number; open: number }>> {
  const rows = await db
    .selectFrom('cases')
    .innerJoin('students', 'students.id', 'cases.student_id')
    .select((eb) => ['students.programme', 'students.year', eb.fn.countAll<number>().as('open')])
    .where('cases.department_id', '=', departmentId)
    .where('cases.status', '<>', 'closed')
    .groupBy(['students.programme', 'students.year'])
    .orderBy('students.programme')
    .orderBy('students.year')
    .execute();
  return rows.map((r) => ({ programme: r.programme, year: Number(r.year), open: Number(r.open) }));
}

/** Every case of a department since a day, with the first staff event on it (if any). */
export async function listCasesWithFirstStaffAction(
  db: Db,
  departmentId: string,
  sinceInstant: string,
): Promise<Array<{ id: string; status: string; outcome: string | null; rules: string[]; openedAt: string; firstStaffAt: string | null }>> {
  const rows = await db
    .selectFrom('cases')
    .leftJoin(
      (eb) =>
        eb
          .selectFrom('case_events')
          .select((x) => ['case_id', x.fn.min('at').as('first_at')])
          .where('actor_kind', '=', 'staff')
          .groupBy('case_id')
          .as('f'),
      (join) => join.onRef('f.case_id', '=', 'cases.id'),
    )
    .select(['cases.id', 'cases.status', 'cases.outcome', 'cases.rules', 'cases.opened_at', 'f.first_at'])
    .where('cases.department_id', '=', departmentId)
    .where('cases.opened_at', '>=', sinceInstant)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    status: r.status,
    outcome: r.outcome,
    rules: JSON.parse(r.rules) as string[],
    openedAt: r.opened_at,
    firstStaffAt: r.first_at ?? null,
  }));
}
