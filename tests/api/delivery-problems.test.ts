import { startTestApp, type RunningApp } from '../support/app';
import { DataStatusSchema } from '../../shared/api/data';
import { enqueueDelivery } from '../../bot/store/outbox.repository';
import { claimDeliveries, releaseClaim } from '../../bot/store/delivery-claim.repository';
import { markUnreachable } from '../../bot/store/unreachable-recipient.repository';
import { listStudents } from '../../bot/store/student.repository';

describe('dead letters and unreachable people on the Data page', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startTestApp({ DEMO_DATA: 'true', NOTIFY_EVERY_SECONDS: '3600' });
    const db = server.app.db;
    const now = new Date().toISOString();
    await enqueueDelivery(
      db,
      { idempotencyKey: 'test:dead-letter', kind: 'digest', recipientStaffId: 'demo-staff-07', payload: { caseIds: [] } },
      now,
    );
    // Claimed and given up as the sender does after its last retry.
    const claimed = await claimDeliveries(db, {
      worker: 'test',
      token: 'test-token',
      now,
      claimUntil: new Date(Date.now() + 60_000).toISOString(),
      limit: 1,
      recipientStaffId: 'demo-staff-07',
    });
    const item = claimed.find((d) => d.idempotencyKey === 'test:dead-letter');
    expect(
      await releaseClaim(db, item!, {
        error: 'Bot Connector answered 502 eight times',
        nextAttemptAt: now,
        giveUp: true,
        countAttempt: true,
      }),
    ).toBe(true);
    const [student] = await listStudents(db, 'demo-natsci');
    await markUnreachable(
      db,
      {
        userAadId: student!.entraId!,
        staffId: null,
        studentId: student!.id,
        reason: 'Teams blocked messages from the bot (MessageWritesBlocked)',
      },
      now,
    );
  });
  afterAll(async () => server?.close());

  const data = async (staffId: string) =>
    DataStatusSchema.parse(await (await fetch(`${server.baseUrl}/api/data`, { headers: { authorization: `Local ${staffId}` } })).json());

  it('when the director of studies opens the Data page, then the given-up digest and the unreachable student are listed by name', async () => {
    const { deliveryProblems } = await data('demo-staff-01');
    const gaveUp = deliveryProblems.find((p) => p.problem === 'gave_up');
    expect(gaveUp).toMatchObject({ what: 'Alert digest', attempts: 1, reason: 'Bot Connector answered 502 eight times' });
    expect(gaveUp?.recipientName).toMatch(/^Dr /);
    expect(deliveryProblems.find((p) => p.problem === 'unreachable')?.reason).toContain('MessageWritesBlocked');
  });

  it('when a personal tutor opens the Data page, then no delivery problems of the department are shown', async () => {
    expect((await data('demo-staff-06')).deliveryProblems).toEqual([]);
  });
});
