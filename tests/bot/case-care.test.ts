import { DATABASE_KINDS, createTestDatabase, silentLogger, type TestDatabase } from '../support/databases';
import { NOW, buildStaff, buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { followCases } from '../../bot/jobs/case-care.command';
import { escalateUnacknowledged } from '../../bot/jobs/escalate.command';
import { acknowledgeReferral, performCaseAction } from '../../bot/commands/case-actions.command';
import { findCase } from '../../bot/store/case.repository';
import { listCaseEvents } from '../../bot/store/case-event.repository';
import { insertExemptions } from '../../bot/store/exemption.repository';
import { listDeliveries } from '../../bot/store/outbox.repository';
import { ENGLAND_AND_WALES_BANK_HOLIDAYS } from '../../shared/bank-holidays';
import { seedCase } from './fixtures';

describe.each(DATABASE_KINDS)('the case follows the student on %s', (kind) => {
  let t: TestDatabase;
  const tutor = buildStaff({ displayName: 'Dr Ada Tutor' });
  const director = buildStaff({ roles: ['director_of_studies'] });
  const officer = buildStaff({ displayName: 'Sol Officer', roles: ['student_experience_officer'] });
  const student = buildStudent({ givenName: 'Noor', familyName: 'Quiet', tutorId: tutor.id });
  const closures = new Set(ENGLAND_AND_WALES_BANK_HOLIDAYS);
  const clock = (iso: string) => () => new Date(iso);
  const care = (iso: string, noReplyWorkingDays = 5) =>
    followCases({ db: t.db, logger: silentLogger, now: clock(iso), timeZone: 'Europe/London', noReplyWorkingDays, closureDays: closures });
  const escalate = (iso: string) =>
    escalateUnacknowledged({
      db: t.db,
      logger: silentLogger,
      now: clock(iso),
      timeZone: 'Europe/London',
      workingDays: 3,
      closureDays: closures,
    });
  const kinds = async (caseId: string) => (await listCaseEvents(t.db, caseId)).map((e) => e.kind);

  beforeEach(async () => {
    t = await createTestDatabase(kind);
    await seedDepartment(t.db);
    await seedPeople(t.db, { staff: [tutor, director, officer], students: [student] });
  });
  afterEach(async () => t.drop());

  it('when the student is exempt, then the open case is paused on the timeline, never escalates, and resumes when the exemption ends', async () => {
    const c = await seedCase(t.db, student.id);
    await insertExemptions(
      t.db,
      [{ studentId: student.id, reason: 'medical leave', from: '2026-11-27', until: '2026-12-11', setBy: tutor.id }],
      NOW,
    );

    expect(await care('2026-11-27T10:00:00Z')).toMatchObject({ paused: 1 });
    expect(await care('2026-11-28T10:00:00Z')).toMatchObject({ paused: 0, resumed: 0 });
    expect((await escalate('2026-12-10T09:00:00Z')).escalated).toBe(0);
    const paused = (await listCaseEvents(t.db, c.id)).find((e) => e.kind === 'paused');
    expect(paused?.note).toBe('Paused: exempt from monitoring: medical leave. It will not escalate while the student is not monitored.');

    expect(await care('2026-12-14T10:00:00Z')).toMatchObject({ resumed: 1 });
    expect(await kinds(c.id)).toEqual(['paused', 'resumed']);
    expect((await escalate('2026-12-14T11:00:00Z')).escalated).toBe(1);
  });

  it('when the student is suspended, then the case pauses with that reason', async () => {
    const suspended = buildStudent({ tutorId: tutor.id, status: 'suspended' });
    await seedPeople(t.db, { students: [suspended] });
    const c = await seedCase(t.db, suspended.id);
    await care('2026-11-27T10:00:00Z');
    expect((await listCaseEvents(t.db, c.id))[0]?.data).toEqual({ reason: 'the student is suspended' });
    expect((await escalate('2026-12-20T09:00:00Z')).escalated).toBe(0);
  });

  it('when "Contacted, no reply yet" is recorded, then the owner is reminded after 5 working days (bank holidays not counted), once', async () => {
    const c = await seedCase(t.db, student.id);
    // Tuesday 22 December 2026; 25 and 28 December are bank holidays, so five working days end on Thursday 31 December.
    await performCaseAction(
      { db: t.db, now: clock('2026-12-22T10:00:00Z') },
      { actor: tutor, caseId: c.id, action: { action: 'record_outcome', outcome: 'contacted_no_reply' } },
    );
    expect((await care('2026-12-30T10:00:00Z')).reminders).toBe(0);
    expect((await care('2026-12-31T10:00:00Z')).reminders).toBe(1);
    expect((await care('2027-01-04T10:00:00Z')).reminders).toBe(0);
    const notices = (await listDeliveries(t.db)).filter((d) => d.kind === 'notice');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ recipientStaffId: tutor.id, payload: { title: 'Still no reply from Noor Quiet', caseId: c.id } });
  });

  it('when the tutor refers the student to the Wellbeing Service, then the wellbeing role is notified with a card to acknowledge and the case stays open until they do', async () => {
    const c = await seedCase(t.db, student.id);
    await performCaseAction(
      { db: t.db, now: clock(NOW), wellbeingRole: 'student_experience_officer' },
      { actor: tutor, caseId: c.id, action: { action: 'record_outcome', outcome: 'referred_wellbeing', note: 'Asked for support.' } },
    );
    expect(await findCase(t.db, c.id)).toMatchObject({ status: 'acknowledged', outcome: 'referred_wellbeing' });
    const [notice] = (await listDeliveries(t.db)).filter((d) => d.kind === 'notice');
    expect(notice).toMatchObject({ recipientStaffId: officer.id, payload: { acknowledge: 'referral', caseId: c.id, urgent: false } });

    await expect(acknowledgeReferral({ db: t.db, now: clock(NOW) }, { actor: director, caseId: c.id })).rejects.toMatchObject({
      status: 403,
    });
    const done = await acknowledgeReferral({ db: t.db, now: clock('2026-11-27T11:00:00Z') }, { actor: officer, caseId: c.id });
    expect(done.case).toMatchObject({ status: 'closed', outcome: 'referred_wellbeing' });
    const again = await acknowledgeReferral({ db: t.db, now: clock('2026-11-27T12:00:00Z') }, { actor: officer, caseId: c.id });
    expect(again.at).toBe('2026-11-27T11:00:00.000Z');
    expect(await kinds(c.id)).toEqual(['outcome_recorded', 'referral_sent', 'referral_acknowledged', 'closed']);
  });

  it('when the missing-student procedure is recorded, then the Student Experience Officer is alerted at once, marked urgent', async () => {
    const c = await seedCase(t.db, student.id);
    await performCaseAction(
      { db: t.db, now: clock(NOW) },
      { actor: tutor, caseId: c.id, action: { action: 'record_outcome', outcome: 'missing_student_procedure' } },
    );
    const notices = (await listDeliveries(t.db)).filter((d) => d.kind === 'notice');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({
      recipientStaffId: officer.id,
      nextAttemptAt: NOW,
      payload: { title: 'Missing-student procedure started: Noor Quiet', urgent: true },
    });
    expect(await kinds(c.id)).toEqual(['outcome_recorded', 'missing_student_alerted']);
  });
});
