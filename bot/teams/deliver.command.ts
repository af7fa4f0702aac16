import type { ConversationReference } from 'botbuilder';
import type { Logger } from 'pino';
import type { Db } from '../store/database';
import { randomUUID } from 'node:crypto';
import { NO_CHAT_ERROR, type OutboxItem } from '../store/outbox.repository';
import { queueCardRefreshes } from '../commands/case-actions.command';
import {
  abandonSend,
  claimDeliveries,
  finishSend,
  releaseClaim,
  renewClaims,
  startSend,
  type ClaimedItem,
} from '../store/delivery-claim.repository';
import { isDatabaseUnreachable } from '../store/database';
import { findConversationUser, findStaffConversation, findStudentConversation } from '../store/conversation.repository';
import { markUnreachable } from '../store/unreachable-recipient.repository';
import { classifySendError, type CardSender } from './adapter';
import type { SendPacer } from './shared-pace';
import { createSendReconciler, type SendReconciler } from './send-reconciler';
import { prepare, Undeliverable, type Prepared } from './deliver-prepare';

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
  limiter: SendPacer;
  /** Waits between tries in place (Retry-After or backoff). */
  sleep: (ms: number) => Promise<void>;
  /** Jitter for backoff, in [0, 1). */
  random: () => number;
  /** How many deliveries are in flight at once; the limiter decides the pace. */
  concurrency: number;
  /** How long a claim holds without renewal; renewed every third of it while the worker runs. Default 120 s. */
  leaseMs?: number;
  /** First backoff step between attempts that go back to the outbox (doubling, with jitter). Default 15 s. */
  backoffBaseMs?: number;
  /** Attempts before an item becomes a dead letter. Default MAX_ATTEMPTS. */
  maxAttempts?: number;
  /** Sends that went out but could not be recorded (the database was unreachable): recorded once it is back. */
  reconciler?: SendReconciler;
  /** Opens a chat with someone who never talked to the bot (Graph install), when configured. */
  openChat?: (who: { staffId: string | null; studentId: string | null }) => Promise<Partial<ConversationReference> | undefined>;
}

export interface DeliverySummary {
  /** Items this run claimed. */
  claimed: number;
  sent: number;
  /** Claims lost before sending (the lease ran out and someone else took the item): not sent here. */
  lostClaim: number;
  /** Sent, but the result is held in memory until the database can record it. */
  unrecorded: number;
  waitingForChat: number;
  failed: number;
  retrying: number;
  unreachable: number;
}

export const MAX_ATTEMPTS = 8;
const CLAIM_MS = 120_000;
/** A send starts only when the claim has at least this share of its lease left: longer than the slowest send (pacing and HTTP). */
const LEASE_LEFT_TO_SEND = 0.5;
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

async function findReference(deps: DeliverDeps, item: OutboxItem): Promise<Partial<ConversationReference> | undefined> {
  const existing = item.recipientStaffId
    ? await findStaffConversation(deps.db, item.recipientStaffId)
    : item.recipientStudentId
      ? await findStudentConversation(deps.db, item.recipientStudentId)
      : undefined;
  if (existing || !deps.openChat) return existing;
  return deps.openChat({ staffId: item.recipientStaffId, studentId: item.recipientStudentId });
}

/** The database is unreachable: stop this run, leave the item claimed (its lease runs out), try again later. */
class DatabaseDown extends Error {
  /** PostgreSQL's connection_failure, so the scheduler pauses jobs as for any unreachable database. */
  readonly code = '08006';
}

const settingsOf = (deps: DeliverDeps) => ({
  leaseMs: deps.leaseMs ?? CLAIM_MS,
  backoffBaseMs: deps.backoffBaseMs ?? 15_000,
  maxAttempts: deps.maxAttempts ?? MAX_ATTEMPTS,
});

/**
 * One attempt at one delivery, fenced by its claim. The attempt is marked in the outbox just before
 * the card leaves and its result recorded right after, so a crash can only repeat the sends in
 * flight at that moment (and the repeat is counted). Retryable answers (429 / 412 / 502 / 503 / 504,
 * network errors) are retried a few times in place when the wait is short, otherwise the item goes
 * back to the outbox with Retry-After or jittered backoff; after the attempt limit it is a dead
 * letter for the tab to show. A failed send is never recorded as sent.
 */
async function deliverOne(deps: DeliverDeps, item: ClaimedItem, summary: DeliverySummary): Promise<void> {
  const { leaseMs, backoffBaseMs, maxAttempts } = settingsOf(deps);
  const now = deps.now();
  const release = async (change: Parameters<typeof releaseClaim>[2]) => {
    if (!(await releaseClaim(deps.db, item, change))) summary.lostClaim++;
  };
  const reference = await findReference(deps, item);
  if (!reference?.conversation?.id) {
    // The cards say "waiting for the student's Teams" from the first time the chat is found missing.
    if (item.kind === 'checkin' && item.lastError !== NO_CHAT_ERROR) await refreshCheckinCards(deps, item, 'waiting');
    await release({
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
      await finishSend(deps.db, item, { activityId: null, conversationId, at: deps.now().toISOString() });
      deps.logger.info({ outboxId: item.id, why: prepared.why }, 'delivery skipped');
      return;
    }
    for (let tryNo = 1; tryNo <= INLINE_TRIES; tryNo++) {
      if (!deps.sender.paced) await deps.limiter.acquire(conversationId);
      const startedAt = deps.now();
      if (
        !(await startSend(
          deps.db,
          item,
          startedAt.toISOString(),
          new Date(startedAt.getTime() + leaseMs * LEASE_LEFT_TO_SEND).toISOString(),
        ))
      ) {
        deps.logger.warn({ outboxId: item.id }, 'claim lost before sending (lease ran out); left to its new owner');
        summary.lostClaim++;
        return;
      }
      let sent: { activityId: string | null; conversationId: string };
      try {
        if (prepared.kind === 'send') sent = await deps.sender.sendCard(reference, prepared.card);
        else {
          await deps.sender.updateCard(prepared.reference, prepared.activityId, prepared.card);
          sent = { activityId: prepared.activityId, conversationId };
        }
      } catch (error) {
        const failure = classifySendError(error);
        lastError = `${(error as Error).message ?? String(error)}`.slice(0, 500);
        if (failure.kind === 'blocked') throw new Unreachable('Teams blocks messages to this person: they blocked or uninstalled the app.');
        if (failure.kind === 'too_large') throw new Undeliverable('The card is larger than Teams accepts (413 MessageSizeTooBig).');
        if (failure.kind === 'permanent')
          throw new Undeliverable(`The Bot Connector refused the message (${failure.status ?? 'no status'}): ${lastError}`);
        retryAfterMs = failure.retryAfterMs;
        await abandonSend(deps.db, item);
        // The refused message always waits its full Retry-After. A short one while we already pace
        // below the limit means arrivals bunched: the tenant holds a few slots so the window drains.
        // A long one is a real throttle of the tenant, and every send waits it out.
        if (failure.status === 429 && retryAfterMs !== null)
          deps.limiter.pause(retryAfterMs > SHORT_THROTTLE_MS ? retryAfterMs : Math.min(retryAfterMs, BUNCHING_HOLD_MS));
        const wait = retryAfterMs ?? backoffMs(tryNo, deps.random, 500, INLINE_WAIT_LIMIT_MS);
        if (tryNo === INLINE_TRIES || wait > INLINE_WAIT_LIMIT_MS) break;
        await deps.sleep(wait);
        continue;
      }
      await recordSent(deps, item, prepared, reference, sent, summary);
      return;
    }
  } catch (error) {
    if (error instanceof DatabaseDown || isDatabaseUnreachable(error)) throw new DatabaseDown((error as Error).message);
    if (error instanceof Unreachable) {
      const aad = await findConversationUser(deps.db, { staffId: item.recipientStaffId, studentId: item.recipientStudentId });
      if (aad)
        await markUnreachable(
          deps.db,
          { userAadId: aad, staffId: item.recipientStaffId, studentId: item.recipientStudentId, reason: error.message },
          now.toISOString(),
        );
      await release({ error: error.message, nextAttemptAt: now.toISOString(), giveUp: true, countAttempt: true });
      await refreshCheckinCards(deps, item, 'failed');
      deps.logger.warn(
        { outboxId: item.id, staffId: item.recipientStaffId, studentId: item.recipientStudentId },
        'recipient unreachable: Teams blocks messages to them',
      );
      summary.unreachable++;
      return;
    }
    if (error instanceof Undeliverable) {
      await release({ error: error.message, nextAttemptAt: now.toISOString(), giveUp: true, countAttempt: true });
      await refreshCheckinCards(deps, item, 'failed');
      deps.logger.error({ outboxId: item.id, err: error }, 'delivery failed for good');
      summary.failed++;
      return;
    }
    lastError = (error as Error).message ?? String(error);
    deps.logger.warn({ err: error, outboxId: item.id }, 'delivery could not be prepared');
  }
  const attempts = item.attempts + 1;
  const giveUp = attempts >= maxAttempts;
  const delay = Math.max(retryAfterMs ?? 0, backoffMs(attempts, deps.random, backoffBaseMs));
  await release({
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

/**
 * Records a card that went out. When the database cannot take it (an outage), the result is kept in
 * memory and recorded once the database is back: the card is never sent again nor marked failed.
 */
async function recordSent(
  deps: DeliverDeps,
  item: ClaimedItem,
  prepared: Exclude<Prepared, { kind: 'skip' }>,
  reference: Partial<ConversationReference>,
  sent: { activityId: string | null; conversationId: string },
  summary: DeliverySummary,
): Promise<void> {
  const at = deps.now().toISOString();
  const record = async (db: Db) => {
    if (prepared.kind === 'send') {
      await db.transaction().execute(async (trx) => {
        // Someone else recorded it first (our lease had run out): the case events are theirs to write.
        if (await finishSend(trx, item, { activityId: sent.activityId, conversationId: sent.conversationId, at }))
          await prepared.after(trx, sent.activityId, sent.conversationId, reference, at);
      });
    } else {
      if (await finishSend(db, item, { activityId: sent.activityId, conversationId: sent.conversationId, at })) await prepared.after(at);
    }
  };
  try {
    await record(deps.db);
    summary.sent++;
  } catch (error) {
    deps.logger.error(
      { err: error, outboxId: item.id },
      'a card went out but could not be recorded; it will be recorded once the database answers',
    );
    (deps.reconciler ??= createSendReconciler(deps.logger)).hold(item.id, record);
    summary.unrecorded++;
    if (isDatabaseUnreachable(error)) throw new DatabaseDown((error as Error).message);
  }
}

/** A check-in's delivery changed state: every staff card showing its case is brought up to date. */
async function refreshCheckinCards(deps: DeliverDeps, item: OutboxItem, state: 'waiting' | 'failed'): Promise<void> {
  if (item.kind !== 'checkin') return;
  await queueCardRefreshes({ db: deps.db, now: deps.now }, item.payload.caseId, `checkin:${item.id}:${state}`);
}

/** Orders a batch so consecutive sends go to different chats, keeping every worker busy. */
function interleaveByRecipient<T extends OutboxItem>(items: T[]): T[] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = item.recipientStaffId ?? item.recipientStudentId ?? '';
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  const out: T[] = [];
  for (let round = 0; out.length < items.length; round++)
    for (const group of groups.values()) {
      const next = group[round];
      if (next) out.push(next);
    }
  return out;
}

export const emptySummary = (): DeliverySummary => ({
  claimed: 0,
  sent: 0,
  lostClaim: 0,
  unrecorded: 0,
  waitingForChat: 0,
  failed: 0,
  retrying: 0,
  unreachable: 0,
});

/**
 * Sends every due delivery this worker can claim; safe to run on several instances at once. The
 * claim is renewed while the run works, so a slow batch never lets another instance take an item
 * this one is about to send. Sends held for recording go first; while any cannot be recorded (the
 * database is still away) nothing new is claimed.
 */
export async function deliverDue(
  deps: DeliverDeps,
  opts: { recipientStaffId?: string; recipientStudentId?: string; limit?: number } = {},
): Promise<DeliverySummary> {
  const summary = emptySummary();
  if (deps.reconciler && (await deps.reconciler.flush(deps.db)) > 0) return summary;
  const { leaseMs } = settingsOf(deps);
  const token = randomUUID();
  const now = deps.now();
  const items = await claimDeliveries(deps.db, {
    worker: deps.workerId,
    token,
    now: now.toISOString(),
    claimUntil: new Date(now.getTime() + leaseMs).toISOString(),
    limit: opts.limit ?? 200,
    ...(opts.recipientStaffId ? { recipientStaffId: opts.recipientStaffId } : {}),
    ...(opts.recipientStudentId ? { recipientStudentId: opts.recipientStudentId } : {}),
  });
  summary.claimed = items.length;
  if (items.length === 0) return summary;
  const renewal = setInterval(() => {
    renewClaims(deps.db, token, new Date(deps.now().getTime() + leaseMs).toISOString()).catch((error: unknown) =>
      deps.logger.warn({ err: error }, 'could not renew delivery claims'),
    );
  }, leaseMs / 3);
  renewal.unref();
  let databaseDown: Error | null = null;
  const queue = interleaveByRecipient(items);
  const workers = Array.from({ length: Math.min(deps.concurrency, queue.length) }, async () => {
    for (let item = queue.shift(); item && !databaseDown; item = queue.shift()) {
      try {
        await deliverOne(deps, item, summary);
      } catch (error) {
        // The database went away: stop taking items; those left keep their claim until it runs out.
        if (error instanceof DatabaseDown || isDatabaseUnreachable(error)) databaseDown = error as Error;
        else
          deps.logger.error(
            { err: error, outboxId: item.id },
            'delivery attempt failed unexpectedly; the claim runs out and it is tried again',
          );
      }
    }
  });
  try {
    await Promise.all(workers);
  } finally {
    clearInterval(renewal);
  }
  deps.logger.info({ delivery: summary }, 'deliveries processed');
  if (databaseDown) throw databaseDown;
  return summary;
}

/**
 * Delivers until nothing due is left to claim: the service keeps sending while work is due instead
 * of waiting for the next tick between batches. Stops when asked (`shouldStop`).
 */
export async function drainDue(deps: DeliverDeps, shouldStop: () => boolean = () => false): Promise<DeliverySummary> {
  const total = emptySummary();
  for (;;) {
    const s = await deliverDue(deps, { limit: 100 });
    for (const key of Object.keys(total) as Array<keyof DeliverySummary>) total[key] += s[key];
    if (s.claimed === 0 || shouldStop()) return total;
  }
}
