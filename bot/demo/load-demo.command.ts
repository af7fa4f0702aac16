import { SOURCES, type IsoDay } from '../../shared/domain';
import type { Db } from '../store/database';
import { insertDepartment, isStoreEmpty } from '../store/department.repository';
import { insertStaff } from '../store/staff.repository';
import { insertIdentities } from '../store/identity.repository';
import { insertStudents } from '../store/student.repository';
import { insertExemptions } from '../store/exemption.repository';
import { insertTerm } from '../store/calendar.repository';
import { upsertCounts } from '../store/activity.repository';
import { insertImport } from '../store/import.repository';
import { newId } from '../store/ids';
import { AppError } from '../errors';
import { generateDemoDepartment } from './generate';

export interface DemoSummary {
  department: string;
  students: number;
  staff: number;
  countRows: number;
  term: { start: IsoDay; end: IsoDay };
}

/**
 * Loads the synthetic demo department into an empty store, in one transaction: either all of it
 * lands or none of it. Refuses a store that already holds a department, so real data is never mixed
 * with demo data.
 */
export async function loadDemo(db: Db, opts: { seed: number; today: IsoDay; now: string }): Promise<DemoSummary> {
  const demo = generateDemoDepartment(opts.seed, opts.today);
  await db.transaction().execute(async (trx) => {
    if (!(await isStoreEmpty(trx))) {
      throw new AppError(
        409,
        'store_not_empty',
        'The database already holds a department; the demo is only loaded into an empty database.',
      );
    }
    await insertDepartment(trx, demo.department, opts.now);
    await insertStaff(trx, demo.staff, opts.now);
    await insertStudents(trx, demo.students, opts.now);
    await insertIdentities(
      trx,
      demo.students.flatMap((s) => [
        { sourceSystem: 'moodle', externalKey: s.moodleUserId, studentId: s.id },
        { sourceSystem: 'panopto', externalKey: s.panoptoUser.toLowerCase(), studentId: s.id },
        { sourceSystem: 'email', externalKey: (s.email ?? '').toLowerCase(), studentId: s.id },
        { sourceSystem: 'entra', externalKey: s.entraId ?? '', studentId: s.id },
        { sourceSystem: 'samis', externalKey: s.id, studentId: s.id },
      ]),
    );
    await insertTerm(trx, demo.term);
    await insertExemptions(trx, demo.exemptions, opts.now);
    await upsertCounts(trx, demo.counts);
    for (const source of SOURCES) {
      await insertImport(trx, {
        id: newId(),
        source,
        fileName: `demo data (seed ${opts.seed})`,
        fileHash: null,
        periodStart: demo.coverage.start,
        periodEnd: demo.coverage.end,
        rowsRead: 0,
        rowsCounted: demo.counts.filter((c) => c.source === source).length,
        rowsIgnored: 0,
        rowsRejected: 0,
        status: 'succeeded',
        errors: [],
        startedAt: opts.now,
        finishedAt: opts.now,
      });
    }
  });
  return {
    department: demo.department.name,
    students: demo.students.length,
    staff: demo.staff.length,
    countRows: demo.counts.length,
    term: { start: demo.term.start, end: demo.term.end },
  };
}
