import { DATABASE_KINDS, createTestDatabase, silentLogger, type TestDatabase } from '../support/databases';
import { NOW, buildStaff, buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { escalateUnacknowledged } from '../../bot/jobs/escalate.command';
import { performCaseAction } from '../../bot/commands/case-actions.command';
import { findCase } from '../../bot/store/case.repository';
import { appendCaseEvent, listCaseEvents } from '../../bot/store/case-event.repository';
import { listDeliveries } from '../../bot/store/outbox.repository';
import { seedCase } from './fixtures';

describe.each(DATABASE_KINDS)('escalation on %s', (kind) => {
  let t: TestDatabase;
  const tutor = buildStaff();
  const director = buildStaff({ roles: ['director_of_studies'] });
  const officer = buildStaff({ roles: ['student_experience_officer'] });
  const student = buildStudent({ tutorId: tutor.id });
  // NOW is Friday 27 November 2026; three working days later is Wednesday 2 December.
  const at = (iso: string) => ({ db: t.db, logger: silentLogger, now: () => new Date(iso), timeZone: 'Europe/London', workingDays: 3 });

  beforeEach(async () => {
    t = await createTestDatabase(kind);
    await seedDepartment(t.db);
    await seedPeople(t.db, { staff: [tutor, director, officer], students: [student] });
  });
  afterEach(async () => t.drop());

  it('when nobody acknowledges a case, then after 3 working days it goes to the Director of Studies and after 6 to the Student Experience Officer, once each', async () => {
    const c = await seedCase(t.db, student.id);
    expect((await escalateUnacknowledged(at('2026-12-01T09:00:00Z'))).escalated).toBe(0);
    const first = await escalateUnacknowledged(at('2026-12-02T09:00:00Z'));
    const repeat = await escalateUnacknowledged(at('2026-12-02T15:00:00Z'));
    const second = await escalateUnacknowledged(at('2026-12-07T09:00:00Z'));
    expect([first.escalated, repeat.escalated, second.escalated]).toEqual([1, 0, 1]);
    const cards = (await listDeliveries(t.db)).filter((d) => d.kind === 'escalation');
    expect(cards.map((d) => [d.recipientStaffId, d.payload.level])).toEqual([
      [director.id, 1],
      [officer.id, 2],
    ]);
    expect((await listCaseEvents(t.db, c.id)).filter((e) => e.kind === 'escalated').map((e) => e.data.role)).toEqual([
      'director_of_studies',
      'student_experience_officer',
    ]);
  });

  it('when the alert reached the tutor only with the next morning digest, then the working days count from that morning', async () => {
    // Opened Friday 27 November; the digest went on Monday 30 November at 09:00, so three working days end Thursday 3 December.
    const c = await seedCase(t.db, student.id);
    await appendCaseEvent(t.db, {
      caseId: c.id,
      at: '2026-11-30T09:00:00.000Z',
      kind: 'alerted',
      actorKind: 'system',
      actorId: null,
      note: null,
      data: { recipientStaffId: tutor.id },
    });
    expect((await escalateUnacknowledged(at('2026-12-02T09:00:00Z'))).escalated).toBe(0);
    expect((await escalateUnacknowledged(at('2026-12-03T09:00:00Z'))).escalated).toBe(1);
  });

  it('when the tutor acknowledged in time, then nothing is escalated', async () => {
    const c = await seedCase(t.db, student.id);
    await performCaseAction({ db: t.db, now: () => new Date(NOW) }, { actor: tutor, caseId: c.id, action: { action: 'acknowledge' } });
    expect((await escalateUnacknowledged(at('2026-12-10T09:00:00Z'))).escalated).toBe(0);
  });

  it('when a snooze runs out, then the case returns to its earlier status', async () => {
    const c = await seedCase(t.db, student.id);
    await performCaseAction({ db: t.db, now: () => new Date(NOW) }, { actor: tutor, caseId: c.id, action: { action: 'snooze', days: 2 } });
    expect((await escalateUnacknowledged(at('2026-11-28T09:00:00Z'))).snoozesEnded).toBe(0);
    expect((await escalateUnacknowledged(at('2026-11-29T10:00:00Z'))).snoozesEnded).toBe(1);
    expect((await findCase(t.db, c.id))?.status).toBe('open');
  });
});
