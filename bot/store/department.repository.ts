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

export async function upsertDepartments(db: Db, departments: ReadonlyArray<{ id: string; name: string }>, now: string): Promise<void> {
  for (const d of departments)
    await db
      .insertInto('departments')
      .values({ id: d.id, name: d.name, is_demo: 0, created_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ name: d.name }))
      .execute();
}

/** Students and staff per department, for the People page's headline. */
export async function countPeopleByDepartment(db: Db): Promise<Map<string, { students: number; staff: number }>> {
  const out = new Map<string, { students: number; staff: number }>();
  const students = await db
    .selectFrom('students')
    .select((eb) => ['department_id', eb.fn.countAll<number>().as('n')])
    .groupBy('department_id')
    .execute();
  const staff = await db
    .selectFrom('staff')
    .select((eb) => ['department_id', eb.fn.countAll<number>().as('n')])
    .groupBy('department_id')
    .execute();
  for (const r of students) out.set(r.department_id, { students: Number(r.n), staff: 0 });
  for (const r of staff) out.set(r.department_id, { students: out.get(r.department_id)?.students ?? 0, staff: Number(r.n) });
  return out;
}
