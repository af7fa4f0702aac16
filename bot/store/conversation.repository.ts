import type { ConversationReference } from 'botbuilder';
import { z } from 'zod';
import type { Db } from './database';

/** What a stored reference must hold for a proactive send; the rest is botbuilder's and passed through. */
const ReferenceSchema = z.looseObject({
  serviceUrl: z.string().optional(),
  channelId: z.string().optional(),
  conversation: z.looseObject({ id: z.string() }).optional(),
});

/** A stored conversation reference (conversations and sent_cards), checked at the edge. */
export function parseConversationReference(text: string): Partial<ConversationReference> {
  // botbuilder's account types list fields Teams does not always send; the checked shape is what sending uses.
  return ReferenceSchema.parse(JSON.parse(text)) as Partial<ConversationReference>;
}

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
  return row && parseConversationReference(row.reference);
}

export async function findStudentConversation(db: Db, studentId: string): Promise<Partial<ConversationReference> | undefined> {
  const row = await db
    .selectFrom('conversations')
    .select('reference')
    .where('student_id', '=', studentId)
    .orderBy('updated_at', 'desc')
    .executeTakeFirst();
  return row && parseConversationReference(row.reference);
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
