import type { ConversationReference } from 'botbuilder';
import type { Db } from './database';

/** Stores (or replaces) the Teams conversation reference for a user, so proactive messages survive restarts. */
export async function saveConversation(
  db: Db,
  c: { userAadId: string; staffId: string | null; studentId: string | null; reference: Partial<ConversationReference> },
  now: string,
): Promise<void> {
  await db
    .insertInto('conversations')
    .values({ user_aad_id: c.userAadId, staff_id: c.staffId, student_id: c.studentId, reference: JSON.stringify(c.reference), updated_at: now })
    .onConflict((oc) =>
      oc.column('user_aad_id').doUpdateSet({ staff_id: c.staffId, student_id: c.studentId, reference: JSON.stringify(c.reference), updated_at: now }),
    )
    .execute();
}

export async function findStaffConversation(db: Db, staffId: string): Promise<Partial<ConversationReference> | undefined> {
  const row = await db.selectFrom('conversations').select('reference').where('staff_id', '=', staffId).orderBy('updated_at', 'desc').executeTakeFirst();
  return row && (JSON.parse(row.reference) as Partial<ConversationReference>);
}
