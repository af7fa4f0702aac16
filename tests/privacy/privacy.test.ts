import { sql } from 'kysely';
import { DATABASE_KINDS, buildTestConfig, createTestDatabase, silentLogger, type TestDatabase } from '../support/databases';
import { AUTUMN, NOW, buildStaff, buildStudent, insertTerm, seedDepartment, seedFullCoverage, seedPeople } from '../support/factories';
import { upsertCounts, type ActivityCount } from '../../bot/store/activity.repository';
import { findOpenCaseOfStudent, findOpenCases, changeCaseStatus } from '../../bot/store/case.repository';
import { appendCaseEvent, listCaseEvents } from '../../bot/store/case-event.repository';
import { enqueueDelivery, listDeliveries } from '../../bot/store/outbox.repository';
import { insertIdentities } from '../../bot/store/identity.repository';
import { insertExemptions } from '../../bot/store/exemption.repository';
import { saveConversation } from '../../bot/store/conversation.repository';
import { recordSentCard } from '../../bot/store/sent-card.repository';
import { writeAudit } from '../../bot/store/audit.repository';
import { evaluateDepartment } from '../../bot/rules/evaluate.command';
import { applyRetention, academicYearStart } from '../../bot/commands/retention.command';
import { buildSubjectAccess } from '../../bot/commands/subject-access.command';
import { eraseStudent, setDoNotMonitor } from '../../bot/commands/erase-student.command';
import { presentSubjectAccessHtml } from '../../bot/presenters/subject-access.presenter';
import { addDays } from '../../shared/calendar';
import { SOURCES, type IsoDay } from '../../shared/domain';
import { currentSchema, type Db } from '../../bot/store/database';

const privacy = buildTestConfig().privacy;
const deps = (t: TestDatabase, now: string) => ({
  db: t.db,
  logger: silentLogger,
  now: () => new Date(now),
  today: () => now.slice(0, 10),
  privacy,
});
const daysBefore = (iso: string, days: number) => new Date(new Date(iso).getTime() - days * 86_400_000).toISOString();
const countRows = async (db: Db, table: string, where = sql`1 = 1`) =>
  Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where ${where}`.execute(db)).rows[0]?.n ?? 0);

/** Active peers, a silent tutee and a second silent student, all in term, evaluated by the real rules. */
async function seedWorld(t: TestDatabase) {
  const tutor = buildStaff();
  const peers = Array.from({ length: 8 }, () => buildStudent({ tutorId: tutor.id }));
  const target = buildStudent({ tutorId: tutor.id, givenName: 'Erin', familyName: 'Quill' });
  const other = buildStudent({ tutorId: tutor.id, givenName: 'Otto', familyName: 'Vane' });
  await seedPeople(t.db, { staff: [tutor], students: [...peers, target, other] });
  const counts: ActivityCount[] = [];
  for (let day: IsoDay = AUTUMN.start; day <= '2026-11-26'; day = addDays(day, 1))
    for (const s of peers) for (const source of SOURCES) counts.push({ studentId: s.id, day, source, count: 2 });
  // The target engaged early in term, then went silent: old counts they own.
  for (let day: IsoDay = AUTUMN.start; day <= '2026-10-09'; day = addDays(day, 1))
    counts.push({ studentId: target.id, day, source: 'moodle_login', count: 3 });
  await upsertCounts(t.db, counts);
  await seedFullCoverage(t.db);
  await evaluateDepartment({ db: t.db, logger: silentLogger, now: () => new Date(NOW) }, 'dept-a', '2026-11-27');
  const targetCase = (await findOpenCaseOfStudent(t.db, target.id))!;
  const otherCase = (await findOpenCaseOfStudent(t.db, other.id))!;
  return { tutor, peers, target, other, targetCase, otherCase };
}

describe.each(DATABASE_KINDS)('privacy on %s', (kind) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await createTestDatabase(kind);
    await seedDepartment(t.db);
    await insertTerm(t.db, AUTUMN);
  });
  afterEach(async () => t.drop());

  it('when the academic year starts in August, then counts are kept from the start of the previous one', () => {
    expect(academicYearStart('2026-11-27', 8, 1)).toBe('2025-08-01');
    expect(academicYearStart('2026-07-31', 8, 1)).toBe('2024-08-01');
    expect(academicYearStart('2026-08-01', 8, 0)).toBe('2026-08-01');
  });

  it('when retention runs, then exactly what expired goes, nothing an open case needs, and a dry run deletes nothing', async () => {
    const w = await seedWorld(t);
    const left = buildStudent({ status: 'withdrawn' });
    const leftWithCase = buildStudent({ status: 'withdrawn' });
    await seedPeople(t.db, { students: [left, leftWithCase] });
    await sql`update students set updated_at = ${daysBefore(NOW, 400)} where id in (${left.id}, ${leftWithCase.id})`.execute(t.db);
    // Counts on both sides of the cut (2025-08-01) for a peer with no case and for the target, whose case is open.
    const peer = w.peers[0]!;
    await upsertCounts(t.db, [
      { studentId: peer.id, day: '2025-07-31', source: 'moodle_login', count: 1 },
      { studentId: peer.id, day: '2025-08-01', source: 'moodle_login', count: 1 },
      { studentId: w.target.id, day: '2025-07-31', source: 'moodle_login', count: 1 },
    ]);
    // A case closed 400 days ago (expired) and one closed 100 days ago (kept, but its message text goes).
    const oldCase = w.otherCase;
    await changeCaseStatus(t.db, oldCase.id, ['open'], {
      status: 'closed',
      closedAt: daysBefore(NOW, 400),
      updatedAt: daysBefore(NOW, 400),
    });
    const recentStudent = buildStudent();
    await seedPeople(t.db, { students: [recentStudent] });
    await evaluateDepartment({ db: t.db, logger: silentLogger, now: () => new Date(NOW) }, 'dept-a', '2026-11-27');
    const recent = (await findOpenCaseOfStudent(t.db, recentStudent.id))!;
    const withdrawnCase = await findOpenCaseOfStudent(t.db, leftWithCase.id);
    if (!withdrawnCase) {
      // Evaluation does not judge withdrawn students: give this one the open case an earlier evaluation would have left.
      await sql`update students set status = 'active' where id = ${leftWithCase.id}`.execute(t.db);
      await evaluateDepartment({ db: t.db, logger: silentLogger, now: () => new Date(NOW) }, 'dept-a', '2026-11-27');
      await sql`update students set status = 'withdrawn', updated_at = ${daysBefore(NOW, 400)} where id = ${leftWithCase.id}`.execute(t.db);
    }
    expect(await findOpenCaseOfStudent(t.db, leftWithCase.id)).toBeDefined();
    for (const c of [recent, w.targetCase])
      await appendCaseEvent(t.db, {
        caseId: c.id,
        at: NOW,
        kind: 'student_message',
        actorKind: 'student',
        actorId: null,
        note: 'I have been unwell',
        data: {},
      });
    await changeCaseStatus(t.db, recent.id, ['open'], {
      status: 'closed',
      closedAt: daysBefore(NOW, 100),
      updatedAt: daysBefore(NOW, 100),
    });
    // Deliveries: one sent long ago (expired), one still pending from long ago (kept: not yet delivered).
    await enqueueDelivery(
      t.db,
      { kind: 'digest', payload: { caseIds: [w.targetCase.id] }, idempotencyKey: 'old-sent', recipientStaffId: w.tutor.id },
      daysBefore(NOW, 100),
    );
    await enqueueDelivery(
      t.db,
      { kind: 'digest', payload: { caseIds: [w.targetCase.id] }, idempotencyKey: 'old-pending', recipientStaffId: w.tutor.id },
      daysBefore(NOW, 100),
    );
    await sql`update outbox set status = 'sent', sent_at = ${daysBefore(NOW, 100)} where idempotency_key = 'old-sent'`.execute(t.db);
    await writeAudit(
      t.db,
      { actorId: w.tutor.id, action: 'student.viewed', subjectKind: 'student', subjectId: peer.id },
      daysBefore(NOW, 2200),
    );
    await writeAudit(
      t.db,
      { actorId: w.tutor.id, action: 'student.viewed', subjectKind: 'student', subjectId: peer.id },
      daysBefore(NOW, 10),
    );

    const before = {
      counts: await countRows(t.db, 'activity_counts'),
      cases: await countRows(t.db, 'cases'),
      outbox: await countRows(t.db, 'outbox'),
      audit: await countRows(t.db, 'audit_log'),
      students: await countRows(t.db, 'students'),
    };
    const dry = await applyRetention(deps(t, NOW), { dryRun: true });
    expect(await countRows(t.db, 'activity_counts')).toBe(before.counts);
    expect(await countRows(t.db, 'cases')).toBe(before.cases);
    expect(await countRows(t.db, 'audit_log')).toBe(before.audit);
    const planned = Object.fromEntries(dry.results.map((r) => [r.kind, r.rows]));
    expect(planned).toMatchObject({
      'student messages': 1,
      'closed cases and timelines': 1,
      'card deliveries': 1,
      'daily counts': 1,
      'students who left': 1,
      'audit entries': 1,
    });

    const done = await applyRetention(deps(t, NOW), { dryRun: false });
    expect(Object.fromEntries(done.results.map((r) => [r.kind, r.rows]))).toMatchObject(planned);
    // Counts: only the peer's day before the cut went; the target's old day stays (open case), as does the day after.
    expect(await countRows(t.db, 'activity_counts', sql`day < '2025-08-01' and student_id = ${peer.id}`)).toBe(0);
    expect(await countRows(t.db, 'activity_counts', sql`day = '2025-08-01' and student_id = ${peer.id}`)).toBe(1);
    expect(await countRows(t.db, 'activity_counts', sql`day = '2025-07-31' and student_id = ${w.target.id}`)).toBe(1);
    // Cases: the long-closed one and its timeline are gone; the recently closed one stays with its message text cleared.
    expect(await countRows(t.db, 'cases', sql`id = ${oldCase.id}`)).toBe(0);
    expect(await countRows(t.db, 'case_events', sql`case_id = ${oldCase.id}`)).toBe(0);
    const recentEvents = await listCaseEvents(t.db, recent.id);
    expect(recentEvents.find((e) => e.kind === 'student_message')?.note).toBeNull();
    expect((await listCaseEvents(t.db, w.targetCase.id)).find((e) => e.kind === 'student_message')?.note).toBe('I have been unwell');
    // Deliveries: the sent one went, the pending one stays.
    expect((await listDeliveries(t.db)).map((d) => d.idempotencyKey).filter((k) => k.startsWith('old-'))).toEqual(['old-pending']);
    // People: the student who left long ago is erased; the one whose case is open stays.
    expect(await countRows(t.db, 'students', sql`id = ${left.id}`)).toBe(0);
    expect(await countRows(t.db, 'students', sql`id = ${leftWithCase.id}`)).toBe(1);
    expect(await countRows(t.db, 'students')).toBe(before.students - 1);
    // Audit: the entry older than six years went, the recent one stayed, and the purge itself is recorded (counts only).
    expect(await countRows(t.db, 'audit_log', sql`subject_id = ${peer.id}`)).toBe(1);
    const purge = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'purged_expired_data').executeTakeFirstOrThrow();
    expect(JSON.parse(purge.detail).removed['daily counts']).toBe(1);
    // A second run finds nothing more to remove.
    const again = await applyRetention(deps(t, NOW), { dryRun: true });
    expect(again.results.every((r) => r.rows === 0)).toBe(true);
  });

  it('when a subject access report is produced, then it holds every kind of record about the student and nothing of anyone else', async () => {
    const w = await seedWorld(t);
    await insertIdentities(t.db, [
      { sourceSystem: 'moodle', externalKey: 'equill', studentId: w.target.id },
      { sourceSystem: 'moodle', externalKey: 'ovane', studentId: w.other.id },
    ]);
    await insertExemptions(
      t.db,
      [{ studentId: w.target.id, reason: 'illness', from: '2026-10-01', until: '2026-10-05', setBy: w.tutor.id }],
      NOW,
    );
    await appendCaseEvent(t.db, {
      caseId: w.targetCase.id,
      at: NOW,
      kind: 'student_message',
      actorKind: 'student',
      actorId: null,
      note: 'Sorry, I have been ill',
      data: {},
    });
    await appendCaseEvent(t.db, {
      caseId: w.otherCase.id,
      at: NOW,
      kind: 'student_message',
      actorKind: 'student',
      actorId: null,
      note: 'OTHER STUDENT TEXT',
      data: {},
    });
    await writeAudit(t.db, { actorId: w.tutor.id, action: 'student.viewed', subjectKind: 'student', subjectId: w.target.id }, NOW);
    await writeAudit(
      t.db,
      {
        actorId: w.tutor.id,
        action: 'flags.listed',
        subjectKind: 'department',
        subjectId: 'dept-a',
        detail: { studentIds: [w.target.id, w.other.id] },
      },
      NOW,
    );
    await enqueueDelivery(
      t.db,
      {
        kind: 'checkin',
        payload: { caseId: w.targetCase.id, fromStaffId: w.tutor.id },
        idempotencyKey: 'ci',
        recipientStudentId: w.target.id,
      },
      NOW,
    );
    await recordSentCard(
      t.db,
      {
        kind: 'digest',
        recipientStaffId: w.tutor.id,
        recipientStudentId: null,
        conversationId: 'conv-1',
        activityId: 'act-1',
        reference: {},
        caseIds: [w.targetCase.id, w.otherCase.id],
      },
      NOW,
    );

    const report = await buildSubjectAccess(t.db, w.target.id, { by: w.tutor.id, at: NOW });
    expect(report.student).toMatchObject({ id: w.target.id, givenName: 'Erin', familyName: 'Quill', personalTutor: w.tutor.displayName });
    expect(report.identities).toEqual([{ system: 'moodle', key: 'equill' }]);
    expect(report.exemptions).toEqual([expect.objectContaining({ reason: 'illness' })]);
    expect(report.dailyCounts.length).toBeGreaterThan(0);
    expect(report.cases).toHaveLength(1);
    expect(report.cases[0]!.timeline.map((e) => e.what)).toEqual(expect.arrayContaining(['Flagged', 'Student sent a message']));
    expect(report.messages).toEqual([{ at: NOW, text: 'Sorry, I have been ill' }]);
    expect(report.cardsToStudent).toEqual([expect.objectContaining({ kind: 'checkin', status: 'pending' })]);
    expect(report.disclosures).toEqual([expect.objectContaining({ what: 'digest', to: w.tutor.displayName })]);
    expect(report.views.map((v) => v.action)).toEqual(expect.arrayContaining(['student.viewed', 'flags.listed']));
    expect(report.views.find((v) => v.action === 'student.viewed')).toMatchObject({ by: w.tutor.displayName, roles: ['personal_tutor'] });
    const text = JSON.stringify(report) + presentSubjectAccessHtml(report);
    for (const foreign of [w.other.id, 'ovane', 'OTHER STUDENT TEXT', 'Vane', w.otherCase.id, ...w.peers.map((p) => p.id)])
      expect(text).not.toContain(foreign);
    // Producing it is itself audited.
    expect(await countRows(t.db, 'audit_log', sql`action = 'exported_subject_access' and subject_id = ${w.target.id}`)).toBe(1);
    // The printable page escapes what it shows.
    await appendCaseEvent(t.db, {
      caseId: w.targetCase.id,
      at: NOW,
      kind: 'student_message',
      actorKind: 'student',
      actorId: null,
      note: '<script>x</script>',
      data: {},
    });
    const html = presentSubjectAccessHtml(await buildSubjectAccess(t.db, w.target.id, { by: null, at: NOW }));
    expect(html).not.toContain('<script>x</script>');
    expect(html).toContain('&lt;script&gt;x&lt;/script&gt;');
  });

  it('when a student is erased, then no row in any table of the schema holds their id, e-mail, names or accounts', async () => {
    const w = await seedWorld(t);
    await insertIdentities(t.db, [
      { sourceSystem: 'moodle', externalKey: 'equill', studentId: w.target.id },
      { sourceSystem: 'moodle', externalKey: 'ovane', studentId: w.other.id },
    ]);
    await insertExemptions(
      t.db,
      [{ studentId: w.target.id, reason: 'illness', from: '2026-10-01', until: '2026-10-05', setBy: w.tutor.id }],
      NOW,
    );
    await appendCaseEvent(t.db, {
      caseId: w.targetCase.id,
      at: NOW,
      kind: 'student_message',
      actorKind: 'student',
      actorId: null,
      note: 'Erin here',
      data: {},
    });
    await saveConversation(
      t.db,
      { userAadId: w.target.entraId!, staffId: null, studentId: w.target.id, reference: { conversation: { id: 'c-erin' } as never } },
      NOW,
    );
    await writeAudit(t.db, { actorId: w.tutor.id, action: 'student.viewed', subjectKind: 'student', subjectId: w.target.id }, NOW);
    await writeAudit(
      t.db,
      {
        actorId: w.tutor.id,
        action: 'flags.listed',
        subjectKind: 'department',
        subjectId: 'dept-a',
        detail: { studentIds: [w.target.id, w.other.id] },
      },
      NOW,
    );
    await enqueueDelivery(
      t.db,
      {
        kind: 'checkin',
        payload: { caseId: w.targetCase.id, fromStaffId: w.tutor.id },
        idempotencyKey: 'ci',
        recipientStudentId: w.target.id,
      },
      NOW,
    );
    await enqueueDelivery(
      t.db,
      {
        kind: 'notice',
        payload: { title: 'Erin Quill replied', lines: ['Erin here'], urgent: false, caseId: w.targetCase.id },
        idempotencyKey: 'n1',
        recipientStaffId: w.tutor.id,
      },
      NOW,
    );
    await enqueueDelivery(
      t.db,
      { kind: 'digest', payload: { caseIds: [w.targetCase.id, w.otherCase.id] }, idempotencyKey: 'd1', recipientStaffId: w.tutor.id },
      NOW,
    );
    await recordSentCard(
      t.db,
      {
        kind: 'digest',
        recipientStaffId: w.tutor.id,
        recipientStudentId: null,
        conversationId: 'conv-1',
        activityId: 'act-1',
        reference: {},
        caseIds: [w.targetCase.id, w.otherCase.id],
      },
      NOW,
    );
    const otherRowsBefore = await countRows(t.db, 'activity_counts', sql`student_id <> ${w.target.id}`);

    await eraseStudent(t.db, w.target.id, { by: w.tutor.id, reason: 'erasure request 2026-114', at: NOW });

    const needles = [w.target.id, w.target.email!, w.target.entraId!, 'Quill', 'equill', 'Erin here', w.targetCase.id];
    // Every table of this test's own database (on PostgreSQL its own schema; the server holds others' too).
    // Read from this schema's own catalog: introspecting every schema fails when a neighbour drops its own meanwhile.
    const schema = await currentSchema(t.db);
    const tables =
      schema === undefined
        ? (await t.db.introspection.getTables()).filter((tb) => !tb.name.startsWith('kysely_'))
        : (
            await sql<{ name: string }>`select table_name as name from information_schema.tables
              where table_schema = ${schema} and table_type = 'BASE TABLE' and table_name not like 'kysely\_%'`.execute(t.db)
          ).rows;
    expect(tables.length).toBeGreaterThan(15);
    const found: string[] = [];
    for (const table of tables) {
      const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(table.name)}`.execute(t.db)).rows;
      for (const row of rows)
        for (const [column, value] of Object.entries(row))
          for (const needle of needles)
            if (value !== null && String(value).includes(needle)) found.push(`${table.name}.${column}: ${needle}`);
    }
    expect(found).toEqual([]);
    // Everyone else is untouched: the other student's counts, case, identity and the shared digest's other case.
    expect(await countRows(t.db, 'activity_counts')).toBe(otherRowsBefore);
    expect(await findOpenCaseOfStudent(t.db, w.other.id)).toBeDefined();
    expect(await countRows(t.db, 'identities', sql`external_key = 'ovane'`)).toBe(1);
    const digest = (await listDeliveries(t.db)).find((d) => d.idempotencyKey === 'd1');
    expect(JSON.stringify(digest?.payload)).toContain(w.otherCase.id);
    // The erasure is audited with who and why, not whom.
    const audit = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'erased_student').executeTakeFirstOrThrow();
    expect(audit.actor_id).toBe(w.tutor.id);
    expect(JSON.parse(audit.detail).reason).toBe('erasure request 2026-114');
    await expect(eraseStudent(t.db, w.target.id, { by: null, reason: 'again', at: NOW })).rejects.toThrow(
      `There is no student "${w.target.id}"`,
    );
  });

  it('when monitoring is stopped for a student, then their case closes with a note, evaluation flags them no more, and lifting it resumes', async () => {
    const w = await seedWorld(t);
    const result = await setDoNotMonitor(t.db, w.target.id, { on: true, reason: 'objection upheld 2026-09', by: w.tutor.id, at: NOW });
    expect(result).toEqual({ studentId: w.target.id, monitoring: false, closedCaseId: w.targetCase.id });
    expect((await listCaseEvents(t.db, w.targetCase.id)).map((e) => e.kind)).toContain('monitoring_stopped');
    const pendingBefore = (await listDeliveries(t.db, { status: 'pending' })).length;
    await evaluateDepartment({ db: t.db, logger: silentLogger, now: () => new Date(NOW) }, 'dept-a', '2026-11-27');
    const open = (await findOpenCases(t.db, 'dept-a')).map((c) => c.studentId);
    expect(open).toContain(w.other.id);
    expect(open).not.toContain(w.target.id);
    const pending = await listDeliveries(t.db, { status: 'pending' });
    expect(pending.length).toBe(pendingBefore);
    // The counts that must be kept are kept.
    expect(await countRows(t.db, 'activity_counts', sql`student_id = ${w.target.id}`)).toBeGreaterThan(0);
    await expect(setDoNotMonitor(t.db, w.target.id, { on: true, reason: ' ', by: null, at: NOW })).rejects.toThrow(
      'Say why monitoring stops',
    );

    const during = await evaluateDepartment({ db: t.db, logger: silentLogger, now: () => new Date(NOW) }, 'dept-a', '2026-11-27');
    await setDoNotMonitor(t.db, w.target.id, { on: false, reason: '', by: w.tutor.id, at: NOW });
    // Judged again at once; the case closed by the objection holds a same-severity flag back for the usual cool-down.
    const after = await evaluateDepartment({ db: t.db, logger: silentLogger, now: () => new Date(NOW) }, 'dept-a', '2026-11-27');
    expect(after.coolingDown).toBe(during.coolingDown + 1);
  });
});
