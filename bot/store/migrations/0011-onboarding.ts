import { sql, type Kysely } from 'kysely';

// Day one at a real university: the roster's start date, what the directory lookup learnt (UPN, or
// why nobody matched), and where each staff role came from (roster, staff CSV, Entra group), so that
// one source replacing its roles never removes another's. staff_roles is rebuilt because its primary
// key gains the source, which neither database can alter in place portably.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('students').addColumn('start_day', 'text').execute();
  await db.schema.alterTable('students').addColumn('upn', 'text').execute();
  await db.schema.alterTable('students').addColumn('entra_note', 'text').execute();
  await db.schema.alterTable('staff').addColumn('upn', 'text').execute();
  await db.schema.alterTable('staff').addColumn('entra_note', 'text').execute();

  await db.schema
    .createTable('staff_role_sources')
    .addColumn('staff_id', 'text', (c) => c.notNull().references('staff.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('manual'))
    .addColumn('source_ref', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('granted_at', 'text', (c) => c.notNull().defaultTo('1970-01-01T00:00:00.000Z'))
    .addPrimaryKeyConstraint('staff_role_sources_pk', ['staff_id', 'role', 'source', 'source_ref'])
    .execute();
  await sql`insert into staff_role_sources (staff_id, role, source, source_ref, granted_at)
    select staff_id, role, 'manual', '', '1970-01-01T00:00:00.000Z' from staff_roles`.execute(db);
  await db.schema.dropTable('staff_roles').execute();
  await db.schema.alterTable('staff_role_sources').renameTo('staff_roles').execute();
  await db.schema.createIndex('staff_roles_role_idx').on('staff_roles').columns(['role', 'staff_id']).execute();
  await db.schema.createIndex('staff_entra_idx').on('staff').column('entra_id').execute();
  await db.schema.createIndex('students_entra_idx').on('students').column('entra_id').execute();

  await db.schema
    .createTable('entra_group_syncs')
    .addColumn('group_id', 'text', (c) => c.primaryKey())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('department_id', 'text')
    .addColumn('members', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_run_at', 'text', (c) => c.notNull())
    .addColumn('last_status', 'text', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('entra_group_syncs').ifExists().execute();
  await db.schema.dropIndex('students_entra_idx').ifExists().execute();
  await db.schema.dropIndex('staff_entra_idx').ifExists().execute();
  await db.schema.dropIndex('staff_roles_role_idx').ifExists().execute();
  await db.schema
    .createTable('staff_roles_old')
    .addColumn('staff_id', 'text', (c) => c.notNull().references('staff.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('staff_roles_old_pk', ['staff_id', 'role'])
    .execute();
  await sql`insert into staff_roles_old (staff_id, role) select distinct staff_id, role from staff_roles`.execute(db);
  await db.schema.dropTable('staff_roles').execute();
  await db.schema.alterTable('staff_roles_old').renameTo('staff_roles').execute();
  for (const [table, column] of [
    ['staff', 'entra_note'],
    ['staff', 'upn'],
    ['students', 'entra_note'],
    ['students', 'upn'],
    ['students', 'start_day'],
  ] as const)
    await db.schema.alterTable(table).dropColumn(column).execute();
}
