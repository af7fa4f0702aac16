import { sql } from 'kysely';
import { redactActedUrgentMessages } from '../store/urgent-alert.repository';
import type { Logger } from 'pino';
import type { PrivacyConfig } from '../config';
import type { Db } from '../store/database';
import { writeAudit } from '../store/audit.repository';
import { countWhere, deleteInBatches, redactClosedCaseMessages } from '../store/privacy.repository';
import { eraseStudent } from './erase-student.command';

export interface RetentionDeps {
  db: Db;
  logger: Logger;
  now: () => Date;
  privacy: PrivacyConfig;
  /** Today in the university's zone (YYYY-MM-DD): the academic year counts are kept by. */
  today: () => string;
}

export const RETENTION_KINDS = [
  'student messages',
  'closed cases and timelines',
  'card deliveries',
  'daily counts',
  'import records',
  'students who left',
  'audit entries',
] as const;
export type RetentionKind = (typeof RETENTION_KINDS)[number];

export interface RetentionResult {
  kind: RetentionKind;
  /** The rule in words, as docs/privacy.md states it. */
  rule: string;
  /** Rows older than this (a day or an instant) are due. */
  cutoff: string;
  rows: number;
}

export interface RetentionSummary {
  dryRun: boolean;
  at: string;
  results: RetentionResult[];
}

const DAY_MS = 86_400_000;

/** The first day of the academic year `yearsBack` years before the one `today` falls in. */
export function academicYearStart(today: string, startMonth: number, yearsBack: number): string {
  const [year, month] = [Number(today.slice(0, 4)), Number(today.slice(5, 7))];
  const current = month >= startMonth ? year : year - 1;
  return `${current - yearsBack}-${String(startMonth).padStart(2, '0')}-01`;
}

/**
 * Deletes what has expired, kind by kind, in bounded batches; with `dryRun` only counts it.
 * Nothing an open case needs is touched: its student's counts, its timeline and the cards that show it.
 * A real run records what it removed (counts only) in the audit log.
 */
export async function applyRetention(deps: RetentionDeps, opts: { dryRun: boolean }): Promise<RetentionSummary> {
  const { db, privacy } = deps;
  const r = privacy.retention;
  const at = deps.now().toISOString();
  const before = (days: number) => new Date(deps.now().getTime() - days * DAY_MS).toISOString();
  const countsFrom = academicYearStart(deps.today(), privacy.academicYearStartMonth, r.countsAcademicYears - 1);
  const batch = r.batchSize;
  const results: RetentionResult[] = [];
  const run = async (kind: RetentionKind, rule: string, cutoff: string, work: () => Promise<number>) => {
    results.push({ kind, rule, cutoff, rows: await work() });
  };
  const purge = async (table: Parameters<typeof deleteInBatches>[1], where: ReturnType<typeof sql>) =>
    opts.dryRun ? countWhere(db, table, where) : deleteInBatches(db, table, where, batch);

  const messagesBefore = before(r.messagesDays);
  await run(
    'student messages',
    `text of students' messages, ${r.messagesDays} days after their case closed or their urgent message was acted on`,
    messagesBefore,
    async () =>
      (await redactClosedCaseMessages(db, messagesBefore, batch, opts.dryRun)) +
      (await redactActedUrgentMessages(db, messagesBefore, opts.dryRun)),
  );

  const casesBefore = before(r.closedCasesDays);
  const expiredCases = sql`select id from cases where status = 'closed' and closed_at < ${casesBefore}`;
  await run('closed cases and timelines', `cases ${r.closedCasesDays} days after closing, with their timelines`, casesBefore, async () => {
    if (opts.dryRun) return countWhere(db, 'cases', sql`status = 'closed' and closed_at < ${casesBefore}`);
    await deleteInBatches(db, 'case_events', sql`case_id in (${expiredCases})`, batch);
    await deleteInBatches(db, 'case_followups', sql`case_id in (${expiredCases})`, batch);
    await deleteInBatches(db, 'sent_card_cases', sql`case_id in (${expiredCases})`, batch);
    return deleteInBatches(db, 'cases', sql`status = 'closed' and closed_at < ${casesBefore}`, batch);
  });

  const deliveriesBefore = before(r.deliveriesDays);
  await run('card deliveries', `sent or failed card deliveries after ${r.deliveriesDays} days`, deliveriesBefore, async () => {
    const outbox = await purge('outbox', sql`status <> 'pending' and coalesce(sent_at, created_at) < ${deliveriesBefore}`);
    // A card still showing an open case stays, so its buttons keep working and its copies can be refreshed.
    const cards = await purge(
      'sent_cards',
      sql`updated_at < ${deliveriesBefore} and not exists (select 1 from sent_card_cases scc join cases c on c.id = scc.case_id where scc.sent_card_id = sent_cards.id and c.status <> 'closed')`,
    );
    return outbox + cards;
  });

  // A student with an open case keeps every count until the case closes: the case's reasons rest on them.
  const openCaseStudents = sql`select student_id from cases where status <> 'closed'`;
  await run(
    'daily counts',
    `daily counts before the academic year starting ${countsFrom} (current and previous ${r.countsAcademicYears} years kept)`,
    countsFrom,
    async () => {
      let n = 0;
      for (const table of ['activity_counts', 'import_counts', 'teams_attendance_sessions'] as const)
        n += await purge(table, sql`day < ${countsFrom} and student_id not in (${openCaseStudents})`);
      return n;
    },
  );

  const importsBefore = before(r.importsDays);
  await run('import records', `import records after ${r.importsDays} days, once the counts they brought have gone`, importsBefore, () =>
    purge(
      'imports',
      sql`status <> 'running' and coalesce(finished_at, started_at) < ${importsBefore} and (period_end is null or period_end < ${countsFrom}) and not exists (select 1 from import_counts ic where ic.import_id = imports.id)`,
    ),
  );

  const leftBefore = before(r.leftStudentsDays);
  await run(
    'students who left',
    `students withdrawn or not enrolled for ${r.leftStudentsDays} days, removed entirely`,
    leftBefore,
    async () => {
      const left = await db
        .selectFrom('students')
        .select('id')
        .where('status', 'in', ['withdrawn', 'not_enrolled'])
        .where('updated_at', '<', leftBefore)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(selectFrom('cases').select('id').whereRef('cases.student_id', '=', 'students.id').where('cases.status', '<>', 'closed')),
          ),
        )
        .limit(batch)
        .execute();
      if (!opts.dryRun) for (const s of left) await eraseStudent(db, s.id, { by: null, reason: 'retention: left the university', at });
      return left.length;
    },
  );

  const auditBefore = before(r.auditDays);
  await run('audit entries', `audit entries after ${r.auditDays} days`, auditBefore, () => purge('audit_log', sql`at < ${auditBefore}`));

  if (!opts.dryRun) {
    await writeAudit(
      db,
      {
        actorId: null,
        action: 'purged_expired_data',
        subjectKind: 'system',
        subjectId: null,
        detail: { removed: Object.fromEntries(results.map((x) => [x.kind, x.rows])) },
      },
      at,
    );
    deps.logger.info({ removed: Object.fromEntries(results.map((x) => [x.kind, x.rows])) }, 'retention: expired data removed');
  }
  return { dryRun: opts.dryRun, at, results };
}
