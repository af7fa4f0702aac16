import type { Kysely } from 'kysely';

// Migrations take Kysely<any> and never import application types: they must keep working as those change.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  // A department's rule settings as it wrote them (only what it changed); defaults fill the rest when read.
  await db.schema
    .createTable('rule_configs')
    .addColumn('department_id', 'text', (c) => c.primaryKey().references('departments.id').onDelete('cascade'))
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .execute();
  // The day a case's student stopped being flagged; cleared if they are flagged again before it closes.
  await db.schema.alterTable('cases').addColumn('recovered_on', 'text').execute();
  // Evaluation sums each student's sources over the last weeks in one ordered pass: with count in the
  // index that pass never touches the table, and needs no sort (SQLite) or hash spill (PostgreSQL).
  await db.schema
    .createIndex('activity_counts_student_source_idx')
    .on('activity_counts')
    .columns(['student_id', 'source', 'day', 'count'])
    .execute();
  // Cool-down looks up each department's recently closed cases.
  await db.schema.createIndex('cases_closed_idx').on('cases').columns(['department_id', 'closed_at']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('cases_closed_idx').ifExists().execute();
  await db.schema.dropIndex('activity_counts_student_source_idx').ifExists().execute();
  await db.schema.alterTable('cases').dropColumn('recovered_on').execute();
  await db.schema.dropTable('rule_configs').ifExists().execute();
}
