import { PostgresAdapter, sql, type RawBuilder } from 'kysely';
import { SOURCES, SourceSchema, type IsoDay, type Source } from '../../shared/domain';
import { addDays, utcMsToDay } from '../../shared/calendar';
import type { DailyCounts, SummarisedActivity } from '../../shared/rules/types';
import { selectArrays, type Db } from './database';
import { chunk } from './ids';

export interface ActivityCount {
  studentId: string;
  day: IsoDay;
  source: Source;
  count: number;
}

/** Writes counts, replacing any count already held for the same student, day and source. */
export async function upsertCounts(db: Db, counts: readonly ActivityCount[]): Promise<void> {
  for (const batch of chunk(counts, 1000)) {
    await db
      .insertInto('activity_counts')
      .values(batch.map((c) => ({ student_id: c.studentId, day: c.day, source: c.source, count: c.count })))
      .onConflict((oc) => oc.columns(['student_id', 'day', 'source']).doUpdateSet({ count: (eb) => eb.ref('excluded.count') }))
      .execute();
  }
}

/** Loads a department's counts between two days (inclusive), grouped by student then day. */
export async function loadDepartmentCounts(db: Db, departmentId: string, from: IsoDay, to: IsoDay): Promise<Map<string, DailyCounts>> {
  const rows = await db
    .selectFrom('activity_counts')
    .innerJoin('students', 'students.id', 'activity_counts.student_id')
    .select(['activity_counts.student_id', 'activity_counts.day', 'activity_counts.source', 'activity_counts.count'])
    .where('students.department_id', '=', departmentId)
    .where('activity_counts.day', '>=', from)
    .where('activity_counts.day', '<=', to)
    .execute();
  const out = new Map<string, Map<IsoDay, Partial<Record<Source, number>>>>();
  for (const row of rows) {
    const source = SourceSchema.parse(row.source);
    let byDay = out.get(row.student_id);
    if (!byDay) out.set(row.student_id, (byDay = new Map()));
    const day = byDay.get(row.day) ?? {};
    day[source] = row.count;
    byDay.set(row.day, day);
  }
  return out;
}

const SOURCE_INDEX = new Map<string, number>(SOURCES.map((s, i) => [s, i]));

/**
 * The same summary as summariseDepartmentActivity, summed from the daily rows: the way evaluation read
 * before migration 0020, kept as the reference the weekly reading is tested and benchmarked against.
 * One row per student and source comes back instead of one per day. `termDays` are the last term days before `today`, oldest first;
 * counts on vacation days inside that span never enter a window. `lastActive` looks back to `since`.
 */
export async function summariseDepartmentActivityByDay(
  db: Db,
  departmentId: string,
  opts: { termDays: readonly IsoDay[]; windows: readonly number[]; since: IsoDay; today: IsoDay },
): Promise<SummarisedActivity> {
  const { termDays, windows, since, today } = opts;
  const first = termDays[0];
  const termSet = new Set(termDays);
  // Runs of vacation days inside the span: each lies wholly before or wholly after a window's first
  // (term) day, so a window is its plain day range minus the runs after its start, each summed once.
  const runs: Array<{ start: IsoDay; end: IsoDay }> = [];
  if (first !== undefined) {
    for (let day = first; day < today; day = addDays(day, 1)) {
      if (termSet.has(day)) continue;
      const last = runs[runs.length - 1];
      if (last && addDays(last.end, 1) === day) last.end = day;
      else runs.push({ start: day, end: day });
    }
  }
  // PostgreSQL compares text by locale unless told otherwise; days are ASCII, so byte order is right and far cheaper.
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const bytes = isPostgres ? sql` collate "C"` : sql``;
  const starts = windows.map((n) => termDays[Math.max(0, termDays.length - n)]);
  // PostgreSQL sums integers as bigint, which node-postgres hands over as text; an int (no count sum
  // comes near two billion) arrives as a number and costs the client noticeably less across 150,000 rows.
  const total = (expr: RawBuilder<unknown>) => (isPostgres ? sql`cast(${expr} as integer)` : expr);
  const columns = [
    ...starts.map((start, w) =>
      start === undefined
        ? sql`0 as ${sql.ref(`w${w}`)}`
        : sql`${total(sql`sum(case when ac.day >= ${start}${bytes} then ac.count else 0 end)`)} as ${sql.ref(`w${w}`)}`,
    ),
    ...runs.map(
      (run, k) =>
        sql`${total(sql`sum(case when ac.day >= ${run.start}${bytes} and ac.day <= ${run.end}${bytes} then ac.count else 0 end)`)} as ${sql.ref(`v${k}`)}`,
    ),
  ];
  // SQLite would otherwise pick the primary key for the day range and sort 3 million rows to group them;
  // the covering index (migration 0003) hands them over already grouped, and naming the sources lets it
  // seek straight to each student's and source's days in range instead of reading their whole history.
  const from = isPostgres
    ? sql.raw('activity_counts as ac')
    : sql.raw('activity_counts as ac indexed by activity_counts_student_source_idx');
  const query = async (q: Db) =>
    (
      await sql<{ student_id: string; source: string; last_day: string } & Record<string, number>>`
        select ac.student_id, ac.source, max(ac.day${bytes}) as last_day, ${sql.join(columns)}
        from ${from}
        where ac.student_id in (select id from students where department_id = ${departmentId})
          and ac.source in (${sql.join([...SOURCES])})
          and ac.day >= ${since}${bytes} and ac.day < ${today}${bytes} and ac.count > 0
        group by ac.student_id, ac.source`.execute(q)
    ).rows;
  // The query is simple and runs once: compiling it with PostgreSQL's JIT costs more than it saves.
  // Its hash of one group per student and source (about 45 MB for 30,000 students) spilled to disk
  // under the default 4 MB work_mem, and the spill plus the external sort that merged the parallel
  // workers' partial groups more than doubled the time; this one query may hold that much in memory.
  const tuned = async (q: Db) => {
    await sql`set local jit = off`.execute(q);
    await sql`set local work_mem = '64MB'`.execute(q);
    return query(q);
  };
  const rows = !isPostgres ? await query(db) : db.isTransaction ? await tuned(db) : await db.transaction().execute(tuned);

  const studentRows = new Map<string, number>();
  for (const r of rows) if (!studentRows.has(r.student_id)) studentRows.set(r.student_id, studentRows.size);
  const stride = windows.length;
  const sums = new Float64Array(studentRows.size * SOURCES.length * stride);
  const lastActive: Array<IsoDay | null> = new Array<IsoDay | null>(studentRows.size * SOURCES.length).fill(null);
  const subtract = starts.map((start) => runs.flatMap((run, k) => (start !== undefined && run.start > start ? [`v${k}`] : [])));
  const keys = windows.map((_, w) => `w${w}`);
  for (const r of rows) {
    const s = SOURCE_INDEX.get(r.source);
    if (s === undefined) continue;
    const at = (studentRows.get(r.student_id) as number) * SOURCES.length + s;
    lastActive[at] = r.last_day;
    for (let w = 0; w < stride; w++) {
      let total = Number(r[keys[w] as string] ?? 0);
      for (const key of subtract[w] ?? []) total -= Number(r[key] ?? 0);
      sums[at * stride + w] = total;
    }
  }
  return { windows, since, rows: studentRows, sums, lastActive };
}

const dayNumber = (day: IsoDay): number => Math.round(Date.parse(`${day}T00:00:00Z`) / 86_400_000);
/** A day's place in its week, Monday 0 (1970-01-01, day 0, was a Thursday). */
const dayIndex = (day: IsoDay): number => (dayNumber(day) + 3) % 7;
/** The Monday of a day's week as activity_weeks.week holds it: days since 1970-01-01. */
export const weekOf = (day: IsoDay): number => dayNumber(day) - dayIndex(day);

/**
 * A department's activity summed per window by the database, in the shape the rules read, from
 * activity_weeks (one row per student, source and calendar week, with each day's count; kept by
 * triggers, migration 0020): a quarter to a seventh of the rows the daily table holds for the same
 * span. Each window is exactly its term days: a week wholly inside it adds all seven days, a week at
 * its edge or holding vacation days adds only its term days. `termDays` are the last term days before
 * `today`, oldest first; `lastActive` looks back to `since`. One row per student and source comes back.
 */
export async function summariseDepartmentActivity(
  db: Db,
  departmentId: string,
  opts: { termDays: readonly IsoDay[]; windows: readonly number[]; since: IsoDay; today: IsoDay },
): Promise<SummarisedActivity> {
  const { termDays, windows, since, today } = opts;
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const total = (expr: RawBuilder<unknown>) => (isPostgres ? sql`cast(${expr} as integer)` : expr);
  const daysOf = (idx: readonly number[]) =>
    idx.length === 7
      ? sql.raw('(aw.d0 + aw.d1 + aw.d2 + aw.d3 + aw.d4 + aw.d5 + aw.d6)')
      : sql.raw(`(${idx.map((i) => `aw.d${i}`).join(' + ')})`);
  /** Groups days by week: week -> the days' places in it, Monday 0. */
  const byWeek = (days: readonly IsoDay[]) => {
    const out = new Map<number, number[]>();
    for (const day of days) {
      const week = weekOf(day);
      const list = out.get(week) ?? [];
      list.push(dayIndex(day));
      out.set(week, list);
    }
    return out;
  };
  // Disjoint buckets, shortest window first: bucket k holds the term days of the k-th shortest window
  // that no shorter one holds, and each window is the sum of its bucket and the shorter ones (added up
  // below). A row then adds its days into one or two buckets instead of into every window holding them:
  // SQLite's read took about a fifth less CPU (docs/benchmarks.md, "evaluation, fourth pass").
  const order = windows.map((_, w) => w).sort((a, b) => (windows[a] as number) - (windows[b] as number));
  const bucketColumns = order.map((w, k) => {
    const n = Math.max(0, windows[w] as number);
    const shorter = k > 0 ? Math.max(0, windows[order[k - 1] as number] as number) : 0;
    const weeks = byWeek(termDays.slice(Math.max(0, termDays.length - n), Math.max(0, termDays.length - shorter)));
    if (weeks.size === 0) return sql`0 as ${sql.ref(`b${k}`)}`;
    const arms = [...weeks].map(([week, idx]) => sql`when ${week} then ${daysOf(idx)}`);
    return sql`${total(sql`sum(case aw.week ${sql.join(arms, sql` `)} else 0 end)`)} as ${sql.ref(`b${k}`)}`;
  });
  // The latest day with a count in [since, today), as its week's day number plus its place in it.
  const lastIn = (idx: readonly number[]) =>
    sql.raw(
      `case ${[...idx]
        .sort((a, b) => b - a)
        .map((i) => `when aw.d${i} > 0 then ${i}`)
        .join(' ')} end`,
    );
  const firstWeek = weekOf(since);
  const yesterday = addDays(today, -1);
  const lastWeek = weekOf(yesterday);
  const all = [0, 1, 2, 3, 4, 5, 6];
  const edges = new Map<number, number[]>();
  edges.set(
    firstWeek,
    all.filter((i) => i >= dayIndex(since)),
  );
  edges.set(
    lastWeek,
    (edges.get(lastWeek) ?? all).filter((i) => i <= dayIndex(yesterday)),
  );
  // Weeks written as literals: the same expression in the select list and in \`having\` is then one aggregate.
  const lastDay = sql`aw.week + case aw.week ${sql.join(
    [...edges].map(([week, idx]) => sql`when ${sql.lit(week)} then ${idx.length > 0 ? lastIn(idx) : sql`null`}`),
    sql` `,
  )} else ${lastIn(all)} end`;
  // One array per student and source: [student, source, last day, bucket sums...] (no object per row).
  // `part` takes one of `parts` disjoint sets of the department's students (by a hash of their id).
  const query = (q: Db, part: number, parts: number) =>
    selectArrays<[string, string, number, ...number[]]>(
      q,
      sql`select aw.student_id, aw.source, max(${lastDay}) as last_day, ${sql.join(bucketColumns)}
          from activity_weeks as aw
          where aw.student_id in (select id from students where department_id = ${departmentId}
            ${parts > 1 ? sql`and hashtext(id) & ${parts - 1} = ${part}` : sql``})
            and aw.source in (${sql.join([...SOURCES])})
            and aw.week >= ${firstWeek} and aw.week <= ${lastWeek}
          group by aw.student_id, aw.source
          having max(${lastDay}) is not null`,
    );
  // As for the daily reading: no JIT for one simple query, and room to group in memory. Outside a
  // transaction PostgreSQL sums two halves of the students at once, on two connections, each without
  // a parallel plan: each half's groups are whole, so nothing is merged afterwards (a parallel plan
  // merged a third of a million partial groups). Inside a caller's transaction, one query. SQLite
  // reads in one piece (a second connection on a worker thread was slower on the shared two-core
  // machine: docs/benchmarks.md, 2026-12-07 "evaluation reads").
  const tuned = (part: number, parts: number) => async (q: Db) => {
    await sql`set local jit = off`.execute(q);
    await sql`set local max_parallel_workers_per_gather = 0`.execute(q);
    await sql`set local work_mem = '64MB'`.execute(q);
    return query(q, part, parts);
  };
  const rows =
    !since || since >= today
      ? []
      : !isPostgres
        ? await query(db, 0, 1)
        : db.isTransaction
          ? await tuned(0, 1)(db)
          : (await Promise.all([0, 1].map((part) => db.transaction().execute(tuned(part, 2))))).flat();

  // Rows come grouped by student (SQLite reads them in key order), so a student's index is looked up once.
  const studentRows = new Map<string, number>();
  const rowStudent = new Int32Array(rows.length);
  let previous: string | undefined;
  let index = -1;
  rows.forEach((r, i) => {
    if (r[0] !== previous) {
      previous = r[0];
      index = studentRows.get(previous) ?? -1;
      if (index < 0) studentRows.set(previous, (index = studentRows.size));
    }
    rowStudent[i] = index;
  });
  const stride = windows.length;
  const sums = new Float64Array(studentRows.size * SOURCES.length * stride);
  const lastActive: Array<IsoDay | null> = new Array<IsoDay | null>(studentRows.size * SOURCES.length).fill(null);
  // A few dozen distinct last days among a hundred thousand rows: each is written out once.
  const days = new Map<number, IsoDay>();
  rows.forEach((r, i) => {
    const s = SOURCE_INDEX.get(r[1]);
    if (s === undefined) return;
    const at = (rowStudent[i] as number) * SOURCES.length + s;
    const dayNo = Number(r[2]);
    let last = days.get(dayNo);
    if (last === undefined) days.set(dayNo, (last = utcMsToDay(dayNo * 86_400_000)));
    lastActive[at] = last;
    let sum = 0;
    for (let k = 0; k < stride; k++) sums[at * stride + (order[k] as number)] = sum += Number(r[3 + k]);
  });
  return { windows, since, rows: studentRows, sums, lastActive };
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
