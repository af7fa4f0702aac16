import type { Kysely } from 'kysely';

// An upload through the tab speaks for its uploader's department only (issue 13): the import remembers
// which, so its history is shown to that department alone. Imports from the command line, the drop
// folder and Graph speak for the whole institution and keep null.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('imports').addColumn('department_id', 'text').execute();
  await db.schema.createIndex('imports_department_started_idx').on('imports').columns(['department_id', 'started_at']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('imports_department_started_idx').ifExists().execute();
  await db.schema.alterTable('imports').dropColumn('department_id').execute();
}
