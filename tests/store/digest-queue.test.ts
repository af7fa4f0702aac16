import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases';
import { NOW, buildStaff, seedDepartment, seedPeople } from '../support/factories';
import { dailyDigestKey, queueDailyDigests } from '../../bot/store/digest-queue.repository';
import { listDeliveries } from '../../bot/store/outbox.repository';

const SEND = { day: '2026-11-28', at: '2026-11-28T09:00:00.000Z' };

describe.each(DATABASE_KINDS)('the daily digest queue on %s', (kind) => {
  let t: TestDatabase;
  const tutor = buildStaff();

  beforeEach(async () => {
    t = await createTestDatabase(kind);
    await seedDepartment(t.db);
    await seedPeople(t.db, { staff: [tutor] });
  });
  afterEach(async () => t.drop());

  const digests = async () => (await listDeliveries(t.db, { recipientStaffId: tutor.id })).filter((d) => d.kind === 'digest');
  const caseIdsOf = (d: Awaited<ReturnType<typeof digests>>[number] | undefined) =>
    d?.kind === 'digest' ? [...d.payload.caseIds].sort() : [];

  it('when two instances add alerts to the same tutor’s digest at once, then one digest holds every case and none is lost', async () => {
    const batches = Array.from({ length: 6 }, (_, i) => [`case-${i}-a`, `case-${i}-b`]);
    await Promise.all(
      batches.map((caseIds) => t.db.transaction().execute((trx) => queueDailyDigests(trx, [{ staffId: tutor.id, caseIds }], SEND, NOW))),
    );
    const queued = await digests();
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ idempotencyKey: dailyDigestKey(tutor.id, SEND.day), nextAttemptAt: SEND.at, status: 'pending' });
    expect(caseIdsOf(queued[0])).toEqual(batches.flat().sort());
  });

  it('when a case already on the waiting digest is queued again, then nothing changes and the call reports nothing new', async () => {
    const first = await queueDailyDigests(t.db, [{ staffId: tutor.id, caseIds: ['c1', 'c2'] }], SEND, NOW);
    const again = await queueDailyDigests(t.db, [{ staffId: tutor.id, caseIds: ['c2', 'c1'] }], SEND, NOW);
    const more = await queueDailyDigests(t.db, [{ staffId: tutor.id, caseIds: ['c2', 'c3'] }], SEND, NOW);
    expect(first).toEqual([expect.objectContaining({ created: true, caseIds: ['c1', 'c2'] })]);
    expect(again).toEqual([]);
    expect(more).toEqual([expect.objectContaining({ created: false, caseIds: ['c3'] })]);
    expect(caseIdsOf((await digests())[0])).toEqual(['c1', 'c2', 'c3']);
  });

  it('when the day’s digest is already due, then it is left as the sender may hold it, and the new cases get a digest of their own for the same time', async () => {
    await queueDailyDigests(t.db, [{ staffId: tutor.id, caseIds: ['c1'] }], SEND, NOW);
    const late = '2026-11-28T09:00:30.000Z';
    const added = await queueDailyDigests(t.db, [{ staffId: tutor.id, caseIds: ['c2'] }], SEND, late);
    expect(added).toEqual([expect.objectContaining({ created: true, caseIds: ['c2'] })]);
    const queued = await digests();
    expect(queued.map(caseIdsOf)).toEqual([['c1'], ['c2']]);
    expect(queued[1]?.idempotencyKey.startsWith(`${dailyDigestKey(tutor.id, SEND.day)}:`)).toBe(true);
  });
});
