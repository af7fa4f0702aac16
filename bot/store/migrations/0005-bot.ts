import type { Kysely } from 'kysely';

// The bot's own bookkeeping: which Teams messages show which case (so every copy can be refreshed),
// follow-up state per case (snooze, escalation), and people Teams will not let us write to.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sent_cards')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('recipient_staff_id', 'text', (c) => c.references('staff.id'))
    .addColumn('recipient_student_id', 'text', (c) => c.references('students.id'))
    .addColumn('conversation_id', 'text', (c) => c.notNull())
    .addColumn('activity_id', 'text', (c) => c.notNull())
    .addColumn('reference', 'text', (c) => c.notNull())
    .addColumn('case_ids', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sent_cards_activity_idx').on('sent_cards').columns(['conversation_id', 'activity_id']).unique().execute();

  await db.schema
    .createTable('sent_card_cases')
    .addColumn('sent_card_id', 'text', (c) => c.notNull().references('sent_cards.id').onDelete('cascade'))
    .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('sent_card_cases_pk', ['sent_card_id', 'case_id'])
    .execute();
  await db.schema.createIndex('sent_card_cases_case_idx').on('sent_card_cases').column('case_id').execute();

  await db.schema
    .createTable('case_followups')
    .addColumn('case_id', 'text', (c) => c.primaryKey().references('cases.id').onDelete('cascade'))
    .addColumn('snoozed_until', 'text')
    .addColumn('status_before_snooze', 'text')
    .addColumn('escalation_level', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('escalated_at', 'text')
    .addColumn('checkins_sent', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('unreachable_recipients')
    .addColumn('user_aad_id', 'text', (c) => c.primaryKey())
    .addColumn('staff_id', 'text')
    .addColumn('student_id', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('since', 'text', (c) => c.notNull())
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['unreachable_recipients', 'case_followups', 'sent_card_cases', 'sent_cards'])
    await db.schema.dropTable(table).ifExists().execute();
}
