import type { Db } from '../../bot/store/database';
import { saveConversation } from '../../bot/store/conversation.repository';
import type { Staff } from '../../bot/store/staff.repository';
import type { Student } from '../../bot/store/student.repository';
import type { ReceivedActivity } from './connector-standin';
import { NOW } from './factories';

/** Words of risk, as a student might write them. */
export const CRISIS = 'i honestly dont want to be here anymore';
export const STUDENT_CHAT = 'a:student-chat';
export const TUTOR_CHAT = 'conv-tutor';

/** All text in a card the stand-in received, flattened, as the student reads it. */
export function cardWords(r: ReceivedActivity): string {
  const words: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object')
      for (const [key, value] of Object.entries(node)) {
        if (typeof value === 'string' && (key === 'text' || key === 'title' || key === 'value')) words.push(value);
        else walk(value);
      }
  };
  walk(r.body.attachments?.map((a) => a.content));
  return words.join('\n');
}

/** The student writes in their Teams chat: what the Bot Connector posts to the service's endpoint. */
export function writeAsStudent(baseUrl: string, serviceUrl: string, student: Student, id: string, text: string): Promise<Response> {
  return fetch(`${baseUrl}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'message',
      id,
      channelId: 'msteams',
      serviceUrl,
      from: { id: '29:student', aadObjectId: student.entraId },
      recipient: { id: '28:bot' },
      conversation: { id: STUDENT_CHAT, conversationType: 'personal' },
      text,
    }),
  });
}

/** The tutor's chat with the app, at the stand-in: where their urgent notices arrive. */
export function saveTutorChat(db: Db, tutor: Staff, serviceUrl: string): Promise<void> {
  return saveConversation(
    db,
    {
      userAadId: tutor.entraId ?? '',
      staffId: tutor.id,
      studentId: null,
      reference: {
        serviceUrl,
        channelId: 'msteams',
        conversation: { id: TUTOR_CHAT, isGroup: false, conversationType: 'personal', name: '' },
        bot: { id: 'bot', name: 'bot' },
        user: { id: 'u-tutor', name: tutor.displayName },
      },
    },
    NOW,
  );
}
