import type { Logger } from 'pino';
import type { TurnContext } from 'botbuilder';
import type { Db } from '../store/database';
import type { SupportConfig } from '../config/support';
import { randomUUID } from 'node:crypto';
import { enqueueClaimedDelivery, findDeliveryByKey, releaseHeldDelivery, type OutboxMessage } from '../store/outbox.repository';
import { finishSend, releaseClaim, renewClaims } from '../store/delivery-claim.repository';
import { writeAudit } from '../store/audit.repository';
import type { SendReconciler } from './send-reconciler';
import { buildSupportCard, buildUrgentSupportCard, type AdaptiveCard, type StudentToldWhom } from './cards';

export type SupportCardPayload = Extract<OutboxMessage, { kind: 'support_card' }>['payload'];

/** Who holds a support card's claim while the reply sends it (outbox.claimed_by). */
const REPLY_WORKER = 'reply';

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
  support: Pick<SupportConfig, 'contacts' | 'urgentContacts' | 'cardHoldSeconds'>;
  /** A card is due in the outbox for this student: deliver it now. */
  onQueued: (studentId: string) => void;
  /**
   * The delivery worker's sends awaiting the database: a card that went in the reply but could not be
   * recorded waits here, and the worker records it before it claims anything, so it does not send it again.
   */
  reconciler?: SendReconciler;
}

/**
 * Teams sent a student's message again (it does when the first answer was slow or failed): when that
 * message was recorded and staff told already (its support card is queued, telling the student who was
 * told), nothing is recorded or told twice; its card goes once (by the reply holding it, or the outbox),
 * and the outbox is woken for it. False when the message is new, or its first turn could not record it
 * (the card says nobody was told): it is answered as new. A database that cannot say answers false.
 */
export async function answerResentMessage(
  deps: Pick<StudentSupportDeps, 'db' | 'logger' | 'now' | 'onQueued'>,
  context: TurnContext,
  studentId: string,
): Promise<boolean> {
  if (!context.activity.id) return false;
  const key = supportCardKey(context.activity.conversation.id, context.activity.id);
  const queued = await findDeliveryByKey(deps.db, key).catch(() => undefined);
  if (queued?.kind !== 'support_card' || queued.recipientStudentId !== studentId || queued.payload.told === 'nobody') return false;
  await releaseHeldDelivery(deps.db, key, deps.now().toISOString(), 'The student sent the same message again.').catch(() => undefined);
  deps.onQueued(studentId);
  deps.logger.info({ studentId, outboxKey: key, status: queued.status }, 'a message sent again: recorded and answered once already');
  return true;
}

/**
 * Shows a student their support card in reply to their message, and makes sure it reaches them once
 * even when the reply cannot be sent (the Bot Connector failing past botbuilder's own retries) or the
 * service dies while sending it. The card is first queued in the outbox, claimed by this reply for the
 * hold (SUPPORT_CARD_HOLD_SECONDS) and the claim renewed while the send is in flight, so the delivery
 * worker never sends it while the reply may still carry it, however long the connector takes. Sent in
 * the reply, it is recorded there as sent under the claim and never goes again; not sent, the claim is
 * released at once to the delivery worker, which sends it to the student's stored chat as soon as the
 * connector answers (paced, with Retry-After and backoff, and a dead letter on the Data page if it never
 * can), and the turn still fails as before. If the service dies mid-reply, the claim runs out with the
 * hold and the worker (of any instance) sends it then. When the outbox cannot take it (the database is
 * down) the reply goes all the same.
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
  const holdMs = deps.support.cardHoldSeconds * 1000;
  const holdFromNow = () => new Date(deps.now().getTime() + holdMs).toISOString();
  let claim: { id: string; claimToken: string } | null = null;
  if (key) {
    let again = false;
    try {
      const at = deps.now().toISOString();
      claim = await enqueueClaimedDelivery(
        deps.db,
        { idempotencyKey: key, kind: 'support_card', recipientStudentId: input.studentId, payload },
        { worker: REPLY_WORKER, token: randomUUID(), until: holdFromNow() },
        at,
      );
      again = !claim;
    } catch (error) {
      deps.logger.error({ err: error, studentId: input.studentId }, 'the support card could not be queued; it is sent in the reply only');
    }
    if (again) {
      // The same message again (Teams resends what we were slow or failed to answer): its card is already
      // queued, and goes (or went) once from there: by the reply that holds it, or by the outbox after.
      await releaseHeldDelivery(deps.db, key, deps.now().toISOString(), 'The student sent the same message again.').catch(() => undefined);
      deps.onQueued(input.studentId);
      return;
    }
  }
  // However long the connector keeps the reply waiting, the worker does not take the card meanwhile.
  const renewal = claim
    ? setInterval(() => {
        renewClaims(deps.db, claim!.claimToken, holdFromNow()).catch((error: unknown) =>
          deps.logger.warn({ err: error, studentId: input.studentId }, 'could not renew the hold on the support card being sent'),
        );
      }, holdMs / 3)
    : null;
  renewal?.unref();
  let activityId: string | undefined;
  try {
    activityId = await send(buildSupportCardOf(payload, { late: false }));
  } catch (error) {
    if (renewal) clearInterval(renewal);
    if (claim) {
      const reason = `The reply could not be sent: ${(error as Error).message ?? String(error)}`.slice(0, 500);
      await releaseClaim(deps.db, claim, {
        error: reason,
        nextAttemptAt: deps.now().toISOString(),
        giveUp: false,
        countAttempt: false,
      }).then(
        () => deps.onQueued(input.studentId),
        (releaseError: unknown) =>
          deps.logger.error(
            { err: releaseError, studentId: input.studentId },
            'the support card stays claimed by this reply; the outbox sends it when the hold ends',
          ),
      );
      deps.logger.warn(
        { err: error, studentId: input.studentId, tier: input.tier },
        'support card not sent in the reply; queued for the student',
      );
    }
    throw error;
  }
  if (renewal) clearInterval(renewal);
  if (!claim) return;
  const sentAt = deps.now().toISOString();
  const sent = claim;
  const record = async (db: Db) => {
    await db.transaction().execute(async (trx) => {
      if (await finishSend(trx, sent, { activityId: activityId ?? null, conversationId, at: sentAt }))
        await auditSupportCard(
          trx,
          { studentId: input.studentId, tier: input.tier, caseId: input.caseId, activityId: activityId ?? null, via: 'reply' },
          sentAt,
        );
    });
  };
  try {
    await record(deps.db);
  } catch (error) {
    if (deps.reconciler) deps.reconciler.hold(sent.id, record);
    deps.logger.error(
      { err: error, studentId: input.studentId, outboxKey: key },
      deps.reconciler
        ? 'the support card went in the reply but could not be recorded; it is recorded once the database answers, before the outbox claims anything'
        : 'the support card went in the reply but could not be recorded; the outbox sends it again when the hold ends',
    );
  }
}
