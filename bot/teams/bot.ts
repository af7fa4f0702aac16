import { CardFactory, MessageFactory, TeamsActivityHandler, TurnContext, type TurnContext as Ctx } from 'botbuilder';
import type { Logger } from 'pino';
import type { Db } from '../store/database';
import { saveConversation } from '../store/conversation.repository';
import { findStaffByEntraId, type Staff } from '../store/staff.repository';
import { findStudentByEntraId } from '../store/student.repository';
import { findDepartment } from '../store/department.repository';
import { listFlagsForViewer } from '../commands/list-flags.command';
import { buildDigestCard, buildHelpCard } from './cards';

export interface BotDeps {
  db: Db;
  logger: Logger;
  now: () => Date;
  publicUrl: string;
  /** Called when a staff member's chat becomes known, so waiting alerts go out at once. */
  onStaffReachable: (staffId: string) => Promise<void>;
}

type Command = 'help' | 'my_students' | 'unknown';

/** Recognises the few things staff can type; anything else is answered with help. */
export function parseCommand(text: string | undefined): Command {
  const words = (text ?? '').replace(/<[^>]*>/g, ' ').trim().toLowerCase().replace(/\s+/g, ' ');
  if (words === 'help' || words === '?') return 'help';
  if (words === 'my students' || words === 'students') return 'my_students';
  return 'unknown';
}

/** The Teams bot: remembers where to reach people, answers staff and students in their 1:1 chat. */
export class EngagementBot extends TeamsActivityHandler {
  constructor(private readonly deps: BotDeps) {
    super();
    // Teams sends installationUpdate (add) and conversationUpdate on install: welcome once, remember on both.
    this.onInstallationUpdateAdd(async (context, next) => {
      const who = await this.rememberConversation(context);
      await context.sendActivity(
        who.staff
          ? `Hello ${who.staff.displayName}. I will send you a short digest when any of your students may need a check-in. Type "help" at any time.`
          : 'Hello. This app helps your department look after students. Type "help" at any time.',
      );
      if (who.staff) await this.deps.onStaffReachable(who.staff.id);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const botId = context.activity.recipient.id;
      if ((context.activity.membersAdded ?? []).some((m) => m.id === botId)) {
        const who = await this.rememberConversation(context);
        if (who.staff) await this.deps.onStaffReachable(who.staff.id);
      }
      await next();
    });
    this.onMessage(async (context, next) => {
      const who = await this.answer(context);
      if (who.staff) await this.deps.onStaffReachable(who.staff.id);
      await next();
    });
  }

  private async identify(context: Ctx): Promise<{ staff?: Staff; studentId?: string }> {
    const aadId = context.activity.from.aadObjectId;
    if (!aadId) return {};
    const staff = await findStaffByEntraId(this.deps.db, aadId);
    if (staff) return { staff };
    const student = await findStudentByEntraId(this.deps.db, aadId);
    return student ? { studentId: student.id } : {};
  }

  private async rememberConversation(context: Ctx): Promise<{ staff?: Staff; studentId?: string }> {
    const who = await this.identify(context);
    const aadId = context.activity.from.aadObjectId;
    if (!aadId || context.activity.conversation.conversationType === 'channel') return who;
    const reference = TurnContext.getConversationReference(context.activity);
    await saveConversation(this.deps.db, { userAadId: aadId, staffId: who.staff?.id ?? null, studentId: who.studentId ?? null, reference }, this.deps.now().toISOString());
    return who;
  }

  private async answer(context: Ctx): Promise<{ staff?: Staff; studentId?: string }> {
    const who = await this.rememberConversation(context);
    const command = parseCommand(context.activity.text);
    if (!who.staff && !who.studentId) {
      await context.sendActivity('I could not find you in the staff or student records for this app. If you think you should be, please contact your department administrator.');
      return who;
    }
    if (who.staff && command === 'my_students') {
      const list = await listFlagsForViewer(this.deps.db, who.staff, this.deps.now().toISOString(), { tuteesOnly: true });
      const department = await findDepartment(this.deps.db, who.staff.departmentId);
      if (list.flags.length === 0) {
        await context.sendActivity('None of your students needs a check-in at the moment.');
        return who;
      }
      const card = buildDigestCard({ recipientName: who.staff.displayName, flags: list.flags, listUrl: `${this.deps.publicUrl}/`, isDemo: department?.isDemo ?? false });
      await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card)));
      return who;
    }
    await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(buildHelpCard({ isStaff: Boolean(who.staff) }))));
    return who;
  }
}
