import type { ConversationReference } from 'botbuilder';
import type { Logger } from 'pino';
import type { Db } from '../store/database';
import { claimDueDeliveries, deferDelivery, markDelivered, NO_CHAT_ERROR, type OutboxItem } from '../store/outbox.repository';
import { queueCardRefreshes } from '../commands/case-actions.command';
import { findConversationUser, findStaffConversation, findStudentConversation } from '../store/conversation.repository';
import { findStaff } from '../store/staff.repository';
import { findStudent } from '../store/student.repository';
import { findCasesByIds, findCase } from '../store/case.repository';
import { appendCaseEvent } from '../store/case-event.repository';
import { writeAudit } from '../store/audit.repository';
import { findSentCard, recordSentCard, touchSentCard } from '../store/sent-card.repository';
import { markUnreachable } from '../store/unreachable-recipient.repository';
import { classifySendError, type CardSender } from './adapter';
import { buildCheckinCard, buildNoticeCard, type AdaptiveCard } from './cards';
import { renderDigest } from './digest';
import { tabLink } from '../../shared/links';
import type { RateLimiter } from './rate-limiter';
import { escapeMarkdown } from '../../shared/markdown';

export interface DeliverDeps {
  db: Db;
  sender: CardSender;
  logger: Logger;
  now: () => Date;
  workerId: string;
  publicUrl: string;
  /** The Teams app id, so card links open the app's tab (see shared/links.ts); empty links to the web page. */
  teamsAppId?: string;
  /** Shared by every delivery run in the process (built once by createServices), so the Teams limits hold across runs. */
  limiter: RateLimiter;
  /** Waits between tries in place (Retry-After or backoff). */
  sleep: (ms: number) => Promise<void>;
  /** Jitter for backoff, in [0, 1). */
  random: () => number;
  /** How many deliveries are in flight at once; the limiter decides the pace. */
  concurrency: number;
  /** Opens a chat with someone who never talked to the bot (Graph install), when configured. */
  openChat?: (who: { staffId: string | null; studentId: string | null }) => Promise<Partial<ConversationReference> | undefined>;
}

export interface DeliverySummary {
  sent: number;
  waitingForChat: number;
  failed: number;
  retrying: number;
  unreachable: number;
}

export const MAX_ATTEMPTS = 8;
const CLAIM_MS = 120_000;
/** Waits up to this long inside one attempt (Retry-After or backoff); longer ones go back to the outbox. */
const INLINE_WAIT_LIMIT_MS = 5_000;
const INLINE_TRIES = 3;
const SHORT_THROTTLE_MS = 2_000;
const BUNCHING_HOLD_MS = 250;
/** With no chat yet, look again hourly; installing the bot wakes the delivery at once. */
const NO_CHAT_RETRY_MS = 3_600_000;

/** Exponential backoff with ±20% jitter, so retries from many deliveries do not arrive together. */
export function backoffMs(attempts: number, random: () => number, baseMs = 15_000, capMs = 3_600_000): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempts - 1)) * (0.8 + random() * 0.4);
}

class Unreachable extends Error {}
class Undeliverable extends Error {}

type Prepared =
  | {
      kind: 'send';
      card: AdaptiveCard;
      after: (
        trx: Db,
        activityId: string | null,
        conversationId: string,
        reference: Partial<ConversationReference>,
        at: string,
      ) => Promise<void>;
    }
  | {
      kind: 'update';
      card: AdaptiveCard;
      activityId: string;
      reference: Partial<ConversationReference>;
      after: (at: string) => Promise<void>;
    }
  | { kind: 'skip'; why: string };

/** Builds what an outbox item sends, from the store as it is now (a card waits in the outbox, not its content). */
async function prepare(deps: DeliverDeps, item: OutboxItem, recipientStaffId: string | null): Promise<Prepared> {
  const { db } = deps;
  switch (item.kind) {
    case 'digest':
    case 'escalation': {
      const escalation = item.kind === 'escalation' ? item.payload : null;
      const reader = recipientStaffId ? await findStaff(db, recipientStaffId) : undefined;
      const open = (await findCasesByIds(db, item.payload.caseIds)).filter((c) => c.status !== 'closed');
      if (open.length === 0) return { kind: 'skip', why: 'every case on this digest was closed before it could be sent' };
      const caseIds = open.map((c) => c.id);
      const intro = escalation ? escalationIntro(reader?.displayName ?? 'there', open.length, escalation.workingDays) : undefined;
      const { card } = await renderDigest(db, {
        reader,
        caseIds,
        publicUrl: deps.publicUrl,
        teamsAppId: deps.teamsAppId ?? '',
        ...(intro ? { intro } : {}),
      });
      return {
        kind: 'send',
        card,
        after: async (trx, activityId, conversationId, reference, at) => {
          if (activityId)
            await recordSentCard(
              trx,
              { kind: 'digest', recipientStaffId, recipientStudentId: null, conversationId, activityId, reference, caseIds },
              at,
            );
          // A digest discloses these students to its reader: audited like a view, findable per student.
          await writeAudit(
            trx,
            {
              actorId: null,
              action: 'disclosed_digest',
              subjectKind: 'staff',
              subjectId: recipientStaffId,
              detail: { caseIds, studentIds: open.map((c) => c.studentId), ...(escalation ? { escalationLevel: escalation.level } : {}) },
            },
            at,
          );
          for (const id of caseIds) {
            await appendCaseEvent(trx, {
              caseId: id,
              at,
              kind: 'alerted',
              actorKind: 'system',
              actorId: null,
              note: null,
              data: { recipientStaffId, activityId, ...(escalation ? { escalationLevel: escalation.level } : {}) },
            });
          }
        },
      };
    }
    case 'checkin': {
      const { payload } = item;
      const c = await findCase(db, payload.caseId);
      const student = item.recipientStudentId ? await findStudent(db, item.recipientStudentId) : undefined;
      if (!c || !student) throw new Undeliverable('The case or student for this check-in no longer exists.');
      const from = await findStaff(db, payload.fromStaffId);
      const tutor = student.tutorId ? await findStaff(db, student.tutorId) : undefined;
      const card = buildCheckinCard({
        studentGivenName: student.givenName,
        tutorName: (tutor ?? from)?.displayName ?? 'Your personal tutor',
        caseId: c.id,
      });
      return {
        kind: 'send',
        card,
        after: async (trx, activityId, conversationId, reference, at) => {
          if (activityId)
            await recordSentCard(
              trx,
              {
                kind: 'checkin',
                recipientStaffId: null,
                recipientStudentId: student.id,
                conversationId,
                activityId,
                reference,
                caseIds: [c.id],
              },
              at,
            );
          await appendCaseEvent(trx, {
            caseId: c.id,
            at,
            kind: 'checkin_sent',
            actorKind: 'system',
            actorId: null,
            note: null,
            data: { fromStaffId: payload.fromStaffId, activityId },
          });
          await queueCardRefreshes({ db: trx, now: deps.now }, c.id, `checkin:${item.id}:delivered`);
        },
      };
    }
    case 'notice': {
      const { payload } = item;
      const card = buildNoticeCard({
        title: payload.title,
        lines: payload.lines,
        urgent: payload.urgent,
        ...(payload.acknowledge && payload.caseId ? { acknowledge: { caseId: payload.caseId } } : {}),
        listUrl: tabLink({ publicUrl: deps.publicUrl, teamsAppId: deps.teamsAppId ?? '' }),
      });
      return {
        kind: 'send',
        card,
        after: async (trx, activityId, _conversationId, _reference, at) => {
          if (payload.caseId !== undefined) {
            await appendCaseEvent(trx, {
              caseId: payload.caseId,
              at,
              kind: 'staff_notified',
              actorKind: 'system',
              actorId: null,
              note: payload.title,
              data: { recipientStaffId, activityId, urgent: payload.urgent },
            });
          }
        },
      };
    }
    case 'card_refresh': {
      const sent = await findSentCard(db, item.payload.sentCardId);
      if (!sent) return { kind: 'skip', why: 'the card to refresh is no longer recorded' };
      if (sent.kind !== 'digest') return { kind: 'skip', why: 'only digest cards are refreshed' };
      const reader = sent.recipientStaffId ? await findStaff(db, sent.recipientStaffId) : undefined;
      const { card } = await renderDigest(db, {
        reader,
        caseIds: sent.caseIds,
        publicUrl: deps.publicUrl,
        teamsAppId: deps.teamsAppId ?? '',
      });
      return {
        kind: 'update',
        card,
        activityId: sent.activityId,
        reference: sent.reference,
        after: (at) => touchSentCard(db, sent.id, at),
      };
    }
    default:
      throw new Undeliverable(`Unknown delivery kind "${(item as { kind: string }).kind}".`);
  }
}

function escalationIntro(name: string, count: number, workingDays: number): string {
  const who = count === 1 ? 'This student was' : `These ${count} students were`;
  return `Hello ${escapeMarkdown(name)}. ${who} flagged ${workingDays > 0 ? `more than ${workingDays} working days ago` : 'a while ago'} and nobody has said they will get in touch yet. Could you make sure someone does?`;
}

async function findReference(deps: DeliverDeps, item: OutboxItem): Promise<Partial<ConversationReference> | undefined> {
  const existing = item.recipientStaffId
    ? await findStaffConversation(deps.db, item.recipientStaffId)
    : item.recipientStudentId
      ? await findStudentConversation(deps.db, item.recipientStudentId)
      : undefined;
  if (existing || !deps.openChat) return existing;
  return deps.openChat({ staffId: item.recipientStaffId, studentId: item.recipientStudentId });
}

/**
 * One attempt at one delivery. Retryable answers (429 / 412 / 502 / 503 / 504, network errors) are
 * retried a few times in place when the wait is short, otherwise the item goes back to the outbox
 * with Retry-After or jittered backoff; after MAX_ATTEMPTS it is a dead letter for the tab to show.
 */
async function deliverOne(deps: DeliverDeps, item: OutboxItem, summary: DeliverySummary): Promise<void> {
  const now = deps.now();
  const reference = await findReference(deps, item);
  if (!reference?.conversation?.id) {
    // The cards say "waiting for the student's Teams" from the first time the chat is found missing.
    if (item.kind === 'checkin' && item.lastError !== NO_CHAT_ERROR) await refreshCheckinCards(deps, item, 'waiting');
    await deferDelivery(deps.db, item.id, {
      error: NO_CHAT_ERROR,
      nextAttemptAt: new Date(now.getTime() + NO_CHAT_RETRY_MS).toISOString(),
      giveUp: false,
      countAttempt: false,
    });
    summary.waitingForChat++;
    return;
  }
  const conversationId = reference.conversation.id;
  let lastError = 'unknown error';
  let retryAfterMs: number | null = null;
  try {
    const prepared = await prepare(deps, item, item.recipientStaffId);
    if (prepared.kind === 'skip') {
      await markDelivered(deps.db, item.id, { activityId: null, conversationId, at: deps.now().toISOString() });
      deps.logger.info({ outboxId: item.id, why: prepared.why }, 'delivery skipped');
      return;
    }
    for (let tryNo = 1; tryNo <= INLINE_TRIES; tryNo++) {
      if (!deps.sender.paced) await deps.limiter.acquire(conversationId);
      try {
        if (prepared.kind === 'send') {
          const sent = await deps.sender.sendCard(reference, prepared.card);
          const at = deps.now().toISOString();
          await deps.db.transaction().execute(async (trx) => {
            await markDelivered(trx, item.id, { activityId: sent.activityId, conversationId: sent.conversationId, at });
            await prepared.after(trx, sent.activityId, sent.conversationId, reference, at);
          });
        } else {
          await deps.sender.updateCard(prepared.reference, prepared.activityId, prepared.card);
          const at = deps.now().toISOString();
          await markDelivered(deps.db, item.id, { activityId: prepared.activityId, conversationId, at });
          await prepared.after(at);
        }
        summary.sent++;
        return;
      } catch (error) {
        const failure = classifySendError(error);
        lastError = `${(error as Error).message ?? String(error)}`.slice(0, 500);
        if (failure.kind === 'blocked') throw new Unreachable('Teams blocks messages to this person: they blocked or uninstalled the app.');
        if (failure.kind === 'too_large') throw new Undeliverable('The card is larger than Teams accepts (413 MessageSizeTooBig).');
        if (failure.kind === 'permanent')
          throw new Undeliverable(`The Bot Connector refused the message (${failure.status ?? 'no status'}): ${lastError}`);
        retryAfterMs = failure.retryAfterMs;
        // The refused message always waits its full Retry-After. A short one while we already pace
        // below the limit means arrivals bunched: the tenant holds a few slots so the window drains.
        // A long one is a real throttle of the tenant, and every send waits it out.
        if (failure.status === 429 && retryAfterMs !== null)
          deps.limiter.pause(retryAfterMs > SHORT_THROTTLE_MS ? retryAfterMs : Math.min(retryAfterMs, BUNCHING_HOLD_MS));
        const wait = retryAfterMs ?? backoffMs(tryNo, deps.random, 500, INLINE_WAIT_LIMIT_MS);
        if (tryNo === INLINE_TRIES || wait > INLINE_WAIT_LIMIT_MS) break;
        await deps.sleep(wait);
      }
    }
  } catch (error) {
    if (error instanceof Unreachable) {
      const aad = await findConversationUser(deps.db, { staffId: item.recipientStaffId, studentId: item.recipientStudentId });
      if (aad)
        await markUnreachable(
          deps.db,
          { userAadId: aad, staffId: item.recipientStaffId, studentId: item.recipientStudentId, reason: error.message },
          now.toISOString(),
        );
      await deferDelivery(deps.db, item.id, { error: error.message, nextAttemptAt: now.toISOString(), giveUp: true, countAttempt: true });
      await refreshCheckinCards(deps, item, 'failed');
      deps.logger.warn(
        { outboxId: item.id, staffId: item.recipientStaffId, studentId: item.recipientStudentId },
        'recipient unreachable: Teams blocks messages to them',
      );
      summary.unreachable++;
      return;
    }
    if (error instanceof Undeliverable) {
      await deferDelivery(deps.db, item.id, { error: error.message, nextAttemptAt: now.toISOString(), giveUp: true, countAttempt: true });
      await refreshCheckinCards(deps, item, 'failed');
      deps.logger.error({ outboxId: item.id, err: error }, 'delivery failed for good');
      summary.failed++;
      return;
    }
    lastError = (error as Error).message ?? String(error);
    deps.logger.warn({ err: error, outboxId: item.id }, 'delivery could not be prepared');
  }
  const attempts = item.attempts + 1;
  const giveUp = attempts >= MAX_ATTEMPTS;
  const delay = Math.max(retryAfterMs ?? 0, backoffMs(attempts, deps.random));
  await deferDelivery(deps.db, item.id, {
    error: lastError,
    nextAttemptAt: new Date(deps.now().getTime() + delay).toISOString(),
    giveUp,
    countAttempt: true,
  });
  if (giveUp) await refreshCheckinCards(deps, item, 'failed');
  deps.logger.warn({ outboxId: item.id, attempts }, giveUp ? 'delivery failed for good after retries' : 'delivery failed; will retry');
  if (giveUp) summary.failed++;
  else summary.retrying++;
}

/** A check-in's delivery changed state: every staff card showing its case is brought up to date. */
async function refreshCheckinCards(deps: DeliverDeps, item: OutboxItem, state: 'waiting' | 'failed'): Promise<void> {
  if (item.kind !== 'checkin') return;
  await queueCardRefreshes({ db: deps.db, now: deps.now }, item.payload.caseId, `checkin:${item.id}:${state}`);
}

/** Orders a batch so consecutive sends go to different chats, keeping every worker busy. */
function interleaveByRecipient(items: OutboxItem[]): OutboxItem[] {
  const groups = new Map<string, OutboxItem[]>();
  for (const item of items) {
    const key = item.recipientStaffId ?? item.recipientStudentId ?? '';
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  const out: OutboxItem[] = [];
  for (let round = 0; out.length < items.length; round++)
    for (const group of groups.values()) {
      const next = group[round];
      if (next) out.push(next);
    }
  return out;
}

/** Sends every due delivery this worker can claim; safe to run on several instances at once. */
export async function deliverDue(deps: DeliverDeps, opts: { recipientStaffId?: string; limit?: number } = {}): Promise<DeliverySummary> {
  const summary: DeliverySummary = { sent: 0, waitingForChat: 0, failed: 0, retrying: 0, unreachable: 0 };
  const now = deps.now();
  const items = await claimDueDeliveries(deps.db, {
    worker: deps.workerId,
    now: now.toISOString(),
    claimUntil: new Date(now.getTime() + CLAIM_MS).toISOString(),
    limit: opts.limit ?? 200,
    ...(opts.recipientStaffId ? { recipientStaffId: opts.recipientStaffId } : {}),
  });
  const queue = interleaveByRecipient(items);
  const workers = Array.from({ length: Math.min(deps.concurrency, queue.length) }, async () => {
    for (let item = queue.shift(); item; item = queue.shift()) await deliverOne(deps, item, summary);
  });
  await Promise.all(workers);
  if (items.length > 0) deps.logger.info({ delivery: summary }, 'deliveries processed');
  return summary;
}
