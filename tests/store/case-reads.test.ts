import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases';
import { NOW, buildStaff, buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { seedCase } from '../support/cases';
import { appendCaseEvent } from '../../bot/store/case-event.repository';
import { changeCaseStatus, findCase, findCurrentCaseId, findFlagListStamp } from '../../bot/store/case.repository';
import { findLatestCaseEvents } from '../../bot/store/case-event.repository';
import { listCohortIds } from '../../bot/store/student.repository';
import { loadStudentsCounts } from '../../bot/store/activity.repository';
import { upsertCounts } from '../../bot/store/activity.repository';
import { createFlagListCache, listFlagPageBody, type FlagListDeps } from '../../bot/commands/flag-page.command';
import type { Staff } from '../../bot/store/staff.repository';
import { createAuditWriter, listAudit } from '../../bot/store/audit.repository';
import { performCaseAction } from '../../bot/commands/case-actions.command';
import { FlagPageSchema, FlagQuerySchema, type FlagPage, type FlagQuery } from '../../shared/api/flags';

/** A page as the tab receives it: the body the route sends, read back through the shared contract. */
async function listFlagPage(deps: FlagListDeps, viewer: Staff, query: FlagQuery, today: string, now: string): Promise<FlagPage> {
  return FlagPageSchema.parse(JSON.parse((await listFlagPageBody(deps, viewer, query, today, now)).toString('utf8')));
}

describe.each(DATABASE_KINDS)('tab store on %s', (kind) => {
  let t: TestDatabase;
  const director = buildStaff({ roles: ['director_of_studies'] });
  beforeEach(async () => {
    t = await createTestDatabase(kind);
    await seedDepartment(t.db);
    await seedPeople(t.db, { staff: [director] });
  });
  afterEach(async () => t.drop());

  it('when an event is appended or a case changes, then the list stamp changes, and otherwise it stays', async () => {
    const student = buildStudent();
    await seedPeople(t.db, { students: [student] });
    const c = await seedCase(t.db, student.id);
    const first = await findFlagListStamp(t.db, 'dept-a');
    expect(await findFlagListStamp(t.db, 'dept-a')).toBe(first);
    await appendCaseEvent(t.db, { caseId: c.id, at: NOW, kind: 'alerted', actorKind: 'system', actorId: null, note: null, data: {} });
    const second = await findFlagListStamp(t.db, 'dept-a');
    expect(second).not.toBe(first);
    await changeCaseStatus(t.db, c.id, ['open'], { status: 'acknowledged', updatedAt: '2026-11-27T10:00:00.000Z' });
    expect(await findFlagListStamp(t.db, 'dept-a')).not.toBe(second);
  });

  it('when a case has several events, then the latest one is found for the list', async () => {
    const student = buildStudent();
    await seedPeople(t.db, { students: [student] });
    const c = await seedCase(t.db, student.id);
    await appendCaseEvent(t.db, {
      caseId: c.id,
      at: '2026-11-27T10:00:00.000Z',
      kind: 'alerted',
      actorKind: 'system',
      actorId: null,
      note: null,
      data: {},
    });
    const latest = await findLatestCaseEvents(t.db, [c.id]);
    expect(latest.get(c.id)?.kind).toBe('alerted');
  });

  it('when a transition starts from a status the case has already left, then nothing changes', async () => {
    const student = buildStudent();
    await seedPeople(t.db, { students: [student] });
    const c = await seedCase(t.db, student.id);
    expect(
      await changeCaseStatus(t.db, c.id, ['open'], { status: 'closed', outcome: 'contacted_fine', closedAt: NOW, updatedAt: NOW }),
    ).toBe(true);
    expect(await changeCaseStatus(t.db, c.id, ['open'], { status: 'acknowledged', updatedAt: NOW })).toBe(false);
    expect((await findCase(t.db, c.id))?.status).toBe('closed');
    expect(await findCurrentCaseId(t.db, student.id)).toBe(c.id);
  });

  it('when counts and cohorts are loaded, then only the asked students, days and active cohort come back', async () => {
    const a = buildStudent({ programme: 'BSc X', year: 2 });
    const b = buildStudent({ programme: 'BSc X', year: 2, status: 'suspended' });
    const other = buildStudent({ programme: 'BSc X', year: 3 });
    await seedPeople(t.db, { students: [a, b, other] });
    await upsertCounts(t.db, [
      { studentId: a.id, day: '2026-11-20', source: 'moodle_login', count: 2 },
      { studentId: a.id, day: '2026-12-20', source: 'moodle_login', count: 9 },
      { studentId: other.id, day: '2026-11-20', source: 'moodle_login', count: 4 },
    ]);
    const counts = await loadStudentsCounts(t.db, [a.id], '2026-11-01', '2026-11-30');
    expect([...counts.keys()]).toEqual([a.id]);
    expect(counts.get(a.id)?.get('2026-11-20')?.get('moodle_login')).toBe(2);
    expect(counts.get(a.id)?.has('2026-12-20')).toBe(false);
    expect(await listCohortIds(t.db, { departmentId: 'dept-a', programme: 'BSc X', year: 2 })).toEqual([a.id]);
  });

  it('when a case is changed elsewhere between two list reads, then the held list shows it once the recheck interval has passed', async () => {
    const student = buildStudent();
    await seedPeople(t.db, { students: [student] });
    const c = await seedCase(t.db, student.id);
    let clock = 0;
    const deps = { db: t.db, cache: createFlagListCache(t.db, { recheckMs: 250, clock: () => clock }) };
    const query = FlagQuerySchema.parse({});
    expect((await listFlagPage(deps, director, query, '2026-11-27', NOW)).flags[0]?.status).toBe('open');
    await performCaseAction(
      { db: t.db, now: () => new Date('2026-11-27T10:00:00.000Z') },
      { actor: director, caseId: c.id, action: { action: 'acknowledge' } },
    );
    clock = 100;
    expect((await listFlagPage(deps, director, query, '2026-11-27', NOW)).flags[0]?.status).toBe('open');
    clock = 400;
    const after = await listFlagPage(deps, director, query, '2026-11-27', '2026-11-27T10:00:01.000Z');
    expect(after.flags[0]?.status).toBe('acknowledged');
    expect(after.flags[0]?.ownerName).toBe(director.displayName);
  });

  it('when the tab invalidates a department, then the next read rebuilds at once', async () => {
    const student = buildStudent();
    await seedPeople(t.db, { students: [student] });
    const c = await seedCase(t.db, student.id);
    const deps = { db: t.db, cache: createFlagListCache(t.db, { recheckMs: 60_000, clock: () => 0 }) };
    const query = FlagQuerySchema.parse({});
    await listFlagPage(deps, director, query, '2026-11-27', NOW);
    await performCaseAction(
      { db: t.db, now: () => new Date('2026-11-27T10:00:00.000Z') },
      { actor: director, caseId: c.id, action: { action: 'acknowledge' } },
    );
    deps.cache.invalidate('dept-a');
    expect((await listFlagPage(deps, director, query, '2026-11-27', NOW)).flags[0]?.status).toBe('acknowledged');
  });

  it('when pages are served from rendered pages held with the list, then each viewer gets only their own scope, a change shows after the recheck, and every view is audited', async () => {
    const tutor = buildStaff({ roles: ['personal_tutor'] });
    await seedPeople(t.db, { staff: [tutor] });
    const tutee = buildStudent({ tutorId: tutor.id });
    const other = buildStudent();
    await seedPeople(t.db, { students: [tutee, other] });
    const c = await seedCase(t.db, tutee.id);
    await seedCase(t.db, other.id);
    let clock = 0;
    const deps = { db: t.db, cache: createFlagListCache(t.db, { recheckMs: 250, clock: () => clock }), audit: createAuditWriter(t.db) };
    const query = FlagQuerySchema.parse({});
    const read = async (viewer: typeof director) => listFlagPage(deps, viewer, query, '2026-11-27', NOW);
    expect((await read(director)).total).toBe(2);
    const own = await read(tutor);
    expect(own.scope).toBe('tutees');
    expect(own.flags.map((f) => f.studentId)).toEqual([tutee.id]);
    expect((await read(director)).total).toBe(2);
    await performCaseAction(
      { db: t.db, now: () => new Date('2026-11-27T10:00:00.000Z') },
      { actor: tutor, caseId: c.id, action: { action: 'acknowledge' } },
    );
    clock = 400;
    expect((await read(tutor)).flags[0]?.status).toBe('acknowledged');
    const views = (await listAudit(t.db, 100)).filter((a) => a.action === 'viewed_flag_list');
    expect(views.map((v) => v.actorId).sort()).toEqual([director.id, director.id, tutor.id, tutor.id].sort());
  });
});
