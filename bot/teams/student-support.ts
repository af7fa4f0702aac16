import type { Logger } from 'pino';
import type { TurnContext } from 'botbuilder';
import type { Db } from '../store/database';
import type { SupportConfig } from '../config/support';
import { enqueueDelivery, releaseHeldDelivery, settleHeldDelivery, type OutboxMessage } from '../store/outbox.repository';
import { writeAudit } from '../store/audit.repository';
import { buildSupportCard, buildUrgentSupportCard, type AdaptiveCard, type StudentToldWhom } from './cards';

export type SupportCardPayload = Extract<OutboxMessage, { kind: 'support_card' }>['payload'];

/**
 * How long a support card waits in the outbox while the turn sends it: longer than any send in the
 * turn (botbuilder's own retries included), so the outbox never sends a card the turn is still sending.
 */
export const SUPPORT_CARD_HOLD_MS = 120_000;

/** One support card per student message (Teams' activity id in that chat): a message that comes again queues nothing new. */
export const supportCardKey = (conversationId: string, activityId: string): string => `support_card:${conversationId}:${activityId}`;

/** The card a support-card payload shows: the urgent contacts for words of risk, where to find support for distress. */
export function buildSupportCardOf(payload: SupportCardPayload, opts: { late: boolean }): AdaptiveCard {
  return payload.tier === 'risk'
    ? buildUrgentSupportCard(payload.urgentContacts, { told: payload.told, late: opts.late })
    : buildSupportCard({
        contacts: payload.contacts,
        urgentContacts: payload.urgentContacts,
        told: payload.told,
        late: opts.late,
        outOfHours: payload.outOfHours ?? false,
      });
}

/** A support card reached a student: in the audit trail, with how it went (in the reply, or later from the outbox). */
export function auditSupportCard(
  db: Db,
  sent: { studentId: string; tier: SupportCardPayload['tier']; caseId: string | null; activityId: string | null; via: 'reply' | 'outbox' },
  at: string,
): Promise<void> {
  return writeAudit(
    db,
    {
      actorId: null,
      action: 'sent_support_card',
      subjectKind: 'student',
      subjectId: sent.studentId,
      detail: { tier: sent.tier, caseId: sent.caseId, activityId: sent.activityId, via: sent.via },
    },
    at,
  );
}

export interface StudentSupportDeps {
  db: Db;
  logger: Logger;
  now: () => Date;
  support: Pick<SupportConfig, 'contacts' | 'urgentContacts'>;
  /** A card is due in the outbox for this student: deliver it now. */
  onQueued: (studentId: string) => void;
}

/**
 * Shows a student their support card in reply to their message, and makes sure it reaches them even
 * when the reply cannot be sent (the Bot Connector failing past botbuilder's own retries). The card
 * is first queued in the outbox on hold; sent in the reply, it is recorded there as sent and never
 * goes again; not sent, it is released at once to the delivery worker, which sends it to the
 * student's stored chat as soon as the connector answers (paced, with Retry-After and backoff, and a
 * dead letter on the Data page if it never can), and the turn still fails as before. When the
 * outbox cannot take it (the database is down) the reply goes all the same.
 */
export async function sendSupportCard(
  deps: StudentSupportDeps,
  context: TurnContext,
  input: { studentId: string; tier: SupportCardPayload['tier']; told: StudentToldWhom; caseId: string | null; outOfHours?: boolean },
  send: (card: AdaptiveCard) => Promise<string | undefined>,
): Promise<void> {
  const payload: SupportCardPayload = {
    tier: input.tier,
    told: input.told,
    contacts: [...deps.support.contacts],
    urgentContacts: [...deps.support.urgentContacts],
    caseId: input.caseId,
    ...(input.outOfHours ? { outOfHours: true } : {}),
  };
  const conversationId = context.activity.conversation.id;
  const key = context.activity.id ? supportCardKey(conversationId, context.activity.id) : null;
  const at = deps.now();
  let held = false;
  if (key) {
    let again = false;
    try {
      held = await enqueueDelivery(
        deps.db,
        {
          idempotencyKey: key,
          kind: 'support_card',
          recipientStudentId: input.studentId,
          payload,
          notBefore: new Date(at.getTime() + SUPPORT_CARD_HOLD_MS).toISOString(),
        },
        at.toISOString(),
      );
      again = !held;
    } catch (error) {
      deps.logger.error({ err: error, studentId: input.studentId }, 'the support card could not be queued; it is sent in the reply only');
    }
    if (again) {
      // The same message again (Teams resends what we failed to answer): its card is already queued,
      // and goes (or went) once from there.
      await releaseHeldDelivery(deps.db, key, deps.now().toISOString(), 'The student sent the same message again.').catch(() => undefined);
      deps.onQueued(input.studentId);
      return;
    }
  }
  let activityId: string | undefined;
  try {
    activityId = await send(buildSupportCardOf(payload, { late: false }));
  } catch (error) {
    if (key && held) {
      const reason = `The reply could not be sent: ${(error as Error).message ?? String(error)}`;
      await releaseHeldDelivery(deps.db, key, deps.now().toISOString(), reason).then(
        () => deps.onQueued(input.studentId),
        (releaseError: unknown) =>
          deps.logger.error(
            { err: releaseError, studentId: input.studentId },
            'the support card stays on hold; it goes when the hold ends',
          ),
      );
      deps.logger.warn(
        { err: error, studentId: input.studentId, tier: input.tier },
        'support card not sent in the reply; queued for the student',
      );
    }
    throw error;
  }
  if (!key || !held) return;
  const sentAt = deps.now().toISOString();
  try {
    await deps.db.transaction().execute(async (trx) => {
      if (await settleHeldDelivery(trx, key, { activityId: activityId ?? null, conversationId, at: sentAt }))
        await auditSupportCard(
          trx,
          { studentId: input.studentId, tier: input.tier, caseId: input.caseId, activityId: activityId ?? null, via: 'reply' },
          sentAt,
        );
    });
  } catch (error) {
    deps.logger.error(
      { err: error, studentId: input.studentId, outboxKey: key },
      'the support card went in the reply but could not be recorded; the outbox sends it again when the hold ends',
    );
  }
}
