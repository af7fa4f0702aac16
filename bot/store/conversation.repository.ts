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
    .values({
      user_aad_id: c.userAadId,
      staff_id: c.staffId,
      student_id: c.studentId,
      reference: JSON.stringify(c.reference),
      updated_at: now,
    })
    .onConflict((oc) =>
      oc
        .column('user_aad_id')
        .doUpdateSet({ staff_id: c.staffId, student_id: c.studentId, reference: JSON.stringify(c.reference), updated_at: now }),
    )
    .execute();
}

export async function findStaffConversation(db: Db, staffId: string): Promise<Partial<ConversationReference> | undefined> {
  const row = await db
    .selectFrom('conversations')
    .select('reference')
    .where('staff_id', '=', staffId)
    .orderBy('updated_at', 'desc')
    .executeTakeFirst();
  return row && (JSON.parse(row.reference) as Partial<ConversationReference>);
}

export async function findStudentConversation(db: Db, studentId: string): Promise<Partial<ConversationReference> | undefined> {
  const row = await db
    .selectFrom('conversations')
    .select('reference')
    .where('student_id', '=', studentId)
    .orderBy('updated_at', 'desc')
    .executeTakeFirst();
  return row && (JSON.parse(row.reference) as Partial<ConversationReference>);
}

/** The Entra object id behind a stored chat, for marking someone unreachable. */
export async function findConversationUser(
  db: Db,
  who: { staffId?: string | null; studentId?: string | null },
): Promise<string | undefined> {
  let q = db.selectFrom('conversations').select('user_aad_id');
  if (who.staffId) q = q.where('staff_id', '=', who.staffId);
  else if (who.studentId) q = q.where('student_id', '=', who.studentId);
  else return undefined;
  return (await q.executeTakeFirst())?.user_aad_id;
}
