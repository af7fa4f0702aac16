import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases';
import { createAuditWriter, listAudit } from '../../bot/store/audit.repository';

describe.each(DATABASE_KINDS)('group-committed audit writer on %s', (kind) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await createTestDatabase(kind);
  });
  afterEach(async () => t.drop());

  it('when many views are written in the same turn, then each caller resumes only once its entry is stored, and every entry is stored once', async () => {
    const write = createAuditWriter(t.db);
    const stored: number[] = [];
    await Promise.all(
      Array.from({ length: 150 }, async (_, i) => {
        await write(
          { actorId: `staff-${i}`, action: 'viewed_flag_list', subjectKind: 'department', subjectId: 'dept-a', detail: { page: i } },
          '2026-11-27T09:00:00.000Z',
        );
        stored.push((await listAudit(t.db, 1000)).filter((a) => a.actorId === `staff-${i}`).length);
      }),
    );
    expect(stored).toEqual(Array.from({ length: 150 }, () => 1));
    const audit = await listAudit(t.db, 1000);
    expect(audit).toHaveLength(150);
    expect(new Set(audit.map((a) => a.detail?.page)).size).toBe(150);
  });

  it('when a batch cannot be stored, then every caller in it is told so and a later write is stored', async () => {
    const write = createAuditWriter(t.db);
    const results = await Promise.allSettled([
      write({ actorId: 'a', action: 'viewed_flag_list', subjectKind: 'department', subjectId: 'dept-a' }, '2026-11-27T09:00:00.000Z'),
      // An entry breaking the table's NOT NULL rule fails the whole insert it is part of.
      write(
        { actorId: 'b', action: null as unknown as string, subjectKind: 'department', subjectId: 'dept-a' },
        '2026-11-27T09:00:00.000Z',
      ),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await listAudit(t.db)).toHaveLength(0);
    await write({ actorId: 'c', action: 'viewed_flag_list', subjectKind: 'department', subjectId: 'dept-a' }, '2026-11-27T09:00:01.000Z');
    expect((await listAudit(t.db)).map((a) => a.actorId)).toEqual(['c']);
  });
});
