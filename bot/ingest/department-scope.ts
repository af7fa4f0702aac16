import type { IsoDay, Source } from '../../shared/domain';
import type { Db } from '../store/database';
import { findStudentsOutsideDepartment } from '../store/student.repository';

/** The part of an import's resolved counts this check narrows. */
export interface ScopedCounts {
  bySource: Map<Source, Array<{ studentId: string; day: IsoDay; count: number }>>;
  rowsCounted: number;
  students: Set<string>;
}

/**
 * A department administrator's upload speaks for their own department only (issue 13): counts for
 * students of any other department are dropped before anything is written, and the number of rows
 * that named them is returned so the uploader is told. Identities stay institution-wide; only what
 * is stored is narrowed.
 */
export async function keepOwnDepartment(db: Db, counts: ScopedCounts, departmentId: string): Promise<number> {
  const outside = await findStudentsOutsideDepartment(db, [...counts.students], departmentId);
  if (outside.size === 0) return 0;
  let dropped = 0;
  for (const [source, list] of counts.bySource) {
    const kept = list.filter((c) => !outside.has(c.studentId));
    for (const c of list) if (outside.has(c.studentId)) dropped += c.count;
    counts.bySource.set(source, kept);
  }
  for (const id of outside) counts.students.delete(id);
  counts.rowsCounted -= dropped;
  return dropped;
}
