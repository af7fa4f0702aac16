import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Evaluation reads a student's counts one calendar week per row instead of one day per row: a row per
// student, source and week holding the seven days' counts, Monday first. The week is its Monday as a
// day number (days since 1970-01-01), so evaluation compares and adds integers, not text. Only
// counts above zero enter (what evaluation sums). Triggers on activity_counts keep it exact whatever
// writes the counts (imports, their replacement and supersession, Graph collection, retention,
// erasure, cascades): each change adds its new count and takes its old one back out, and a week whose
// seven days are all zero is removed, so an erased student leaves nothing behind.
const DAYS = [0, 1, 2, 3, 4, 5, 6] as const;
const cols = (f: (i: number) => string) => DAYS.map(f).join(', ');

/** SQLite: a day's number, its place in its week (1970-01-01 was a Thursday, Monday is 0), and its week's Monday. */
const sqliteNumber = (day: string) => `cast(julianday(${day}) - 2440587.5 as integer)`;
const sqliteIdx = (day: string) => `((${sqliteNumber(day)} + 3) % 7)`;
const sqliteWeek = (day: string) => `(${sqliteNumber(day)} - ${sqliteIdx(day)})`;

/** The statement a SQLite trigger runs to add (sign 1) or take out (sign -1) one count row. */
export function sqliteApply(row: 'new' | 'old', sign: 1 | -1): string {
  const upsert = `insert into activity_weeks (student_id, source, week, ${cols((i) => `d${i}`)})
    select ${row}.student_id, ${row}.source, x.week, ${cols((i) => `case when x.i = ${i} then x.c else 0 end`)}
    from (select ${sqliteWeek(`${row}.day`)} as week, ${sqliteIdx(`${row}.day`)} as i, ${sign} * max(${row}.count, 0) as c) as x
    where x.c <> 0
    on conflict (student_id, source, week) do update set ${cols((i) => `d${i} = d${i} + excluded.d${i}`)};`;
  if (sign === 1) return upsert;
  return `${upsert}
    delete from activity_weeks where student_id = old.student_id and source = old.source and week = ${sqliteWeek('old.day')}
      and ${DAYS.map((i) => `d${i} = 0`).join(' and ')};`;
}

const pgNumber = (day: string) => `(cast(${day} as date) - date '1970-01-01')`;
const pgIdx = (day: string) => `((${pgNumber(day)} + 3) % 7)`;
const pgWeek = (day: string) => `(${pgNumber(day)} - ${pgIdx(day)})`;

/** PostgreSQL: one statement per changing statement, from its transition tables. */
function pgApply(parts: string): string {
  return `insert into activity_weeks (student_id, source, week, ${cols((i) => `d${i}`)})
      select student_id, source, ${pgWeek('day')}, ${cols((i) => `coalesce(sum(c) filter (where ${pgIdx('day')} = ${i}), 0)`)}
      from (${parts}) as changes where c <> 0
      group by student_id, source, ${pgWeek('day')}
      on conflict (student_id, source, week) do update set ${cols((i) => `d${i} = activity_weeks.d${i} + excluded.d${i}`)};`;
}
const pgRemoveEmpty = `delete from activity_weeks w using (select distinct student_id, source, ${pgWeek('day')} as week from old_rows) k
      where w.student_id = k.student_id and w.source = k.source and w.week = k.week and ${DAYS.map((i) => `w.d${i} = 0`).join(' and ')};`;
const pgAdd = 'select student_id, source, day, greatest(count, 0) as c from new_rows';
const pgTakeOut = 'select student_id, source, day, -greatest(count, 0) as c from old_rows';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('activity_weeks')
    .addColumn('student_id', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('week', 'integer', (c) => c.notNull())
    .$call((t) => DAYS.reduce((acc, i) => acc.addColumn(`d${i}`, 'integer', (c) => c.notNull().defaultTo(0)), t))
    .addPrimaryKeyConstraint('activity_weeks_pk', ['student_id', 'source', 'week'])
    .$call((t) => (postgres ? t : t.modifyEnd(sql`without rowid`)))
    .execute();

  if (postgres) {
    await sql
      .raw(
        `create function activity_weeks_apply() returns trigger language plpgsql as $fn$
    begin
      if tg_op = 'INSERT' then
        ${pgApply(pgAdd)}
      elsif tg_op = 'UPDATE' then
        ${pgApply(`${pgAdd} union all ${pgTakeOut}`)}
        ${pgRemoveEmpty}
      else
        ${pgApply(pgTakeOut)}
        ${pgRemoveEmpty}
      end if;
      return null;
    end $fn$`,
      )
      .execute(db);
    await sql
      .raw(
        `create trigger activity_weeks_insert after insert on activity_counts referencing new table as new_rows
          for each statement execute function activity_weeks_apply()`,
      )
      .execute(db);
    await sql
      .raw(
        `create trigger activity_weeks_update after update on activity_counts referencing old table as old_rows new table as new_rows
          for each statement execute function activity_weeks_apply()`,
      )
      .execute(db);
    await sql
      .raw(
        `create trigger activity_weeks_delete after delete on activity_counts referencing old table as old_rows
          for each statement execute function activity_weeks_apply()`,
      )
      .execute(db);
    await sql
      .raw(
        `insert into activity_weeks (student_id, source, week, ${cols((i) => `d${i}`)})
        select student_id, source, ${pgWeek('day')}, ${cols((i) => `coalesce(sum(count) filter (where ${pgIdx('day')} = ${i}), 0)`)}
        from activity_counts where count > 0 group by student_id, source, ${pgWeek('day')}`,
      )
      .execute(db);
    return;
  }
  await sql.raw(`create trigger activity_weeks_insert after insert on activity_counts begin ${sqliteApply('new', 1)} end`).execute(db);
  await sql
    .raw(
      `create trigger activity_weeks_update after update on activity_counts begin ${sqliteApply('old', -1)} ${sqliteApply('new', 1)} end`,
    )
    .execute(db);
  await sql.raw(`create trigger activity_weeks_delete after delete on activity_counts begin ${sqliteApply('old', -1)} end`).execute(db);
  await sql
    .raw(
      `insert into activity_weeks (student_id, source, week, ${cols((i) => `d${i}`)})
      select student_id, source, ${sqliteWeek('day')}, ${cols((i) => `sum(case when ${sqliteIdx('day')} = ${i} then count else 0 end)`)}
      from activity_counts where count > 0 group by student_id, source, ${sqliteWeek('day')}`,
    )
    .execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  for (const name of ['activity_weeks_insert', 'activity_weeks_update', 'activity_weeks_delete'])
    await sql.raw(postgres ? `drop trigger if exists ${name} on activity_counts` : `drop trigger if exists ${name}`).execute(db);
  if (postgres) await sql.raw('drop function if exists activity_weeks_apply()').execute(db);
  await db.schema.dropTable('activity_weeks').ifExists().execute();
}
