import { sql, type RawBuilder } from 'kysely';
import { isPostgres, type Db } from './database';
import type { Database } from './schema';

/**
 * Retention and erasure reach across tables by design (one rule, "what has expired", or one person,
 * "everything about this student"), so their SQL lives here rather than in each table's repository.
 */

type TableName = keyof Database & string;

/**
 * The tables of this database with their columns; on PostgreSQL only those of the connection's own schema. Only that
 * schema's catalog is read: introspecting every schema on the server reads neighbours' tables too, and fails when a
 * neighbour drops its schema meanwhile.
 */
async function ownTables(db: Db): Promise<Array<{ name: string; columns: Array<{ name: string; dataType: string }> }>> {
  if (!isPostgres(db)) return db.introspection.getTables();
  const { rows } = await sql<{ table_name: string; column_name: string; data_type: string }>`
    select c.table_name, c.column_name, c.data_type from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = current_schema() and t.table_type = 'BASE TABLE'
    order by c.table_name, c.ordinal_position`.execute(db);
  const tables = new Map<string, Array<{ name: string; dataType: string }>>();
  for (const r of rows) tables.set(r.table_name, [...(tables.get(r.table_name) ?? []), { name: r.column_name, dataType: r.data_type }]);
  return [...tables].map(([name, columns]) => ({ name, columns }));
}

/** Counts the rows a condition selects. */
export async function countWhere(db: Db, table: TableName, where: RawBuilder<unknown>): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)} where ${where}`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Deletes the rows a condition selects in batches of `batchSize`, each its own statement, so a large
 * purge never holds one long lock or one huge transaction. Rows are addressed by SQLite's rowid or
 * PostgreSQL's ctid, so tables without a single-column key are batched the same way.
 */
export async function deleteInBatches(db: Db, table: TableName, where: RawBuilder<unknown>, batchSize: number): Promise<number> {
  const t = sql.table(table);
  let total = 0;
  for (;;) {
    const result = isPostgres(db)
      ? await sql`delete from ${t} where ctid = any(array(select ctid from ${t} where ${where} limit ${batchSize}))`.execute(db)
      : await sql`delete from ${t} where rowid in (select rowid from ${t} where ${where} limit ${batchSize})`.execute(db);
    const n = Number(result.numAffectedRows ?? 0);
    total += n;
    if (n < batchSize) return total;
  }
}

/** Clears the text of student messages on the timelines of cases closed before `closedBefore`, in batches. */
export async function redactClosedCaseMessages(db: Db, closedBefore: string, batchSize: number, dryRun: boolean): Promise<number> {
  const where = sql`kind in ('student_message', 'student_replied') and (note is not null or data <> '{}') and case_id in (select id from cases where status = 'closed' and closed_at < ${closedBefore})`;
  if (dryRun) return countWhere(db, 'case_events', where);
  let total = 0;
  for (;;) {
    const ids = await db
      .selectFrom('case_events')
      .select('id')
      .where(() => where.$castTo<boolean>())
      .limit(batchSize)
      .execute();
    if (ids.length === 0) return total;
    await db
      .updateTable('case_events')
      .set({ note: null, data: '{}' })
      .where(
        'id',
        'in',
        ids.map((r) => r.id),
      )
      .execute();
    total += ids.length;
  }
}

/** Every table and the columns that hold a student's id directly, read from the live schema (so a new table is never missed). */
export async function listStudentKeyedTables(db: Db): Promise<Array<{ table: TableName; column: string }>> {
  const tables = await ownTables(db);
  return tables.flatMap((t) =>
    t.columns
      .filter((c) => c.name === 'student_id' || c.name === 'recipient_student_id')
      .map((c) => ({ table: t.name as TableName, column: c.name })),
  );
}

/** Keys, days, instants and codes: columns that name one thing and never carry another record's id inside. */
const NOT_FREE_TEXT = /(^id$|_id$|^day$|_day$|_at$|_until$|_on$|^source$|^status$|^kind$|^role$|^action$)/;

/** Every table's free-text and JSON columns in the live schema: where a student's id can be written inside another record. */
export async function listTextColumns(db: Db): Promise<Array<{ table: TableName; column: string }>> {
  const tables = await ownTables(db);
  return tables
    .filter((t) => !t.name.startsWith('kysely_'))
    .flatMap((t) =>
      t.columns
        .filter((c) => (/text|char|json/i.test(c.dataType) || c.dataType === '') && !NOT_FREE_TEXT.test(c.name))
        .map((c) => ({ table: t.name as TableName, column: c.name })),
    );
}

/** Records or lifts an upheld objection to monitoring. */
export async function setMonitoringObjection(
  db: Db,
  studentId: string,
  objection: { reason: string } | null,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('students')
    .set({
      monitoring_objection_at: objection ? at : null,
      monitoring_objection_reason: objection?.reason ?? null,
      updated_at: at,
    })
    .where('id', '=', studentId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Everything stored about one student, as rows: the raw material of a subject access report. */
export async function readStudentRecords(db: Db, studentId: string) {
  const student = await db.selectFrom('students').selectAll().where('id', '=', studentId).executeTakeFirst();
  if (!student) return undefined;
  const quoted = JSON.stringify(studentId);
  const [department, tutor, identities, exemptions, counts, cases, events, deliveries, disclosures, views, conversations] =
    await Promise.all([
      db.selectFrom('departments').select(['id', 'name']).where('id', '=', student.department_id).executeTakeFirst(),
      student.tutor_id
        ? db.selectFrom('staff').select(['id', 'display_name']).where('id', '=', student.tutor_id).executeTakeFirst()
        : Promise.resolve(undefined),
      db.selectFrom('identities').select(['source_system', 'external_key']).where('student_id', '=', studentId).execute(),
      db.selectFrom('exemptions').selectAll().where('student_id', '=', studentId).orderBy('from_day').execute(),
      db
        .selectFrom('activity_counts')
        .select(['day', 'source', 'count'])
        .where('student_id', '=', studentId)
        .orderBy('day')
        .orderBy('source')
        .execute(),
      db.selectFrom('cases').selectAll().where('student_id', '=', studentId).orderBy('opened_at').execute(),
      db
        .selectFrom('case_events')
        .innerJoin('cases', 'cases.id', 'case_events.case_id')
        .leftJoin('staff', 'staff.id', 'case_events.actor_id')
        .select([
          'case_events.case_id',
          'case_events.at',
          'case_events.kind',
          'case_events.actor_kind',
          'staff.display_name as actor_name',
          'case_events.note',
          'case_events.data',
        ])
        .where('cases.student_id', '=', studentId)
        .orderBy('case_events.at')
        .execute(),
      db
        .selectFrom('outbox')
        .select(['kind', 'status', 'created_at', 'sent_at'])
        .where('recipient_student_id', '=', studentId)
        .orderBy('created_at')
        .execute(),
      db
        .selectFrom('sent_card_cases')
        .innerJoin('sent_cards', 'sent_cards.id', 'sent_card_cases.sent_card_id')
        .innerJoin('cases', 'cases.id', 'sent_card_cases.case_id')
        .leftJoin('staff', 'staff.id', 'sent_cards.recipient_staff_id')
        .select(['sent_cards.kind', 'sent_cards.created_at', 'staff.display_name as recipient_name'])
        .where('cases.student_id', '=', studentId)
        .orderBy('sent_cards.created_at')
        .execute(),
      db
        .selectFrom('audit_log')
        .leftJoin('staff', 'staff.id', 'audit_log.actor_id')
        .select(['audit_log.at', 'audit_log.action', 'audit_log.actor_id', 'staff.display_name as actor_name'])
        .where((eb) => eb.or([eb('audit_log.subject_id', '=', studentId), eb('audit_log.detail', 'like', `%${quoted}%`)]))
        .orderBy('audit_log.at')
        .execute(),
      db.selectFrom('conversations').select(['updated_at']).where('student_id', '=', studentId).execute(),
    ]);
  const actorIds = [...new Set(views.map((v) => v.actor_id).filter((id): id is string => id !== null))];
  const roles =
    actorIds.length === 0
      ? []
      : await db.selectFrom('staff_roles').select(['staff_id', 'role']).where('staff_id', 'in', actorIds).execute();
  return {
    student,
    department,
    tutor,
    identities,
    exemptions,
    counts,
    cases,
    events,
    deliveries,
    disclosures,
    views,
    roles,
    conversations,
  };
}
