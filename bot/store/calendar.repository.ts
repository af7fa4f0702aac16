import type { Term } from '../../shared/calendar';
import type { Db } from './database';
import { newId } from './ids';

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

/** Replaces the whole term calendar at once: callers validate first, and run this in a transaction. */
export async function replaceTerms(db: Db, terms: readonly Term[]): Promise<void> {
  await db.deleteFrom('term_exclusions').execute();
  await db.deleteFrom('terms').execute();
  for (const term of terms) await insertTerm(db, term);
}
