import { PostgresAdapter, sql, type Kysely } from 'kysely';
import { sqliteApply } from './0020-activity-weeks';

// SQLite's triggers of migration 0020 run once per changed row, and an import changes tens of thousands of
// rows in one transaction. An import instead keeps the weekly rows itself, in a few grouped statements
// (bot/store/activity-weeks.repository.ts): while its transaction holds a row in activity_weeks_bulk, the
// row triggers stand aside. The row is written and removed inside that one transaction, so no other
// connection ever sees it, and a transaction that dies takes it with it. SQLite runs one writer at a time,
// so nothing else can change the counts while the import recomputes its weeks. PostgreSQL keeps its
// statement triggers (one grouped statement per changing statement already, and additive, so concurrent
// writers stay exact): this migration changes nothing there.
const NAMES = ['insert', 'update', 'delete'] as const;
const GUARD = 'when not exists (select 1 from activity_weeks_bulk)';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return;
  await db.schema
    .createTable('activity_weeks_bulk')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .execute();
  for (const name of NAMES) await sql.raw(`drop trigger if exists activity_weeks_${name}`).execute(db);
  await sql
    .raw(`create trigger activity_weeks_insert after insert on activity_counts ${GUARD} begin ${sqliteApply('new', 1)} end`)
    .execute(db);
  await sql
    .raw(
      `create trigger activity_weeks_update after update on activity_counts ${GUARD} begin ${sqliteApply('old', -1)} ${sqliteApply('new', 1)} end`,
    )
    .execute(db);
  await sql
    .raw(`create trigger activity_weeks_delete after delete on activity_counts ${GUARD} begin ${sqliteApply('old', -1)} end`)
    .execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return;
  for (const name of NAMES) await sql.raw(`drop trigger if exists activity_weeks_${name}`).execute(db);
  await sql.raw(`create trigger activity_weeks_insert after insert on activity_counts begin ${sqliteApply('new', 1)} end`).execute(db);
  await sql
    .raw(
      `create trigger activity_weeks_update after update on activity_counts begin ${sqliteApply('old', -1)} ${sqliteApply('new', 1)} end`,
    )
    .execute(db);
  await sql.raw(`create trigger activity_weeks_delete after delete on activity_counts begin ${sqliteApply('old', -1)} end`).execute(db);
  await db.schema.dropTable('activity_weeks_bulk').ifExists().execute();
}
