import {
  CardFactory,
  MessageFactory,
  TeamsActivityHandler,
  TeamsInfo,
  TurnContext,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type TurnContext as Ctx,
} from 'botbuilder';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Db } from '../store/database';
import { saveConversation } from '../store/conversation.repository';
import { findStaff, findStaffByEntraId, type Staff } from '../store/staff.repository';
import { findStudent, findStudentByEntraId, type Student } from '../store/student.repository';
import { findSentCardByActivity, recordSentCard } from '../store/sent-card.repository';
import { clearUnreachable } from '../store/unreachable-recipient.repository';
import { listFlagsForViewer } from '../commands/list-flags.command';
import { acknowledgeReferral, performCaseAction } from '../commands/case-actions.command';
import { tabLink } from '../../shared/links';
import { studentName } from '../../shared/domain';
import { recordStudentMessage, type StudentMessageResult } from '../commands/student-message.command';
import { describeStudentData, isStudentDataRequest } from '../commands/student-data.command';
import { todayIn } from '../clock';
import { AppError, handleError } from '../errors';
import {
  buildCheckinCard,
  buildHelpCard,
  buildNoticeCard,
  buildSupportCard,
  buildUrgentSupportCard,
  formatMoment,
  type AdaptiveCard,
  type StudentToldWhom,
} from './cards';
import { createWellbeingClassifier, type WellbeingClassification } from '../../shared/wellbeing/classify';
import { renderDigest } from './digest';
import { parseCardAction } from './verbs';
import { escapeMarkdown } from '../../shared/markdown';
import type { SendSchedule } from '../../shared/send-schedule';
import { findWaitingDigest } from '../store/waiting-deliveries.repository';
import { learnEntraIdFromTeams } from '../commands/learn-entra-id.command';
import { answerResentMessage, sendSupportCard } from './student-support';
import type { SendReconciler } from './send-reconciler';

/** The thank-you for an ordinary message: who will read it, and when, in words that are true. */
function ordinaryReply(result: StudentMessageResult): string {
  if (result.notified.length === 0)
    return 'Thank you for your message. I am sorry: no member of staff is linked to you here yet, so I could not pass it on. Please contact your department office, or type "help" to see where you can find support.';
  const who = result.toldTutor ? 'your personal tutor' : 'staff who support students in your department';
  const read = result.outOfHours
    ? `It is outside working hours, so ${who} will read it when they are next at work.`
    : `${who.charAt(0).toUpperCase()}${who.slice(1)} will read it and get back to you.`;
  return `Thank you for your message. ${read} Type "help" to see where else you can find support.`;
}

/** Who a student's message reached, in the words the student reads (never "your tutor" when it was someone else). */
function toldWhom(result: StudentMessageResult): StudentToldWhom {
  if (result.notified.length === 0) return 'nobody';
  if (!result.toldTutor) return 'staff';
  return result.notified.length > 1 ? 'tutor_and_wellbeing' : 'tutor';
}

export interface BotDeps {
  db: Db;
  logger: Logger;
  now: () => Date;
  publicUrl: string;
  /** The Teams app id, so card links open the app's tab; empty links to the web page. */
  teamsAppId?: string;
  support: Config['support'];
  /** The privacy notice and viewer-name setting, for a student asking "my data"; left out, the notice is reported as unset. */
  privacy?: Pick<Config['privacy'], 'privacyNoticeUrl' | 'showViewerNames'>;
  /** The university's zone, so "the last 21 term days" end today on campus. */
  timeZone?: string;
  /**
   * Called when a staff member's chat becomes known (`installed`: by installing the app), so what
   * waited for it goes out: urgent messages at once, a digest at DIGEST_TIME, routine ones after quiet hours.
   */
  onStaffReachable: (staffId: string, opts: { installed: boolean }) => Promise<void>;
  /** Called after something queued deliveries (card refreshes, notices), so they go out now. */
  onDeliveriesQueued: () => void;
  /** Called when a student's message alerted staff urgently: delivers to them now, ahead of anything queued before. */
  onUrgentQueued?: (staffIds: readonly string[]) => void;
  /** Called when a student's support card could not go in the reply and waits in the outbox: delivers it now. */
  onStudentCardQueued?: (studentId: string) => void;
  /** Quiet hours for routine staff notices; none when unset. */
  schedule?: Pick<SendSchedule, 'timeZone' | 'quietHours'>;
  /** The delivery worker's record of sends the database could not take yet: a support card sent in the reply joins it. */
  reconciler?: SendReconciler;
}

const CLASSIFIED_CHARS = 20_000;
const NO_WELLBEING_SIGNS: WellbeingClassification = { tier: 'none', phrase: null, excerpt: null, negated: false };

type Command = 'help' | 'my_students' | 'unknown';

/** Recognises the few things staff can type; anything else is answered with help. */
export function parseCommand(text: string | undefined): Command {
  const words = (text ?? '')
    .replace(/<[^>]*>/g, ' ')
    .trim()
    .toLowerCase()
    .replace(/\s+/g, ' ');
  if (words === 'help' || words === '?') return 'help';
  if (words === 'my students' || words === 'students') return 'my_students';
  return 'unknown';
}

const cardResponse = (card: AdaptiveCard): AdaptiveCardInvokeResponse => ({
  statusCode: 200,
  type: 'application/vnd.microsoft.card.adaptive',
  value: card as unknown as Record<string, unknown>,
});
const messageResponse = (text: string): AdaptiveCardInvokeResponse => ({
  statusCode: 200,
  type: 'application/vnd.microsoft.activity.message',
  value: text as unknown as Record<string, unknown>,
});
const errorResponse = (status: number, code: string, message: string): AdaptiveCardInvokeResponse => ({
  statusCode: status,
  type: 'application/vnd.microsoft.error',
  value: { code, message },
});

/** The Teams bot: remembers where to reach people, answers staff and students in their 1:1 chat. */
export class EngagementBot extends TeamsActivityHandler {
  private readonly classifyWellbeing: (message: string) => WellbeingClassification;

  constructor(private readonly deps: BotDeps) {
    super();
    this.classifyWellbeing = createWellbeingClassifier(deps.support.phrases);
    this.onInstallationUpdateAdd(async (context, next) => {
      await this.rememberConversation(context, { installed: true });
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const botId = context.activity.recipient.id;
      if ((context.activity.membersAdded ?? []).some((m) => m.id === botId)) {
        const who = await this.rememberConversation(context, { installed: true });
        await context.sendActivity(
          who.staff
            ? await this.welcome(who.staff)
            : who.student
              ? `Hello ${escapeMarkdown(who.student.givenName)}. You can write to me here at any time, and ${who.student.tutorId ? 'your personal tutor' : 'staff who support students in your department'} will read it. Type "help" to see where you can find support.`
              : 'Hello. This app helps your department look after students. Type "help" at any time.',
        );
      }
      await next();
    });
    this.onMessage(async (context, next) => {
      await this.answer(context);
      await next();
    });
  }

  /** The welcome for a member of staff: how many of their students wait, and when their digest comes (never at once). */
  private async welcome(staff: Staff): Promise<string> {
    const hello = `Hello ${escapeMarkdown(staff.displayName)}.`;
    const waiting = await findWaitingDigest(this.deps.db, staff.id);
    if (!waiting)
      return `${hello} On working mornings when any of your students may need a check-in, I will send you one short digest. Type "help" at any time.`;
    const when = new Intl.DateTimeFormat('en-GB', {
      timeZone: this.deps.schedule?.timeZone ?? this.deps.timeZone ?? 'Europe/London',
      weekday: 'long',
      day: 'numeric',
      month: 'long',
      hour: '2-digit',
      minute: '2-digit',
    }).formatToParts(new Date(waiting.at));
    const part = (type: Intl.DateTimeFormatPartTypes) => when.find((p) => p.type === type)?.value ?? '';
    const students = waiting.students === 1 ? '1 of your students' : `${waiting.students} of your students`;
    return (
      `${hello} ${students} may need a check-in. I will send you their digest at ${part('hour')}:${part('minute')} on ${part('weekday')} ${part('day')} ${part('month')}, ` +
      `and one on working mornings after that when any of your students may need a check-in. Type "my students" to see them now, or "help" at any time. Anything urgent comes at once.`
    );
  }

  private async identify(context: Ctx, learn = true): Promise<{ staff?: Staff; student?: Student }> {
    const aadId = context.activity.from.aadObjectId;
    if (!aadId) return {};
    const staff = await findStaffByEntraId(this.deps.db, aadId);
    if (staff) return { staff };
    const student = await findStudentByEntraId(this.deps.db, aadId);
    if (student) return { student };
    return learn && (await this.learnEntraId(context, aadId)) ? this.identify(context, false) : {};
  }

  /** Someone not matched yet: their e-mail and UPN from the Teams roster may name exactly one person. */
  private async learnEntraId(context: Ctx, aadId: string): Promise<boolean> {
    try {
      const member = await TeamsInfo.getMember(context, context.activity.from.id);
      return await learnEntraIdFromTeams(this.deps.db, aadId, member, this.deps.now().toISOString());
    } catch (error) {
      this.deps.logger.warn({ err: error, aadObjectId: aadId }, 'the Teams roster did not say who this is');
      return false;
    }
  }

  private async rememberConversation(context: Ctx, opts: { installed?: boolean } = {}): Promise<{ staff?: Staff; student?: Student }> {
    const who = await this.identify(context);
    const aadId = context.activity.from.aadObjectId;
    if (!aadId || context.activity.conversation.conversationType === 'channel') return who;
    const reference = TurnContext.getConversationReference(context.activity);
    await saveConversation(
      this.deps.db,
      { userAadId: aadId, staffId: who.staff?.id ?? null, studentId: who.student?.id ?? null, reference },
      this.deps.now().toISOString(),
    );
    await clearUnreachable(this.deps.db, aadId);
    if (who.staff) await this.deps.onStaffReachable(who.staff.id, { installed: opts.installed ?? false });
    return who;
  }

  private async sendCard(context: Ctx, card: AdaptiveCard): Promise<string | undefined> {
    const response = await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card)));
    return response?.id;
  }

  private async answer(context: Ctx): Promise<void> {
    let who: { staff?: Staff; student?: Student };
    try {
      who = await this.rememberConversation(context);
    } catch (error) {
      // Whoever wrote, words of crisis or distress are answered with the contacts even when the store is down.
      await this.showContactsAlone(context, this.classifyMessage(context).tier);
      throw error;
    }
    if (who.student) return this.answerStudent(context, who.student);
    const tier = this.classifyMessage(context).tier;
    if (tier === 'risk' || (!who.staff && tier === 'distress')) {
      await this.showContactsAlone(context, tier);
      return;
    }
    if (!who.staff) {
      await context.sendActivity(
        'Sorry, I do not know who you are yet, so I cannot pass your message on to anyone. If you are a student or member of staff here, please contact your department office and they can add you.',
      );
      return;
    }
    const command = parseCommand(context.activity.text);
    if (command === 'my_students') {
      const list = await listFlagsForViewer(this.deps.db, who.staff, this.deps.now().toISOString(), { tuteesOnly: true });
      if (list.flags.length === 0) {
        await context.sendActivity('None of your students needs a check-in at the moment.');
        return;
      }
      const caseIds = list.flags.map((f) => f.caseId);
      const { card } = await renderDigest(this.deps.db, {
        reader: who.staff,
        caseIds,
        publicUrl: this.deps.publicUrl,
        teamsAppId: this.deps.teamsAppId ?? '',
      });
      const activityId = await this.sendCard(context, card);
      // Recorded like a proactive digest, so its buttons work and every copy stays current.
      if (activityId) {
        await recordSentCard(
          this.deps.db,
          {
            kind: 'digest',
            recipientStaffId: who.staff.id,
            recipientStudentId: null,
            conversationId: context.activity.conversation.id,
            activityId,
            reference: TurnContext.getConversationReference(context.activity),
            caseIds,
          },
          this.deps.now().toISOString(),
        );
      }
      return;
    }
    await this.sendCard(context, buildHelpCard({ isStaff: true }));
  }

  private messageText(context: Ctx): string {
    return (context.activity.text ?? '').replace(/<[^>]*>/g, ' ').trim();
  }

  private classifyMessage(context: Ctx): WellbeingClassification {
    return this.classifyWellbeing(this.messageText(context).slice(0, CLASSIFIED_CHARS));
  }

  /** The contacts, when a message of risk or distress cannot be passed on to anyone; nothing for other messages. */
  private async showContactsAlone(context: Ctx, tier: WellbeingClassification['tier']): Promise<void> {
    const { contacts, urgentContacts } = this.deps.support;
    if (tier === 'risk') await this.sendCard(context, buildUrgentSupportCard(urgentContacts, { told: 'nobody' }));
    else if (tier === 'distress') await this.sendCard(context, buildSupportCard({ contacts, urgentContacts, told: 'nobody' }));
  }

  private helpCardFor(student: Student): AdaptiveCard {
    return buildHelpCard({
      isStaff: false,
      supportContacts: this.deps.support.contacts,
      urgentContacts: this.deps.support.urgentContacts,
      hasTutor: student.tutorId !== null,
    });
  }

  private async answerStudent(context: Ctx, student: Student): Promise<void> {
    const text = this.messageText(context);
    if (parseCommand(text) === 'help' || text === '') {
      await this.sendCard(context, this.helpCardFor(student));
      return;
    }
    const message = text.slice(0, 2000);
    // Only 2,000 characters are kept, but words of crisis at the end of a long message still count.
    const wellbeing = this.classifyWellbeing(text.slice(0, CLASSIFIED_CHARS));
    // "My data" is answered only when the classifier found no sign of distress or risk: those always take the path below.
    if (wellbeing.tier === 'none' && isStudentDataRequest(text)) {
      const now = this.deps.now();
      const privacy = this.deps.privacy ?? { privacyNoticeUrl: null, showViewerNames: false };
      await context.sendActivity(
        await describeStudentData(this.deps.db, {
          studentId: student.id,
          today: todayIn(this.deps.timeZone ?? 'UTC', now),
          at: now.toISOString(),
          privacy,
        }),
      );
      return;
    }
    // A message Teams sends again is recorded, and staff told, once.
    if (wellbeing.tier !== 'none' && (await answerResentMessage(this.supportDeps(), context, student.id))) return;
    const result = await this.recordWithContacts(context, { student, message, wellbeing });
    if (!result) return;
    if (result.tier === 'distress') await this.sendSupportCard(context, student, result);
    else if (result.tier === 'none') await context.sendActivity(ordinaryReply(result));
  }

  /**
   * Records a student's message and tells staff. For the risk tier the urgent contacts are what matter
   * most, so they are shown even if recording fails, and staff alerts go out at once.
   */
  private commandDeps() {
    return {
      db: this.deps.db,
      now: this.deps.now,
      wellbeingRole: this.deps.support.wellbeingRole,
      ...(this.deps.schedule ? { schedule: this.deps.schedule } : {}),
    };
  }

  private async recordWithContacts(context: Ctx, input: Parameters<typeof recordStudentMessage>[1]): Promise<StudentMessageResult | null> {
    const deps = this.commandDeps();
    if (input.wellbeing.tier !== 'risk') {
      try {
        const result = await recordStudentMessage(deps, input);
        this.deps.onDeliveriesQueued();
        return result;
      } catch (error) {
        // Not passed on to anyone: a student who wrote of distress still sees where to find support, then the apology.
        if (input.wellbeing.tier === 'distress' && !(error instanceof AppError)) await this.showContactsAlone(context, 'distress');
        throw error;
      }
    }
    let result: StudentMessageResult | null = null;
    let refused: AppError | null = null;
    try {
      result = await recordStudentMessage(deps, input);
    } catch (error) {
      if (error instanceof AppError) refused = error;
      else handleError(error, this.deps.logger, { studentId: input.student.id, wellbeing: 'risk message could not be recorded' });
    }
    // Staff hear at once, whether the reply to the student goes at once, slowly, or not at all.
    if (result) {
      if (this.deps.onUrgentQueued) this.deps.onUrgentQueued(result.notified);
      else this.deps.onDeliveriesQueued();
    }
    const told = result ? toldWhom(result) : 'nobody';
    await this.showSupportCard(context, input.student, { tier: 'risk', told, caseId: result?.caseId ?? null });
    if (refused) throw refused;
    return result;
  }

  private sendSupportCard(context: Ctx, student: Student, result: StudentMessageResult): Promise<void> {
    return this.showSupportCard(context, student, {
      tier: 'distress',
      told: toldWhom(result),
      caseId: result.caseId,
      outOfHours: result.outOfHours,
    });
  }

  private supportDeps() {
    const { db, logger, now, support, reconciler } = this.deps;
    const onQueued = this.deps.onStudentCardQueued ?? (() => this.deps.onDeliveriesQueued());
    return { db, logger, now, support, onQueued, ...(reconciler ? { reconciler } : {}) };
  }

  /** A support card in reply, queued for the student's chat if the reply cannot be sent (see student-support.ts). */
  private showSupportCard(
    context: Ctx,
    student: Student,
    card: { tier: 'risk' | 'distress'; told: StudentToldWhom; caseId: string | null; outOfHours?: boolean },
  ): Promise<void> {
    return sendSupportCard(this.supportDeps(), context, { studentId: student.id, ...card }, (c) => this.sendCard(context, c));
  }

  /** Universal Actions: every button on our cards arrives here; the response is the card as it now stands. */
  protected override async onAdaptiveCardInvoke(context: Ctx, invokeValue: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    try {
      const action = parseCardAction(invokeValue);
      const who = await this.identify(context);
      const conversationId = context.activity.conversation.id;
      const activityId = context.activity.replyToId ?? '';
      const sentCard = activityId ? await findSentCardByActivity(this.deps.db, conversationId, activityId) : undefined;

      if (action.kind === 'checkin_reply') {
        if (!who.student) return errorResponse(403, 'forbidden', 'Only the student this check-in was sent to can answer it.');
        const result = await this.recordWithContacts(context, {
          student: who.student,
          caseId: action.caseId,
          choice: action.choice,
          message: action.message,
          wellbeing: action.message ? this.classifyWellbeing(action.message) : NO_WELLBEING_SIGNS,
        });
        if (result?.tier === 'distress') await this.sendSupportCard(context, who.student, result);
        else if (result?.tier === 'none' && (action.choice === 'talk' || action.choice === 'unwell'))
          await this.sendCard(context, this.helpCardFor(who.student));
        const tutor = who.student.tutorId ? await findStaff(this.deps.db, who.student.tutorId) : undefined;
        return cardResponse(
          buildCheckinCard({
            studentGivenName: who.student.givenName,
            tutorName: tutor?.displayName ?? null,
            isTutor: who.student.tutorId !== null,
            caseId: action.caseId,
            answered: { choice: action.choice, message: action.message },
          }),
        );
      }

      if (!who.staff) return errorResponse(403, 'forbidden', 'These buttons are for staff.');
      if (action.kind === 'referral_ack') {
        const done = await acknowledgeReferral(this.commandDeps(), { actor: who.staff, caseId: action.caseId });
        this.deps.onDeliveriesQueued();
        const student = await findStudent(this.deps.db, done.case.studentId);
        const name = student ? studentName(student) : 'the student';
        return cardResponse(
          buildNoticeCard({
            title: `Referral to the Wellbeing Service: ${name}`,
            lines: [`The wellbeing team has the referral for ${name}; the case is closed.`],
            urgent: false,
            listUrl: tabLink({ publicUrl: this.deps.publicUrl, teamsAppId: this.deps.teamsAppId ?? '' }, done.case.studentId),
            acknowledge: {
              caseId: done.case.id,
              acknowledged: `Acknowledged by ${done.acknowledgedBy}, ${formatMoment(done.at, 'moment')}.`,
            },
          }),
        );
      }
      if (action.kind === 'case') {
        await performCaseAction(this.commandDeps(), {
          actor: who.staff,
          caseId: action.caseId,
          action: action.action,
          ...(activityId ? { fromCard: { conversationId, activityId } } : {}),
        });
        this.deps.onDeliveriesQueued();
      }
      const caseIds = sentCard?.caseIds ?? (action.kind === 'case' ? [action.caseId] : []);
      if (caseIds.length === 0) return messageResponse('This card is no longer tracked. Type "my students" for a fresh one.');
      const { card } = await renderDigest(this.deps.db, {
        reader: who.staff,
        caseIds,
        publicUrl: this.deps.publicUrl,
        teamsAppId: this.deps.teamsAppId ?? '',
      });
      return cardResponse(card);
    } catch (error) {
      const presented = handleError(error, this.deps.logger, { invoke: 'adaptiveCard/action' });
      return errorResponse(presented.status, presented.body.code, error instanceof AppError ? error.message : presented.body.message);
    }
  }
}
