import type { CaseSummary } from '../../shared/api/cases';
import type { Db } from '../store/database';
import { listCaseEvents } from '../store/case-event.repository';
import { type Case } from '../store/case.repository';
import { listStaff } from '../store/staff.repository';
import { presentCaseSummary } from '../presenters/case.presenter';

/** The case with its timeline and staff names, as the tab shows it. */
export async function loadCaseSummary(db: Db, c: Case): Promise<CaseSummary> {
  const [events, staff] = await Promise.all([listCaseEvents(db, c.id), listStaff(db, c.departmentId)]);
  return presentCaseSummary(c, events, new Map(staff.map((s) => [s.id, s.displayName])));
}
