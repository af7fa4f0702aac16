import { evaluateDepartment } from '../../bot/rules/evaluate.command';
import { findOpenCases } from '../../bot/store/case.repository';
import { listDeliveries } from '../../bot/store/outbox.repository';
import { DATABASE_KINDS, createTestDatabase, silentLogger, type TestDatabase } from '../support/databases';
import { AUTUMN, NOW, buildStaff, buildStudent, insertTerm, seedDepartment, seedFullCoverage, seedPeople } from '../support/factories';

describe.each(DATABASE_KINDS)('alerts only in term time on %s', (kind) => {
  let t: TestDatabase;
  const tutor = buildStaff();
  const silent = buildStudent({ tutorId: tutor.id });
  const peers = Array.from({ length: 3 }, () => buildStudent({ tutorId: tutor.id }));
  const deps = () => ({ db: t.db, logger: silentLogger, now: () => new Date(NOW) });

  beforeEach(async () => {
    t = await createTestDatabase(kind);
    await seedDepartment(t.db);
    await seedPeople(t.db, { staff: [tutor], students: [silent, ...peers] });
    await insertTerm(t.db, AUTUMN);
    await seedFullCoverage(t.db, AUTUMN.start, '2026-12-13');
  });
  afterEach(async () => t.drop());

  it('when the calendar says it is not term time, then cases still follow the rules but no digest is queued, and the summary says why', async () => {
    // The Monday after term ends: the windows are the last term days, the day itself is not term time.
    const summary = await evaluateDepartment(deps(), 'dept-a', '2026-12-14');

    expect(summary.flagged).toBeGreaterThan(0);
    expect(summary.digestsQueued).toBe(0);
    expect(summary.warnings[0]).toBe(
      '2026-12-14 is not a term day in the calendar: cases are kept up to date, but no alerts are sent until term resumes.',
    );
    expect((await findOpenCases(t.db, 'dept-a')).length).toBe(summary.flagged);
    expect(await listDeliveries(t.db, { recipientStaffId: tutor.id })).toEqual([]);
  });

  it('when the same evaluation runs in term time, then the tutor gets a digest', async () => {
    const summary = await evaluateDepartment(deps(), 'dept-a', '2026-11-27');

    expect(summary.flagged).toBeGreaterThan(0);
    expect(summary.digestsQueued).toBe(1);
    expect(summary.warnings.join(' ')).not.toContain('not a term day');
  });
});
