import { z } from 'zod';
import { sql } from 'kysely';
import { CaseStatusSchema, SeveritySchema, SourceSchema, type CaseStatus, type Severity } from '../../shared/domain';
import { CaseOutcomeSchema, type CaseOutcome } from '../../shared/cases';
import { RULE_IDS, type Explanation, type RuleId, type WindowCounts } from '../../shared/rules/types';
import type { Db } from './database';
import { newId } from './ids';
import type { CaseRow } from './schema';

export interface Case {
  id: string;
  studentId: string;
  departmentId: string;
  severity: Severity;
  status: CaseStatus;
  rules: RuleId[];
  reason: string;
  explanation: Explanation;
  ownerId: string | null;
  outcome: CaseOutcome | null;
  openedAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** The day the student stopped being flagged while this case was open; null while they still are. */
  recoveredOn?: string | null;
}

const RulesSchema = z.array(z.enum(RULE_IDS));
const perSource = <T extends z.ZodType>(value: T) =>
  z.object(Object.fromEntries(SourceSchema.options.map((s) => [s, value])) as Record<(typeof SourceSchema.options)[number], T>);
const WindowCountsSchema: z.ZodType<WindowCounts> = perSource(
  z.object({ d7: z.number().nullable(), d14: z.number().nullable(), d21: z.number().nullable() }),
);

/** The explanation column as the rules write it (shared/rules/types.ts Explanation). */
const ExplanationSchema: z.ZodType<Explanation> = z.object({
  counts: WindowCountsSchema,
  cohortMedians: WindowCountsSchema.optional(),
  daysSinceLast: perSource(z.number().nullable()),
  knownShare: perSource(z.number()).optional(),
  cohort: z.object({ programme: z.string(), year: z.number(), size: z.number() }).optional(),
  windowStart: z.string().nullable(),
  windowEnd: z.string().nullable(),
  evaluatedOn: z.string().optional(),
});

/** Everything of a stored case but its explanation. */
const caseFields = (r: CaseRow): Omit<Case, 'explanation'> => ({
  id: r.id,
  studentId: r.student_id,
  departmentId: r.department_id,
  severity: SeveritySchema.parse(r.severity),
  status: CaseStatusSchema.parse(r.status),
  rules: RulesSchema.parse(JSON.parse(r.rules)),
  reason: r.reason,
  ownerId: r.owner_id,
  outcome: r.outcome === null ? null : CaseOutcomeSchema.parse(r.outcome),
  openedAt: r.opened_at,
  updatedAt: r.updated_at,
  closedAt: r.closed_at,
  recoveredOn: r.recovered_on ?? null,
});

const toCase = (r: CaseRow): Case => ({ ...caseFields(r), explanation: ExplanationSchema.parse(JSON.parse(r.explanation)) });

export async function findOpenCases(db: Db, departmentId: string): Promise<Case[]> {
  const rows = await db.selectFrom('cases').selectAll().where('department_id', '=', departmentId).where('status', '<>', 'closed').execute();
  return rows.map(toCase);
}

/** An open case as evaluation compares it: the explanation stays the JSON text it was stored as. */
export type OpenCaseForEvaluation = Omit<Case, 'explanation'> & { explanationJson: string };

/**
 * The department's open cases for evaluation, which only compares each stored explanation with the
 * one it would write: checking the text costs nothing, while validating thousands of explanations
 * object by object took most of a re-run's persisting.
 */
export async function findOpenCasesForEvaluation(db: Db, departmentId: string): Promise<OpenCaseForEvaluation[]> {
  const rows = await db.selectFrom('cases').selectAll().where('department_id', '=', departmentId).where('status', '<>', 'closed').execute();
  return rows.map((r) => ({ ...caseFields(r), explanationJson: r.explanation }));
}

/** A student's open case, if they have one (at most one is open at a time). */
export async function findOpenCaseOfStudent(db: Db, studentId: string): Promise<Case | undefined> {
  const row = await db
    .selectFrom('cases')
    .selectAll()
    .where('student_id', '=', studentId)
    .where('status', '<>', 'closed')
    .executeTakeFirst();
  return row && toCase(row);
}

export async function findCase(db: Db, id: string): Promise<Case | undefined> {
  const row = await db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toCase(row);
}

export async function findCasesByIds(db: Db, ids: readonly string[]): Promise<Case[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('cases')
    .selectAll()
    .where('id', 'in', [...ids])
    .execute();
  return rows.map(toCase);
}

export async function insertCase(db: Db, c: Omit<Case, 'id'>): Promise<Case> {
  const [inserted] = await insertCases(db, [c]);
  if (!inserted) throw new Error('insertCases returned nothing for one case');
  return inserted;
}

export async function updateCaseAssessment(
  db: Db,
  id: string,
  change: { severity: Severity; rules: RuleId[]; reason: string; explanation: Explanation; updatedAt: string },
): Promise<void> {
  await db
    .updateTable('cases')
    .set({
      severity: change.severity,
      rules: JSON.stringify(change.rules),
      reason: change.reason,
      explanation: JSON.stringify(change.explanation),
      updated_at: change.updatedAt,
    })
    .where('id', '=', id)
    .execute();
}

const CASE_BATCH = 200;

/** Opens many cases at once (one statement per batch); returns them with their new ids, in the order given. */
export async function insertCases(db: Db, cases: ReadonlyArray<Omit<Case, 'id'>>): Promise<Case[]> {
  const withIds = cases.map((c) => ({ ...c, id: newId() }));
  for (let i = 0; i < withIds.length; i += CASE_BATCH) {
    await db
      .insertInto('cases')
      .values(
        withIds.slice(i, i + CASE_BATCH).map((c) => ({
          id: c.id,
          student_id: c.studentId,
          department_id: c.departmentId,
          severity: c.severity,
          status: c.status,
          rules: JSON.stringify(c.rules),
          reason: c.reason,
          explanation: JSON.stringify(c.explanation),
          owner_id: c.ownerId,
          outcome: c.outcome,
          opened_at: c.openedAt,
          updated_at: c.updatedAt,
          closed_at: c.closedAt,
          recovered_on: c.recoveredOn ?? null,
        })),
      )
      .execute();
  }
  return withIds;
}

/** The most recently closed case per student, for cases a department closed at or after `since` (an instant). */
export async function findRecentlyClosedCases(db: Db, departmentId: string, since: string): Promise<Map<string, Case>> {
  const rows = await db
    .selectFrom('cases')
    .selectAll()
    .where('department_id', '=', departmentId)
    .where('status', '=', 'closed')
    .where('closed_at', '>=', since)
    .execute();
  const latest = new Map<string, Case>();
  for (const c of rows.map(toCase)) {
    const held = latest.get(c.studentId);
    if (!held || (c.closedAt ?? '') > (held.closedAt ?? '')) latest.set(c.studentId, c);
  }
  return latest;
}

/** Notes (day) or clears (null) a case's recovery. */
export async function setCaseRecovery(db: Db, id: string, recoveredOn: string | null, at: string): Promise<void> {
  await db.updateTable('cases').set({ recovered_on: recoveredOn, updated_at: at }).where('id', '=', id).execute();
}

/**
 * The one compare-and-set for a case's status: moves it to `change.status` (and sets owner, outcome,
 * closing time when given) only if it is still in one of the statuses the caller read. Two people
 * pressing buttons at once, or a button and a job, cannot overwrite each other: false on a clash.
 */
export async function changeCaseStatus(
  db: Db,
  id: string,
  from: readonly CaseStatus[],
  change: { status: CaseStatus; ownerId?: string | null; outcome?: CaseOutcome | null; closedAt?: string | null; updatedAt: string },
): Promise<boolean> {
  const result = await db
    .updateTable('cases')
    .set({
      status: change.status,
      updated_at: change.updatedAt,
      ...(change.ownerId !== undefined ? { owner_id: change.ownerId } : {}),
      ...(change.outcome !== undefined ? { outcome: change.outcome } : {}),
      ...(change.closedAt !== undefined ? { closed_at: change.closedAt } : {}),
    })
    .where('id', '=', id)
    .where('status', 'in', [...from])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Open cases that nobody has acknowledged: the candidates for escalation. */
/**
 * Open cases nobody has acknowledged, with when the tutor first had the alert in Teams (null while it has not
 * arrived): escalation counts from then, so a digest that waits for the morning does not shorten the tutor's time.
 */
export async function listUnacknowledgedCases(
  db: Db,
): Promise<Array<{ id: string; departmentId: string; studentId: string; openedAt: string; firstAlertedAt: string | null }>> {
  const rows = await db
    .selectFrom('cases')
    .select((eb) => [
      'id',
      'department_id',
      'student_id',
      'opened_at',
      eb
        .selectFrom('case_events')
        .select((e) => e.fn.min<string>('case_events.at').as('at'))
        .whereRef('case_events.case_id', '=', 'cases.id')
        .where('case_events.kind', '=', 'alerted')
        .as('first_alerted_at'),
    ])
    .where('status', '=', 'open')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    departmentId: r.department_id,
    studentId: r.student_id,
    openedAt: r.opened_at,
    firstAlertedAt: r.first_alerted_at ?? null,
  }));
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
): Promise<
  Array<{ id: string; status: CaseStatus; outcome: CaseOutcome | null; rules: RuleId[]; openedAt: string; firstStaffAt: string | null }>
> {
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
    status: CaseStatusSchema.parse(r.status),
    outcome: r.outcome === null ? null : CaseOutcomeSchema.parse(r.outcome),
    rules: RulesSchema.parse(JSON.parse(r.rules)),
    openedAt: r.opened_at,
    firstStaffAt: r.first_at ?? null,
  }));
}

/** Every case not yet closed, oldest first: what the case-care run looks at. */
export async function listActiveCases(db: Db): Promise<Array<{ id: string; studentId: string }>> {
  const rows = await db.selectFrom('cases').select(['id', 'student_id']).where('status', '<>', 'closed').orderBy('opened_at').execute();
  return rows.map((r) => ({ id: r.id, studentId: r.student_id }));
}

/**
 * When each of a department's cases was open: every case opened before `untilInstant` that was still
 * open at `sinceInstant` (not closed, or closed since). The overview's "flagged over time" is built
 * from these, so it has a history from the first case onward whether or not evaluations were kept.
 */
export async function listCaseSpans(
  db: Db,
  departmentId: string,
  sinceInstant: string,
  untilInstant: string,
): Promise<Array<{ studentId: string; openedAt: string; closedAt: string | null }>> {
  const rows = await db
    .selectFrom('cases')
    .select(['student_id', 'opened_at', 'closed_at'])
    .where('department_id', '=', departmentId)
    .where('opened_at', '<', untilInstant)
    .where((eb) => eb.or([eb('closed_at', 'is', null), eb('closed_at', '>=', sinceInstant)]))
    .orderBy('opened_at')
    .execute();
  return rows.map((r) => ({ studentId: r.student_id, openedAt: r.opened_at, closedAt: r.closed_at }));
}
