import type { Kysely } from 'kysely';

// The tab's list asks "has anything changed?" on every request (max(updated_at) per department);
// these make that an index seek instead of a scan of the department's rows.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('cases_department_updated_idx').on('cases').columns(['department_id', 'updated_at']).execute();
  await db.schema.createIndex('students_department_updated_idx').on('students').columns(['department_id', 'updated_at']).execute();
  await db.schema.createIndex('staff_department_updated_idx').on('staff').columns(['department_id', 'updated_at']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const index of ['cases_department_updated_idx', 'students_department_updated_idx', 'staff_department_updated_idx'])
    await db.schema.dropIndex(index).ifExists().execute();
}
