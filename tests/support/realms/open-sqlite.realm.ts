import { createTestDatabase } from '../databases';

// The first test file of a jest worker to open SQLite: better-sqlite3's native addon takes this realm's SqliteError.
it('opens and closes a SQLite database', async () => {
  const t = await createTestDatabase('sqlite');
  await t.drop();
});
