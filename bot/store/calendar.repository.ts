import type { Term } from '../../shared/calendar';
import type { Exemption } from '../../shared/rules/types';
import type { Db } from './database';
import { chunk, newId } from './ids';

export async function insertTerm(db: Db, term: Term): Promise<string> {
  const id = newId();
  await db.insertInto('terms').values({ id, name: term.name, start_day: term.start, end_day: term.end }).execute();
  if (term.excluded.length > 0) {
    await db
      .insertInto('term_exclusions')
      .values(term.excluded.map((x) => ({ term_id: id, start_day: x.start, end_day: x.end, label: x.label })))
      .execute();
  }
  return id;
}

export async function listTerms(db: Db): Promise<Term[]> {
  const terms = await db.selectFrom('terms').selectAll().orderBy('start_day').execute();
  const exclusions = await db.selectFrom('term_exclusions').selectAll().orderBy('start_day').execute();
  return terms.map((t) => ({
    name: t.name,
    start: t.start_day,
    end: t.end_day,
    excluded: exclusions.filter((x) => x.term_id === t.id).map((x) => ({ start: x.start_day, end: x.end_day, label: x.label })),
  }));
}

export async function insertExemptions(
  db: Db,
  exemptions: ReadonlyArray<Exemption & { setBy: string | null }>,
  now: string,
): Promise<void> {
  for (const batch of chunk(exemptions, 500)) {
    await db
      .insertInto('exemptions')
      .values(
        batch.map((e) => ({
          id: newId(),
          student_id: e.studentId,
          reason: e.reason,
          from_day: e.from,
          until_day: e.until,
          set_by: e.setBy,
          created_at: now,
        })),
      )
      .execute();
  }
}

export async function listDepartmentExemptions(db: Db, departmentId: string): Promise<Exemption[]> {
  const rows = await db
    .selectFrom('exemptions')
    .innerJoin('students', 'students.id', 'exemptions.student_id')
    .select(['exemptions.student_id', 'exemptions.reason', 'exemptions.from_day', 'exemptions.until_day'])
    .where('students.department_id', '=', departmentId)
    .execute();
  return rows.map((r) => ({ studentId: r.student_id, reason: r.reason, from: r.from_day, until: r.until_day }));
}

/** Replaces the whole term calendar at once: callers validate first, and run this in a transaction. */
export async function replaceTerms(db: Db, terms: readonly Term[]): Promise<void> {
  await db.deleteFrom('term_exclusions').execute();
  await db.deleteFrom('terms').execute();
  for (const term of terms) await insertTerm(db, term);
}
