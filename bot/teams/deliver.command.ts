import type { Logger } from 'pino';
import type { Db } from '../store/database';
import { claimDueDeliveries, deferDelivery, markDelivered, type OutboxItem } from '../store/outbox.repository';
import { findStaffConversation } from '../store/conversation.repository';
import { findStaff } from '../store/staff.repository';
import { findCasesByIds, appendCaseEvent } from '../store/case.repository';
import { findDepartment } from '../store/department.repository';
import { presentCases, rankFlags } from '../commands/list-flags.command';
import type { CardSender } from './adapter';
import { buildDigestCard } from './cards';

export interface DeliverDeps {
  db: Db;
  sender: CardSender;
  logger: Logger;
  now: () => Date;
  workerId: string;
  publicUrl: string;
}

export interface DeliverySummary {
  sent: number;
  waitingForChat: number;
  failed: number;
  retrying: number;
}

const MAX_ATTEMPTS = 8;
const CLAIM_MS = 60_000;
/** With no chat yet, look again hourly; installing the bot wakes the delivery at once. */
const NO_CHAT_RETRY_MS = 3_600_000;

function backoffMs(attempts: number): number {
  return Math.min(3_600_000, 15_000 * 2 ** attempts) * (0.8 + Math.random() * 0.4);
}

async function deliverOne(deps: DeliverDeps, item: OutboxItem, summary: DeliverySummary): Promise<void> {
  const now = deps.now();
  const staffId = item.recipientStaffId;
  const reference = staffId ? await findStaffConversation(deps.db, staffId) : undefined;
  if (!staffId || !reference) {
    await deferDelivery(deps.db, item.id, { error: 'No Teams chat with this person yet (the app is not installed for them).', nextAttemptAt: new Date(now.getTime() + NO_CHAT_RETRY_MS).toISOString(), giveUp: false, countAttempt: false });
    summary.waitingForChat++;
    return;
  }
  try {
    const staff = await findStaff(deps.db, staffId);
    const cases = (await findCasesByIds(deps.db, (item.payload.caseIds as string[] | undefined) ?? [])).filter((c) => c.status !== 'closed');
    const departmentId = staff?.departmentId ?? cases[0]?.departmentId ?? '';
    const department = await findDepartment(deps.db, departmentId);
    const flags = rankFlags(await presentCases(deps.db, departmentId, cases));
    const card = buildDigestCard({ recipientName: staff?.displayName ?? 'there', flags, listUrl: `${deps.publicUrl}/`, isDemo: department?.isDemo ?? false });
    const sent = await deps.sender.sendCard(reference, card);
    const at = deps.now().toISOString();
    await markDelivered(deps.db, item.id, { activityId: sent.activityId, conversationId: sent.conversationId, at });
    for (const c of cases) {
      await appendCaseEvent(deps.db, { caseId: c.id, at, kind: 'alerted', actorKind: 'system', actorId: null, note: null, data: { recipientStaffId: staffId, activityId: sent.activityId } });
    }
    summary.sent++;
  } catch (error) {
    const attempts = item.attempts + 1;
    const giveUp = attempts >= MAX_ATTEMPTS;
    deps.logger.warn({ err: error, outboxId: item.id, attempts }, giveUp ? 'delivery failed for good' : 'delivery failed; will retry');
    await deferDelivery(deps.db, item.id, { error: (error as Error).message, nextAttemptAt: new Date(now.getTime() + backoffMs(attempts)).toISOString(), giveUp, countAttempt: true });
    if (giveUp) summary.failed++;
    else summary.retrying++;
  }
}

/** Sends every due delivery this worker can claim; safe to run on several instances at once. */
export async function deliverDue(deps: DeliverDeps, opts: { recipientStaffId?: string; limit?: number } = {}): Promise<DeliverySummary> {
  const summary: DeliverySummary = { sent: 0, waitingForChat: 0, failed: 0, retrying: 0 };
  const now = deps.now();
  const items = await claimDueDeliveries(deps.db, {
    worker: deps.workerId,
    now: now.toISOString(),
    claimUntil: new Date(now.getTime() + CLAIM_MS).toISOString(),
    limit: opts.limit ?? 100,
    ...(opts.recipientStaffId ? { recipientStaffId: opts.recipientStaffId } : {}),
  });
  for (const item of items) await deliverOne(deps, item, summary);
  if (items.length > 0) deps.logger.info({ delivery: summary }, 'deliveries processed');
  return summary;
}
