import { DATABASE_KINDS, createTestDatabase, silentLogger, type TestDatabase } from '../support/databases';
import {
  AUTUMN,
  NOW,
  TODAY,
  buildStaff,
  buildStudent,
  insertTerm,
  seedDepartment,
  seedFullCoverage,
  seedPeople,
} from '../support/factories';
import { upsertCounts, loadDepartmentCounts } from '../../bot/store/activity.repository';
import { loadCoverage } from '../../bot/store/import.repository';
import { listTerms } from '../../bot/store/calendar.repository';
import { enqueueDelivery, listDeliveries } from '../../bot/store/outbox.repository';
import { claimDeliveries, finishSend } from '../../bot/store/delivery-claim.repository';
import { findOpenCases, insertCase } from '../../bot/store/case.repository';
import { listCaseEvents } from '../../bot/store/case-event.repository';
import { findStaffByEntraId, listStaffWithRole } from '../../bot/store/staff.repository';
import { insertIdentities, resolveIdentities } from '../../bot/store/identity.repository';
import { evaluateDepartment } from '../../bot/rules/evaluate.command';
import { checkDatabase, createDatabase } from '../../bot/store/database';
import { explainStudent } from '../../shared/rules/evaluate';

describe.each(DATABASE_KINDS)('store on %s', (kind) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await createTestDatabase(kind);
    await seedDepartment(t.db);
  });
  afterEach(async () => t.drop());

  it('when counts are upserted twice for the same day and source, then the second replaces the first instead of adding', async () => {
    const student = buildStudent();
    await seedPeople(t.db, { students: [student] });
    await upsertCounts(t.db, [{ studentId: student.id, day: '2026-11-20', source: 'moodle_login', count: 3 }]);
    await upsertCounts(t.db, [{ studentId: student.id, day: '2026-11-20', source: 'moodle_login', count: 5 }]);
    const counts = await loadDepartmentCounts(t.db, 'dept-a', '2026-11-01', '2026-11-30');
    expect(counts.get(student.id)?.get('2026-11-20')).toEqual({ moodle_login: 5 });
  });

  it('when a term with a reading week is stored, then it reads back with its exclusion', async () => {
    await insertTerm(t.db, AUTUMN);
    expect(await listTerms(t.db)).toEqual([AUTUMN]);
  });

  it('when imports succeeded for a period, then coverage holds exactly those days', async () => {
    await seedFullCoverage(t.db, '2026-11-01', '2026-11-10');
    const coverage = await loadCoverage(t.db, '2026-11-05', '2026-11-30');
    const days = [...(coverage.get('panopto_view') ?? [])].sort();
    expect(days[0]).toBe('2026-11-05');
    expect(days[days.length - 1]).toBe('2026-11-10');
    expect(days).toHaveLength(6);
  });

  it('when an identity is stored, then its key resolves and an unknown key does not', async () => {
    const student = buildStudent();
    await seedPeople(t.db, { students: [student] });
    await insertIdentities(t.db, [{ sourceSystem: 'moodle', externalKey: '2113', studentId: student.id }]);
    expect(await resolveIdentities(t.db, 'moodle', ['2113', '9999'])).toEqual(new Map([['2113', student.id]]));
  });

  it('when staff have roles, then they are found by Entra id and by role', async () => {
    const dos = buildStaff({ roles: ['director_of_studies', 'personal_tutor'] });
    await seedPeople(t.db, { staff: [dos, buildStaff()] });
    expect((await findStaffByEntraId(t.db, dos.entraId ?? ''))?.roles.sort()).toEqual(['director_of_studies', 'personal_tutor']);
    expect((await listStaffWithRole(t.db, 'dept-a', 'director_of_studies')).map((s) => s.id)).toEqual([dos.id]);
  });

  it('when a second open case is inserted for the same student, then the database refuses it', async () => {
    const student = buildStudent();
    await seedPeople(t.db, { students: [student] });
    const explanation = explainStudent(undefined, { coverage: new Map(), terms: [AUTUMN], today: TODAY });
    const base = {
      studentId: student.id,
      departmentId: 'dept-a',
      severity: 'high' as const,
      status: 'open' as const,
      rules: ['no_engagement' as const],
      reason: 'r',
      explanation,
      ownerId: null,
      outcome: null,
      openedAt: NOW,
      updatedAt: NOW,
      closedAt: null,
    };
    await insertCase(t.db, base);
    await expect(insertCase(t.db, base)).rejects.toThrow(/unique/i);
    await insertCase(t.db, { ...base, status: 'closed', closedAt: NOW });
    expect(await findOpenCases(t.db, 'dept-a')).toHaveLength(1);
  });

  it('when the same delivery is queued twice, then it is stored once; and a claimed item is not claimed again', async () => {
    const tutor = buildStaff();
    await seedPeople(t.db, { staff: [tutor] });
    expect(
      await enqueueDelivery(t.db, { idempotencyKey: 'k1', kind: 'digest', recipientStaffId: tutor.id, payload: { caseIds: [] } }, NOW),
    ).toBe(true);
    expect(
      await enqueueDelivery(t.db, { idempotencyKey: 'k1', kind: 'digest', recipientStaffId: tutor.id, payload: { caseIds: [] } }, NOW),
    ).toBe(false);
    const later = '2026-11-27T09:00:01.000Z';
    const first = await claimDeliveries(t.db, {
      worker: 'a',
      token: 'token-a',
      now: later,
      claimUntil: '2026-11-27T09:01:00.000Z',
      limit: 10,
    });
    const second = await claimDeliveries(t.db, {
      worker: 'b',
      token: 'token-b',
      now: later,
      claimUntil: '2026-11-27T09:01:00.000Z',
      limit: 10,
    });
    expect(first).toHaveLength(1);
    expect(second).toHaveLength(0);
    expect(await finishSend(t.db, first[0]!, { activityId: 'act-1', conversationId: 'conv-1', at: later })).toBe(true);
    expect((await listDeliveries(t.db))[0]).toMatchObject({ status: 'sent', attempts: 1, sentActivityId: 'act-1' });
  });

  it('when a stored message does not match its kind, then claiming makes it a dead letter with the reason and sends the rest', async () => {
    const tutor = buildStaff();
    await seedPeople(t.db, { staff: [tutor] });
    await enqueueDelivery(t.db, { idempotencyKey: 'good', kind: 'digest', recipientStaffId: tutor.id, payload: { caseIds: ['c1'] } }, NOW);
    // A row as an older version or a hand-edited database could leave it: a digest without its case ids.
    await t.db
      .insertInto('outbox')
      .values({
        id: 'bad-1',
        idempotency_key: 'bad',
        kind: 'digest',
        recipient_staff_id: tutor.id,
        recipient_student_id: null,
        payload: JSON.stringify({ cases: 'c1' }),
        status: 'pending',
        next_attempt_at: NOW,
        created_at: NOW,
      })
      .execute();
    const claimed = await claimDeliveries(t.db, {
      worker: 'a',
      token: 'token-a',
      now: NOW,
      claimUntil: '2026-11-27T09:01:00.000Z',
      limit: 10,
    });
    expect(claimed.map((c) => [c.kind, c.payload])).toEqual([['digest', { caseIds: ['c1'] }]]);
    const [row] = await t.db.selectFrom('outbox').select(['status', 'last_error']).where('id', '=', 'bad-1').execute();
    expect(row).toEqual({ status: 'failed', last_error: expect.stringContaining('unreadable digest message') });
  });

  it('when a silent student is evaluated twice, then one case opens, one digest is queued, and the re-run changes nothing', async () => {
    const tutor = buildStaff();
    const silent = buildStudent({ tutorId: tutor.id });
    const busy = buildStudent({ tutorId: tutor.id });
    await seedPeople(t.db, { staff: [tutor], students: [silent, busy] });
    await insertTerm(t.db, AUTUMN);
    await seedFullCoverage(t.db);
    await upsertCounts(t.db, [{ studentId: busy.id, day: '2026-11-25', source: 'panopto_view', count: 2 }]);
    const deps = { db: t.db, logger: silentLogger, now: () => new Date(NOW) };

    const first = await evaluateDepartment(deps, 'dept-a', TODAY);
    const second = await evaluateDepartment(deps, 'dept-a', TODAY);

    expect(first).toMatchObject({ flagged: 1, opened: 1, digestsQueued: 1 });
    expect(second).toMatchObject({ flagged: 1, opened: 0, unchanged: 1, digestsQueued: 0 });
    const cases = await findOpenCases(t.db, 'dept-a');
    expect(cases.map((c) => c.studentId)).toEqual([silent.id]);
    expect((await listCaseEvents(t.db, cases[0]!.id)).map((e) => e.kind)).toEqual(['flagged', 'alert_queued']);
    expect(await listDeliveries(t.db, { recipientStaffId: tutor.id })).toHaveLength(1);
  });
});

describe('database reachability', () => {
  it('when PostgreSQL refuses the connection, then one clear error names the host and the cause', async () => {
    const settings = { kind: 'postgres' as const, url: 'postgres://nobody:secret@127.0.0.1:1/none', poolSize: 1 };
    const db = createDatabase(settings);
    await expect(checkDatabase(db, settings)).rejects.toThrow(
      'Cannot reach the database (PostgreSQL at 127.0.0.1:1/none): connection refused (is the server running?)',
    );
    await db.destroy();
  });
});
