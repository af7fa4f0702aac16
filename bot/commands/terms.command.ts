import { parseTerms, type Term } from '../../shared/calendar';
import type { Db } from '../store/database';
import { listTerms, replaceTerms } from '../store/calendar.repository';
import { writeAudit } from '../store/audit.repository';
import { AppError } from '../errors';

/**
 * Sets the institution's term calendar (shared by every department: the windows of the rules count
 * only its term days). Every problem in the file is reported together and nothing is changed then.
 */
export async function setTermCalendar(db: Db, raw: unknown, by: { actorId: string | null; now: string }): Promise<Term[]> {
  const parsed = parseTerms(raw);
  if (!parsed.ok) throw new AppError(400, 'bad_terms', `The term calendar was not changed: ${parsed.problems.join('; ')}`, parsed.problems);
  await db.transaction().execute(async (trx) => {
    await replaceTerms(trx, parsed.terms);
    await writeAudit(
      trx,
      {
        actorId: by.actorId,
        action: 'set_term_calendar',
        subjectKind: 'calendar',
        subjectId: null,
        detail: { terms: parsed.terms.map((t) => t.name) },
      },
      by.now,
    );
  });
  return listTerms(db);
}
