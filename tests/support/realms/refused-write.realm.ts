import { upsertCounts } from '../../../bot/store/activity.repository';
import { createTestDatabase } from '../databases';

// A later test file of the same worker: a write SQLite refuses must reach it as an Error of its own realm.
it('sees a count for nobody refused by the foreign key, as an Error', async () => {
  const t = await createTestDatabase('sqlite');
  try {
    const write = upsertCounts(t.db, [{ studentId: 'nobody', day: '2026-11-04', source: 'moodle_login', count: 1 }]);
    await expect(write).rejects.toThrow(/foreign key/i);
    await expect(write.catch((error: unknown) => error instanceof Error)).resolves.toBe(true);
  } finally {
    await t.drop();
  }
});
