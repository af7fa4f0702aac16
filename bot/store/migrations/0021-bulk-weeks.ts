import { PostgresAdapter, sql, type Kysely } from 'kysely';
import { sqliteApply } from './0020-activity-weeks';

// SQLite's triggers of migration 0020 run once per changed row, and an import changes tens of thousands of
// rows in one transaction. An import instead keeps the weekly rows itself, in a few grouped statements
// (bot/store/activity-weeks.repository.ts): while its transaction holds a row in activity_weeks_bulk, the
// row triggers stand aside. The row is written and removed inside that one transaction, so no other
// connection ever sees it, and a transaction that dies takes it with it. SQLite runs one writer at a time,
// so nothing else can change the counts while the import recomputes its weeks. PostgreSQL keeps its
// statement triggers for the weeks (one grouped statement per changing statement already, and additive,
// so concurrent writers stay exact).
//
// On PostgreSQL a foreign key is checked row by row: for an import of 90,000 counts the three keys of
// activity_counts and import_counts (students, imports) cost about as much as the writes themselves
// (EXPLAIN ANALYZE: 1.4 of 3.1 s). They become statement triggers doing what the keys did, once per
// statement: the students and imports the new rows name are locked FOR KEY SHARE, as a key check locks
// them (no one deletes them or changes their id until this transaction ends), and a row naming one that
// does not exist fails with foreign_key_violation (23503), the keys' own error. Deleting a student or an
// import deletes their rows, as ON DELETE CASCADE did (a delete waits for those locks, then its own
// statement sees every committed row), and an id change of a referenced student or import is refused.
// SQLite's keys cost little and stay.
const NAMES = ['insert', 'update', 'delete'] as const;
const KEYS = [
  ['activity_counts', 'student_id', 'students'],
  ['import_counts', 'student_id', 'students'],
  ['import_counts', 'import_id', 'imports'],
] as const;

/** One key's check from a statement's new rows: lock what they name, then refuse a name that is not there. */
const checkKey = (table: string, column: string, parent: string) => `
      perform 1 from ${parent} p where p.id in (select ${column} from new_rows) order by p.id for key share;
      select n.${column} into missing from new_rows n where not exists (select 1 from ${parent} p where p.id = n.${column}) limit 1;
      if found then
        raise exception 'insert or update on table "${table}" violates foreign key constraint "${table}_${column}_fkey"'
          using errcode = 'foreign_key_violation', detail = format('Key (${column})=(%s) is not present in table "${parent}".', missing);
      end if;`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function replaceKeys(db: Kysely<any>): Promise<void> {
  for (const [table, column] of KEYS) await sql.raw(`alter table ${table} drop constraint ${table}_${column}_fkey`).execute(db);
  for (const table of ['activity_counts', 'import_counts']) {
    const checks = KEYS.filter(([t]) => t === table)
      .map(([t, c, p]) => checkKey(t, c, p))
      .join('');
    await sql
      .raw(
        `create function ${table}_keys() returns trigger language plpgsql as $fn$ declare missing text; begin ${checks}
      return null; end $fn$`,
      )
      .execute(db);
    for (const event of ['insert', 'update'])
      await sql
        .raw(
          `create trigger ${table}_keys_${event} after ${event} on ${table} referencing new table as new_rows
            for each statement execute function ${table}_keys()`,
        )
        .execute(db);
  }
  for (const parent of ['students', 'imports']) {
    const children = KEYS.filter(([, , p]) => p === parent);
    const deletes = children.map(([t, c]) => `delete from ${t} where ${c} in (select id from old_rows);`).join('\n      ');
    const used = children.map(([t, c]) => `exists (select 1 from ${t} where ${c} = old.id)`).join(' or ');
    await sql
      .raw(`create function ${parent}_cascade() returns trigger language plpgsql as $fn$ begin ${deletes} return null; end $fn$`)
      .execute(db);
    await sql
      .raw(
        `create trigger ${parent}_cascade after delete on ${parent} referencing old table as old_rows
          for each statement execute function ${parent}_cascade()`,
      )
      .execute(db);
    await sql
      .raw(
        `create function ${parent}_keep_id() returns trigger language plpgsql as $fn$ begin
        if ${used} then
          raise exception 'update on table "${parent}" changes an id that counts still name' using errcode = 'foreign_key_violation';
        end if;
        return new; end $fn$`,
      )
      .execute(db);
    await sql
      .raw(
        `create trigger ${parent}_keep_id before update of id on ${parent} for each row when (old.id is distinct from new.id)
          execute function ${parent}_keep_id()`,
      )
      .execute(db);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function restoreKeys(db: Kysely<any>): Promise<void> {
  for (const table of ['activity_counts', 'import_counts']) {
    for (const event of ['insert', 'update']) await sql.raw(`drop trigger if exists ${table}_keys_${event} on ${table}`).execute(db);
    await sql.raw(`drop function if exists ${table}_keys()`).execute(db);
  }
  for (const parent of ['students', 'imports']) {
    await sql.raw(`drop trigger if exists ${parent}_cascade on ${parent}`).execute(db);
    await sql.raw(`drop trigger if exists ${parent}_keep_id on ${parent}`).execute(db);
    await sql.raw(`drop function if exists ${parent}_cascade()`).execute(db);
    await sql.raw(`drop function if exists ${parent}_keep_id()`).execute(db);
  }
  for (const [table, column, parent] of KEYS)
    await sql
      .raw(
        `alter table ${table} add constraint ${table}_${column}_fkey foreign key (${column}) references ${parent} (id) on delete cascade`,
      )
      .execute(db);
}
const GUARD = 'when not exists (select 1 from activity_weeks_bulk)';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return replaceKeys(db);
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
  if (db.getExecutor().adapter instanceof PostgresAdapter) return restoreKeys(db);
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
