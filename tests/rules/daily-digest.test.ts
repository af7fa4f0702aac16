import { DATABASE_KINDS, createTestDatabase, silentLogger, type TestDatabase } from '../support/databases';
import { AUTUMN, NOW, buildStaff, buildStudent, insertTerm, seedDepartment, seedFullCoverage, seedPeople } from '../support/factories';
import { startConnectorStandIn, type ConnectorStandIn } from '../support/connector-standin';
import { createVirtualTime } from '../support/virtual-time';
import { createAdapter, createCardSender } from '../../bot/teams/adapter';
import { deliverDue, type DeliverDeps } from '../../bot/teams/deliver.command';
import { RateLimiter } from '../../bot/teams/rate-limiter';
import { evaluateDepartment } from '../../bot/rules/evaluate.command';
import { listDeliveries } from '../../bot/store/outbox.repository';
import { findWaitingDigest, releaseWaitingDeliveries } from '../../bot/store/waiting-deliveries.repository';
import { saveConversation } from '../../bot/store/conversation.repository';
import { saveRuleConfig } from '../../bot/store/rule-config.repository';
import { findOpenCases } from '../../bot/store/case.repository';
import { listCaseEvents } from '../../bot/store/case-event.repository';
import { recordStudentMessage } from '../../bot/commands/student-message.command';
import { parseConfig } from '../../bot/config';
import { DEFAULT_SEND_SCHEDULE, type SendSchedule } from '../../shared/send-schedule';
import { createWellbeingClassifier } from '../../shared/wellbeing/classify';
import type { IsoDay } from '../../shared/domain';
import type { Staff } from '../../bot/store/staff.repository';

const classify = createWellbeingClassifier();

describe.each(DATABASE_KINDS)('one digest per tutor per working day on %s', (kind) => {
  let t: TestDatabase;
  let connector: ConnectorStandIn;
  let clock: number;
  let deliver: DeliverDeps;
  let schedule: SendSchedule;
  const tutor = buildStaff({ displayName: 'Dr Ada Tutor' });
  const wellbeing = buildStaff({ displayName: 'Wen Wellbeing', roles: ['student_experience_officer'] });
  const first = buildStudent({ tutorId: tutor.id, givenName: 'Ana', familyName: 'First' });
  const second = buildStudent({ tutorId: tutor.id, givenName: 'Ben', familyName: 'Second' });

  const setClock = (iso: string) => (clock = Date.parse(iso));
  const evaluate = (today: IsoDay) =>
    evaluateDepartment({ db: t.db, logger: silentLogger, now: () => new Date(clock), schedule }, 'dept-a', today);
  const posted = () => connector.received.filter((r) => r.method === 'POST');
  const postedTo = (conversationId: string) => posted().filter((r) => r.conversationId === conversationId);
  const cardText = (i: number) => JSON.stringify(posted()[i]?.body);

  const remember = async (staff: Staff, conversationId: string) =>
    saveConversation(
      t.db,
      {
        userAadId: staff.entraId ?? '',
        staffId: staff.id,
        studentId: null,
        reference: {
          serviceUrl: connector.serviceUrl,
          channelId: 'msteams',
          conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' },
          bot: { id: 'bot', name: 'bot' },
          user: { id: `u-${staff.id}`, name: staff.displayName },
        },
      },
      NOW,
    );

  beforeEach(async () => {
    t = await createTestDatabase(kind);
    connector = await startConnectorStandIn();
    schedule = { ...DEFAULT_SEND_SCHEDULE };
    await seedDepartment(t.db);
    await insertTerm(t.db, AUTUMN);
    await seedFullCoverage(t.db, AUTUMN.start, '2026-12-11');
    await seedPeople(t.db, { staff: [tutor, wellbeing], students: [first] });
    await saveRuleConfig(
      t.db,
      'dept-a',
      { noEngagement: { days: 3 }, sharpDrop: { recentDays: 3, baselineDays: 6, minBaselinePerWeek: 1 } },
      null,
      NOW,
    );
    await remember(tutor, 'conv-tutor');
    await remember(wellbeing, 'conv-wellbeing');
    const time = createVirtualTime(0);
    deliver = {
      db: t.db,
      sender: createCardSender(createAdapter(parseConfig({}).bot), ''),
      logger: silentLogger,
      now: () => new Date(clock),
      workerId: 'test',
      publicUrl: 'https://engagement.example.ac.uk',
      limiter: new RateLimiter(undefined, time),
      concurrency: 4,
      sleep: time.sleep,
      random: time.random,
    };
  });
  afterEach(async () => {
    await connector.close();
    await t.drop();
  });

  it('when two evaluations in a day find new students, then the tutor gets one digest with both, at 09:00 the next working day and not before', async () => {
    setClock('2026-11-25T10:00:00.000Z');
    const morning = await evaluate('2026-11-25');
    expect(morning).toMatchObject({ opened: 1, digestsQueued: 1 });
    expect((await deliverDue(deliver)).sent).toBe(0);

    await seedPeople(t.db, { students: [second] });
    setClock('2026-11-25T15:00:00.000Z');
    const afternoon = await evaluate('2026-11-25');
    expect(afternoon).toMatchObject({ opened: 1, digestsQueued: 1 });
    // A re-run finds nothing new and leaves the digest alone.
    expect(await evaluate('2026-11-25')).toMatchObject({ opened: 0, digestsQueued: 0 });

    const digests = (await listDeliveries(t.db, { recipientStaffId: tutor.id })).filter((d) => d.kind === 'digest');
    expect(digests).toHaveLength(1);
    expect(digests[0]).toMatchObject({ idempotencyKey: `digest:${tutor.id}:2026-11-26`, nextAttemptAt: '2026-11-26T09:00:00.000Z' });
    const cases = await findOpenCases(t.db, 'dept-a');
    expect(digests[0]?.kind === 'digest' && [...digests[0].payload.caseIds].sort()).toEqual(cases.map((c) => c.id).sort());

    // A message from the tutor in the evening does not bring the scheduled digest forward.
    await releaseWaitingDeliveries(t.db, tutor.id, new Date('2026-11-25T18:00:00.000Z'), schedule);
    setClock('2026-11-26T08:59:59.000Z');
    expect((await deliverDue(deliver)).sent).toBe(0);
    setClock('2026-11-26T09:00:00.000Z');
    expect((await deliverDue(deliver)).sent).toBe(1);
    expect(posted()).toHaveLength(1);
    expect(cardText(0)).toContain('Ana First');
    expect(cardText(0)).toContain('Ben Second');
    for (const c of cases)
      expect((await listCaseEvents(t.db, c.id)).find((e) => e.kind === 'alert_queued')?.data.sendAt).toBe('2026-11-26T09:00:00.000Z');
    expect((await deliverDue(deliver)).sent).toBe(0);
  });

  it('when an alert comes after the day’s digest has gone, then it waits for the next working day’s digest rather than changing the sent one', async () => {
    setClock('2026-11-25T10:00:00.000Z');
    await evaluate('2026-11-25');
    setClock('2026-11-26T09:00:00.000Z');
    expect((await deliverDue(deliver)).sent).toBe(1);
    await seedPeople(t.db, { students: [second] });
    setClock('2026-11-26T09:30:00.000Z');
    expect(await evaluate('2026-11-26')).toMatchObject({ opened: 1, digestsQueued: 1 });
    const digests = (await listDeliveries(t.db, { recipientStaffId: tutor.id })).filter((d) => d.kind === 'digest');
    expect(digests.map((d) => [d.idempotencyKey, d.status, d.nextAttemptAt])).toEqual([
      [`digest:${tutor.id}:2026-11-26`, 'sent', '2026-11-26T09:00:00.000Z'],
      [`digest:${tutor.id}:2026-11-27`, 'pending', '2026-11-27T09:00:00.000Z'],
    ]);
  });

  it('when the next days are a closure day and a weekend, then the digest goes on the Monday at 09:00, not before', async () => {
    schedule = { ...schedule, closures: new Set(['2026-11-27']) };
    setClock('2026-11-26T10:00:00.000Z');
    await evaluate('2026-11-26');
    for (const at of ['2026-11-27T09:00:00.000Z', '2026-11-28T09:00:00.000Z', '2026-11-29T09:00:00.000Z', '2026-11-30T08:59:00.000Z']) {
      setClock(at);
      expect((await deliverDue(deliver)).sent).toBe(0);
    }
    setClock('2026-11-30T09:00:00.000Z');
    expect((await deliverDue(deliver)).sent).toBe(1);
  });

  it('when the clocks go back over the weekend, then Friday’s digest goes at 09:00 summer time and Monday’s at 09:00 winter time', async () => {
    setClock('2026-10-22T12:00:00.000Z');
    expect(await evaluate('2026-10-22')).toMatchObject({ opened: 1, digestsQueued: 1 });
    await seedPeople(t.db, { students: [second] });
    setClock('2026-10-23T12:00:00.000Z');
    expect(await evaluate('2026-10-23')).toMatchObject({ opened: 1, digestsQueued: 1 });
    const times = (await listDeliveries(t.db, { recipientStaffId: tutor.id })).map((d) => d.nextAttemptAt);
    expect(times).toEqual(['2026-10-23T08:00:00.000Z', '2026-10-26T09:00:00.000Z']);
  });

  it('when a student writes at 23:00, then a risk message reaches staff at once and a distress one waits for the end of quiet hours', async () => {
    setClock('2026-11-25T23:00:00.000Z');
    const deps = { db: t.db, now: () => new Date(clock), wellbeingRole: 'student_experience_officer' as const, schedule };
    const text = 'honestly i dont want to be here anymore';
    const risk = await recordStudentMessage(deps, { student: first, message: text, wellbeing: classify(text) });
    expect(risk.tier).toBe('risk');
    const sad = 'i feel so overwhelmed and i am not coping';
    const distress = await recordStudentMessage(deps, { student: second, message: sad, wellbeing: classify(sad) });
    expect(distress.tier).toBe('distress');

    expect((await deliverDue(deliver)).sent).toBe(2);
    expect(postedTo('conv-tutor')).toHaveLength(1);
    expect(postedTo('conv-wellbeing')).toHaveLength(1);
    expect(JSON.stringify(postedTo('conv-tutor')[0]?.body)).toContain('may need help now');

    setClock('2026-11-26T07:59:00.000Z');
    expect((await deliverDue(deliver)).sent).toBe(0);
    setClock('2026-11-26T08:00:00.000Z');
    expect((await deliverDue(deliver)).sent).toBe(1);
    expect(JSON.stringify(postedTo('conv-tutor')[1]?.body)).toContain('may be struggling');
  });

  it('when a tutor whose chat was missing installs the app late in the evening, then an urgent message goes at once and the missed digest joins the next morning’s, not sent in quiet hours', async () => {
    const late = buildStaff({ displayName: 'Dr Late Installer' });
    const third = buildStudent({ tutorId: late.id, givenName: 'Cai', familyName: 'Third' });
    await seedPeople(t.db, { staff: [late], students: [third] });
    setClock('2026-11-25T10:00:00.000Z');
    await evaluate('2026-11-25');
    // At 09:00 the digest finds no chat for the tutor yet; at 22:00 a student of theirs writes words of risk.
    setClock('2026-11-26T09:00:00.000Z');
    await deliverDue(deliver);
    setClock('2026-11-26T22:00:00.000Z');
    const deps = { db: t.db, now: () => new Date(clock), wellbeingRole: 'student_experience_officer' as const, schedule };
    const words = 'honestly i dont want to be here anymore';
    expect((await recordStudentMessage(deps, { student: third, message: words, wellbeing: classify(words) })).tier).toBe('risk');
    await deliverDue(deliver);
    expect(postedTo('conv-late')).toHaveLength(0);

    // The tutor installs the app at 22:30, in quiet hours.
    setClock('2026-11-26T22:30:00.000Z');
    await remember(late, 'conv-late');
    expect(await releaseWaitingDeliveries(t.db, late.id, new Date(clock), schedule)).toEqual({ urgent: 1, digestCases: 1, routine: 0 });
    expect(await findWaitingDigest(t.db, late.id)).toEqual({ students: 1, at: '2026-11-27T09:00:00.000Z' });
    await deliverDue(deliver);
    expect(postedTo('conv-late')).toHaveLength(1);
    expect(JSON.stringify(postedTo('conv-late')[0]?.body)).toContain('may need help now');

    setClock('2026-11-27T08:59:59.000Z');
    await deliverDue(deliver);
    expect(postedTo('conv-late')).toHaveLength(1);
    setClock('2026-11-27T09:00:00.000Z');
    await deliverDue(deliver);
    expect(postedTo('conv-late')).toHaveLength(2);
    expect(JSON.stringify(postedTo('conv-late')[1]?.body)).toContain('Cai Third');
    const digests = (await listDeliveries(t.db, { recipientStaffId: late.id })).filter((d) => d.kind === 'digest');
    expect(digests.map((d) => [d.idempotencyKey, d.status])).toEqual([[`digest:${late.id}:2026-11-27`, 'sent']]);
  });
});
