import type { ConversationReference } from 'botbuilder';
import type { Db } from '../store/database';
import type { OutboxItem } from '../store/outbox.repository';
import { queueCardRefreshes } from '../commands/case-actions.command';
import { findStaff } from '../store/staff.repository';
import { findStudent } from '../store/student.repository';
import { findCasesByIds, findCase } from '../store/case.repository';
import { appendCaseEvent } from '../store/case-event.repository';
import { writeAudit } from '../store/audit.repository';
import { findSentCard, recordSentCard, touchSentCard } from '../store/sent-card.repository';
import { buildCheckinCard, buildNoticeCard, type AdaptiveCard } from './cards';
import { renderDigest } from './digest';
import { tabLink } from '../../shared/links';
import { escapeMarkdown } from '../../shared/markdown';
import type { DeliverDeps } from './deliver.command';
import { auditSupportCard, buildSupportCardOf } from './student-support';

/** The item can never be delivered (its case is gone, Teams refuses it for good): a dead letter at once. */
export class Undeliverable extends Error {}

export type Prepared =
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
export async function prepare(deps: DeliverDeps, item: OutboxItem, recipientStaffId: string | null): Promise<Prepared> {
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
        tutorName: (tutor ?? from)?.displayName ?? null,
        isTutor: tutor !== undefined,
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
    case 'support_card': {
      // The support card a student's reply could not carry: it says it comes late, and is audited like the one that went in the reply.
      const { payload } = item;
      const studentId = item.recipientStudentId;
      if (!studentId) throw new Undeliverable('This support card names no student.');
      return {
        kind: 'send',
        card: buildSupportCardOf(payload, { late: true }),
        after: (trx, activityId, _conversationId, _reference, at) =>
          auditSupportCard(trx, { studentId, tier: payload.tier, caseId: payload.caseId, activityId, via: 'outbox' }, at),
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
