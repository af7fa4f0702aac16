import type { Db } from './database';

export interface Department {
  id: string;
  name: string;
  isDemo: boolean;
}

export async function findDepartment(db: Db, id: string): Promise<Department | undefined> {
  const row = await db.selectFrom('departments').selectAll().where('id', '=', id).executeTakeFirst();
  return row && { id: row.id, name: row.name, isDemo: row.is_demo === 1 };
}

export async function listDepartments(db: Db): Promise<Department[]> {
  const rows = await db.selectFrom('departments').selectAll().orderBy('name').execute();
  return rows.map((row) => ({ id: row.id, name: row.name, isDemo: row.is_demo === 1 }));
}

export async function insertDepartment(db: Db, department: Department, now: string): Promise<void> {
  await db
    .insertInto('departments')
    .values({ id: department.id, name: department.name, is_demo: department.isDemo ? 1 : 0, created_at: now })
    .execute();
}

/** True when no department exists yet: the signal for loading the demo on first start. */
export async function isStoreEmpty(db: Db): Promise<boolean> {
  const row = await db.selectFrom('departments').select('id').limit(1).executeTakeFirst();
  return row === undefined;
}
