import type { ConversationReference } from 'botbuilder';
import { z } from 'zod';
import type { Db } from './database';
import { parseConversationReference } from './conversation.repository';
import { newId } from './ids';
import type { SentCardRow } from './schema';

/** A Teams message we sent that shows one or more cases, kept so every copy can be refreshed. */
export interface SentCard {
  id: string;
  kind: 'digest' | 'checkin' | 'notice';
  recipientStaffId: string | null;
  recipientStudentId: string | null;
  conversationId: string;
  activityId: string;
  reference: Partial<ConversationReference>;
  caseIds: string[];
  createdAt: string;
  updatedAt: string;
}

type Row = SentCardRow;

const SentCardKindSchema = z.enum(['digest', 'checkin', 'notice']);
const CaseIdsSchema = z.array(z.string());

const toSentCard = (r: Row): SentCard => ({
  id: r.id,
  kind: SentCardKindSchema.parse(r.kind),
  recipientStaffId: r.recipient_staff_id,
  recipientStudentId: r.recipient_student_id,
  conversationId: r.conversation_id,
  activityId: r.activity_id,
  reference: parseConversationReference(r.reference),
  caseIds: CaseIdsSchema.parse(JSON.parse(r.case_ids)),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Records a sent card; the same activity recorded twice (a retried send) keeps one row. */
export async function recordSentCard(db: Db, card: Omit<SentCard, 'id' | 'createdAt' | 'updatedAt'>, now: string): Promise<SentCard> {
  const existing = await findSentCardByActivity(db, card.conversationId, card.activityId);
  if (existing) return existing;
  const id = newId();
  await db
    .insertInto('sent_cards')
    .values({
      id,
      kind: card.kind,
      recipient_staff_id: card.recipientStaffId,
      recipient_student_id: card.recipientStudentId,
      conversation_id: card.conversationId,
      activity_id: card.activityId,
      reference: JSON.stringify(card.reference),
      case_ids: JSON.stringify(card.caseIds),
      created_at: now,
      updated_at: now,
    })
    .execute();
  if (card.caseIds.length > 0)
    await db
      .insertInto('sent_card_cases')
      .values(card.caseIds.map((caseId) => ({ sent_card_id: id, case_id: caseId })))
      .execute();
  return { ...card, id, createdAt: now, updatedAt: now };
}

export async function findSentCard(db: Db, id: string): Promise<SentCard | undefined> {
  const row = await db.selectFrom('sent_cards').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toSentCard(row);
}

export async function findSentCardByActivity(db: Db, conversationId: string, activityId: string): Promise<SentCard | undefined> {
  const row = await db
    .selectFrom('sent_cards')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('activity_id', '=', activityId)
    .executeTakeFirst();
  return row && toSentCard(row);
}

/** Every sent card that shows a case: the copies to refresh when the case changes. */
export async function listSentCardsForCase(db: Db, caseId: string): Promise<SentCard[]> {
  const rows = await db
    .selectFrom('sent_cards')
    .innerJoin('sent_card_cases', 'sent_card_cases.sent_card_id', 'sent_cards.id')
    .selectAll('sent_cards')
    .where('sent_card_cases.case_id', '=', caseId)
    .orderBy('sent_cards.created_at')
    .execute();
  return rows.map(toSentCard);
}

export async function touchSentCard(db: Db, id: string, now: string): Promise<void> {
  await db.updateTable('sent_cards').set({ updated_at: now }).where('id', '=', id).execute();
}
