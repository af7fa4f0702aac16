import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { selectArrays } from '../../bot/store/database';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases';

describe.each(DATABASE_KINDS)('rows as arrays on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind, { migrate: false });
    await sql`create table pairs (name text not null, n integer, note text)`.execute(t.db);
    await sql`insert into pairs (name, n, note) values ('b', 2, null), ('a', 1, 'x'), ('c', -3, 'it''s')`.execute(t.db);
  });
  afterAll(async () => t.drop());

  const select = sql`select note, n, name from pairs order by name`;

  it('hands each row over as its column values in select-list order', async () => {
    expect(await selectArrays<[string | null, number, string]>(t.db, select)).toEqual([
      ['x', 1, 'a'],
      [null, 2, 'b'],
      ["it's", -3, 'c'],
    ]);
  });

  it('does the same inside a transaction, seeing its uncommitted rows, and gives no rows as none', async () => {
    const rows = await t.db.transaction().execute(async (trx) => {
      await sql`insert into pairs (name, n, note) values ('d', 4, 'new')`.execute(trx);
      const inside = await selectArrays<[string | null, number, string]>(trx, select);
      const none = await selectArrays<[number]>(trx, sql`select n from pairs where n > ${100}`);
      await sql`delete from pairs where name = 'd'`.execute(trx);
      return { inside, none };
    });
    expect(rows.inside.map((r) => r[2])).toEqual(['a', 'b', 'c', 'd']);
    expect(rows.inside[3]).toEqual(['new', 4, 'd']);
    expect(rows.none).toEqual([]);
  });

  it('leaves every other query with one object per row, even the same text run both ways', async () => {
    await selectArrays(t.db, select);
    const { rows } = await select.execute(t.db);
    expect(rows[0]).toEqual({ note: 'x', n: 1, name: 'a' });
    expect(
      await t.db
        .selectFrom('pairs' as never)
        .select(sql<string>`name`.as('name'))
        .execute(),
    ).toHaveLength(3);
  });
});

it('reads arrays through a Kysely instance built without createDatabase (objects turned into their values)', async () => {
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SqliteDatabase(':memory:') }) });
  try {
    await sql`create table t (a integer, b text)`.execute(db);
    await sql`insert into t values (1, 'one'), (2, 'two')`.execute(db);
    expect(await selectArrays<[string, number]>(db as never, sql`select b, a from t order by a`)).toEqual([
      ['one', 1],
      ['two', 2],
    ]);
  } finally {
    await db.destroy();
  }
});
