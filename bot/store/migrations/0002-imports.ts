import type { Kysely } from 'kysely';

// Migrations take Kysely<any> and never import application types: they must keep working as those change.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  // SQLite adds one column per ALTER TABLE.
  await db.schema
    .alterTable('imports')
    .addColumn('format', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema
    .alterTable('imports')
    .addColumn('scope', 'text', (c) => c.notNull().defaultTo('site'))
    .execute();
  await db.schema
    .alterTable('imports')
    .addColumn('rows_unresolved', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('imports')
    .addColumn('students_affected', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('imports')
    .addColumn('details', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema.createIndex('imports_scope_idx').on('imports').columns(['source', 'scope', 'status']).execute();
  await db.schema.createIndex('imports_hash_idx').on('imports').column('file_hash').execute();

  // What each import contributed to activity_counts, so a later export of the same scope can take it back out exactly.
  await db.schema
    .createTable('import_counts')
    .addColumn('import_id', 'text', (c) => c.notNull().references('imports.id').onDelete('cascade'))
    .addColumn('student_id', 'text', (c) => c.notNull().references('students.id').onDelete('cascade'))
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('import_counts_pk', ['import_id', 'student_id', 'day', 'source'])
    .execute();
  // No index beyond the key: contributions are looked up by import (the imports of one scope are few), then student and day.
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('import_counts').ifExists().execute();
  await db.schema.dropIndex('imports_hash_idx').ifExists().execute();
  await db.schema.dropIndex('imports_scope_idx').ifExists().execute();
  for (const column of ['details', 'students_affected', 'rows_unresolved', 'scope', 'format'])
    await db.schema.alterTable('imports').dropColumn(column).execute();
}
