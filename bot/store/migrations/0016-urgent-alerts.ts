import type { Kysely } from 'kysely';

// An urgent message (the risk tier) is tracked until a member of staff records that they have acted,
// whether or not the student had an open case: the tab pins it above the list until then.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('urgent_alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('student_id', 'text', (c) => c.notNull().references('students.id'))
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('case_id', 'text')
    .addColumn('message', 'text')
    .addColumn('phrase', 'text')
    .addColumn('raised_at', 'text', (c) => c.notNull())
    .addColumn('notified', 'text', (c) => c.notNull())
    .addColumn('acted_at', 'text')
    .addColumn('acted_by', 'text')
    .addColumn('acted_note', 'text')
    .execute();
  await db.schema.createIndex('urgent_alerts_department').on('urgent_alerts').columns(['department_id', 'acted_at']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('urgent_alerts').execute();
}
