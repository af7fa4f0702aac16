import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases';
import { NOW, buildStaff, buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { performCaseAction } from '../../bot/commands/case-actions.command';
import { findCase } from '../../bot/store/case.repository';
import { listCaseEvents } from '../../bot/store/case-event.repository';
import { listDeliveries } from '../../bot/store/outbox.repository';
import { listAudit } from '../../bot/store/audit.repository';
import { recordSentCard } from '../../bot/store/sent-card.repository';
import { findFollowup } from '../../bot/store/case-followup.repository';
import { AppError } from '../../bot/errors';
import { seedCase } from './fixtures';

describe.each(DATABASE_KINDS)('case actions on %s', (kind) => {
  let t: TestDatabase;
  const now = () => new Date(NOW);
  const tutor = buildStaff({ displayName: 'Dr Ada Tutor' });
  const colleague = buildStaff({ displayName: 'Dr Other Tutor' });
  const director = buildStaff({ displayName: 'Prof Director', roles: ['director_of_studies'] });
  const outsider = buildStaff({ departmentId: 'dept-b', roles: ['director_of_studies'] });
  const student = buildStudent({ tutorId: tutor.id });

  beforeEach(async () => {
    t = await createTestDatabase(kind);
    await seedDepartment(t.db);
    await seedDepartment(t.db, 'dept-b', 'Department B');
    await seedPeople(t.db, { staff: [tutor, colleague, director, outsider], students: [student] });
  });
  afterEach(async () => t.drop());

  it('when the tutor acknowledges, then the case is theirs, the timeline and audit log say so, and a repeat click changes nothing', async () => {
    const c = await seedCase(t.db, student.id);
    const first = await performCaseAction({ db: t.db, now }, { actor: tutor, caseId: c.id, action: { action: 'acknowledge' } });
    const again = await performCaseAction({ db: t.db, now }, { actor: tutor, caseId: c.id, action: { action: 'acknowledge' } });
    expect(first.case).toMatchObject({ status: 'acknowledged', ownerId: tutor.id });
    expect(first.events.map((e) => e.kind)).toEqual(['acknowledged']);
    expect(again.events).toEqual([]);
    expect((await listCaseEvents(t.db, c.id)).filter((e) => e.kind === 'acknowledged')).toHaveLength(1);
    expect((await listAudit(t.db)).filter((a) => a.action === 'case.acknowledge' && a.subjectId === c.id)).toHaveLength(1);
  });

  it('when "contacted and fine" is recorded, then the case closes with that outcome, and a different outcome afterwards is refused', async () => {
    const c = await seedCase(t.db, student.id);
    const result = await performCaseAction(
      { db: t.db, now },
      { actor: tutor, caseId: c.id, action: { action: 'record_outcome', outcome: 'contacted_fine', note: 'Had a cold; catching up.' } },
    );
    expect(result.case).toMatchObject({ status: 'closed', outcome: 'contacted_fine', closedAt: NOW });
    expect(result.events.map((e) => [e.kind, e.note])).toEqual([
      ['outcome_recorded', 'Had a cold; catching up.'],
      ['closed', null],
    ]);
    await expect(
      performCaseAction({ db: t.db, now }, { actor: tutor, caseId: c.id, action: { action: 'record_outcome', outcome: 'not_a_concern' } }),
    ).rejects.toMatchObject({ status: 409, code: 'case_closed' });
  });

  it('when "contacted, no reply yet" is recorded, then the case stays open with an owner', async () => {
    const c = await seedCase(t.db, student.id);
    const result = await performCaseAction(
      { db: t.db, now },
      { actor: colleague, caseId: c.id, action: { action: 'record_outcome', outcome: 'contacted_no_reply' } },
    ).catch((e: unknown) => e);
    // A colleague who is not the tutor, owner or department-wide staff may not act.
    expect(result).toBeInstanceOf(AppError);
    expect((result as AppError).status).toBe(403);
    const byTutor = await performCaseAction(
      { db: t.db, now },
      { actor: tutor, caseId: c.id, action: { action: 'record_outcome', outcome: 'contacted_no_reply' } },
    );
    expect(byTutor.case).toMatchObject({ status: 'acknowledged', ownerId: tutor.id, outcome: 'contacted_no_reply' });
  });

  it('when a case is snoozed for 7 days, then it is snoozed until then and remembers its earlier status', async () => {
    const c = await seedCase(t.db, student.id);
    await performCaseAction({ db: t.db, now }, { actor: director, caseId: c.id, action: { action: 'snooze', days: 7 } });
    expect((await findCase(t.db, c.id))?.status).toBe('snoozed');
    expect(await findFollowup(t.db, c.id)).toMatchObject({ snoozedUntil: '2026-12-04T09:00:00.000Z', statusBeforeSnooze: 'open' });
  });

  it('when "send check-in" is pressed twice, then one check-in is queued for the student', async () => {
    const c = await seedCase(t.db, student.id);
    await performCaseAction({ db: t.db, now }, { actor: tutor, caseId: c.id, action: { action: 'send_checkin' } });
    await performCaseAction({ db: t.db, now }, { actor: tutor, caseId: c.id, action: { action: 'send_checkin' } });
    const checkins = (await listDeliveries(t.db)).filter((d) => d.kind === 'checkin');
    expect(checkins).toHaveLength(1);
    expect(checkins[0]).toMatchObject({ recipientStudentId: student.id, payload: { caseId: c.id, fromStaffId: tutor.id } });
    expect((await findCase(t.db, c.id))?.status).toBe('acknowledged');
  });

  it('when staff of another department act on a case, then it is not found and nothing changes', async () => {
    const c = await seedCase(t.db, student.id);
    await expect(
      performCaseAction({ db: t.db, now }, { actor: outsider, caseId: c.id, action: { action: 'acknowledge' } }),
    ).rejects.toMatchObject({ status: 404 });
    expect((await findCase(t.db, c.id))?.status).toBe('open');
    expect(await listCaseEvents(t.db, c.id)).toEqual([]);
  });

  it('when a case shown on two cards is acknowledged from one, then only the other is queued for refresh', async () => {
    const c = await seedCase(t.db, student.id);
    const reference = {
      conversation: { id: 'conv-1', isGroup: false, conversationType: 'personal', name: '' },
      serviceUrl: 'http://127.0.0.1:1/',
    };
    await recordSentCard(
      t.db,
      {
        kind: 'digest',
        recipientStaffId: tutor.id,
        recipientStudentId: null,
        conversationId: 'conv-1',
        activityId: 'act-1',
        reference,
        caseIds: [c.id],
      },
      NOW,
    );
    await recordSentCard(
      t.db,
      {
        kind: 'digest',
        recipientStaffId: director.id,
        recipientStudentId: null,
        conversationId: 'conv-2',
        activityId: 'act-2',
        reference,
        caseIds: [c.id],
      },
      NOW,
    );
    const result = await performCaseAction(
      { db: t.db, now },
      { actor: tutor, caseId: c.id, action: { action: 'acknowledge' }, fromCard: { conversationId: 'conv-1', activityId: 'act-1' } },
    );
    const refreshes = (await listDeliveries(t.db)).filter((d) => d.kind === 'card_refresh');
    expect(result.refreshesQueued).toBe(1);
    expect(refreshes.map((r) => r.recipientStaffId)).toEqual([director.id]);
  });
});
