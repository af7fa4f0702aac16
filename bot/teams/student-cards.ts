import type { SupportContact } from '../config';
import { CHECKIN_CHOICES, CHECKIN_CHOICE_LABELS } from '../../shared/cases';
import { escapeMarkdown } from '../../shared/markdown';
import { card, text, type AdaptiveCard } from './card-parts';

/**
 * What the bot says when it is not sure what was asked: the few things it can do. A student also sees
 * where to find support and, since "help" may be all someone in crisis types, the contacts for any hour.
 */
export function buildHelpCard(opts: {
  isStaff: boolean;
  supportContacts?: readonly SupportContact[];
  urgentContacts?: readonly SupportContact[];
  /** Whether the student has a personal tutor, so the card says truly who reads their messages. */
  hasTutor?: boolean;
}): AdaptiveCard {
  if (opts.isStaff)
    return card([
      text('Engagement Monitor', { weight: 'Bolder', size: 'Medium', style: 'heading' }),
      ...[
        'Type **my students** to see your students who may need a check-in.',
        'Type **help** to see this again.',
        'Alerts arrive here as one digest each working morning; the buttons on it record what you did. A student’s urgent message comes at once.',
      ].map((line) => text(line)),
    ]);
  return card([
    text('How this chat works', { weight: 'Bolder', size: 'Medium', style: 'heading' }),
    text(
      opts.hasTutor === false
        ? 'You can write here at any time. Staff who support students in your department will read it and get back to you.'
        : 'You can write here at any time. Your personal tutor will read it and get back to you.',
    ),
    text('Type **my data** to see what this app holds about you, or **help** to see this again.'),
    ...(opts.supportContacts?.length
      ? [text('Where to find support', { weight: 'Bolder', separator: true }), contactsFacts(opts.supportContacts)]
      : []),
    ...(opts.urgentContacts?.length
      ? [
          text('If you ever feel you might not be safe, you can reach these at any time, day or night:', {
            separator: true,
            isSubtle: true,
          }),
          contactsFacts(opts.urgentContacts),
        ]
      : []),
  ]);
}

function contactsFacts(contacts: readonly SupportContact[]): unknown {
  return { type: 'FactSet', facts: contacts.map((c) => ({ title: c.name, value: c.detail })) };
}

/**
 * The message a tutor sends a student: warm, with no monitoring figures at all, quick replies and
 * room to write. `answered` shows the student's reply in place of the buttons.
 */
export function buildCheckinCard(opts: {
  studentGivenName: string;
  /** Who is checking in; null when their name is not known. */
  tutorName: string | null;
  /** False when the one checking in is not the student's personal tutor (they have none): never called "your personal tutor". */
  isTutor?: boolean;
  caseId: string;
  answered?: { choice: string; message: string | null };
}): AdaptiveCard {
  const isTutor = opts.isTutor ?? true;
  const name = opts.tutorName ? escapeMarkdown(opts.tutorName) : null;
  const who = isTutor
    ? name
      ? `${name}, your personal tutor,`
      : 'Your personal tutor'
    : name
      ? `${name}, who supports students in your department,`
      : 'Staff who support students in your department';
  const reader = name ?? (isTutor ? 'Your personal tutor' : 'Staff who support students in your department');
  const intro = [
    text(`Hello ${escapeMarkdown(opts.studentGivenName)}`, { weight: 'Bolder', size: 'Medium', style: 'heading' }),
    text(
      `${who} wanted to check in and see how you are getting on. There is nothing to worry about: we simply like to make sure everyone has what they need.`,
    ),
  ];
  if (opts.answered) {
    const label = CHECKIN_CHOICE_LABELS[opts.answered.choice as keyof typeof CHECKIN_CHOICE_LABELS] ?? 'Your message';
    return card([
      ...intro,
      text(`You replied: ${label}`, { weight: 'Bolder', separator: true }),
      ...(opts.answered.message ? [text(`“${escapeMarkdown(opts.answered.message)}”`, { isSubtle: true })] : []),
      text(`Thank you for replying. ${reader} will see it. You can write here at any time.`),
    ]);
  }
  const data = { caseId: opts.caseId };
  return card(
    [
      ...intro,
      text('How are things? Tap whichever fits, or write a few words below.'),
      {
        type: 'Input.Text',
        id: 'message',
        label: 'Anything you would like to say (optional)',
        isMultiline: true,
        maxLength: 2000,
      },
    ],
    {
      actions: [
        ...CHECKIN_CHOICES.filter((c) => c !== 'message').map((choice) => ({
          type: 'Action.Execute',
          title: CHECKIN_CHOICE_LABELS[choice],
          verb: 'checkin.reply',
          data: { ...data, choice },
          associatedInputs: 'auto',
        })),
        {
          type: 'Action.Execute',
          title: 'Send my message',
          verb: 'checkin.reply',
          data: { ...data, choice: 'message' },
          associatedInputs: 'auto',
        },
      ],
    },
  );
}

/**
 * Who has been told of a student's message, so what the student reads is true: their personal tutor (with the
 * wellbeing team or not), other staff who support students (a case owner, the wellbeing team, senior staff), or nobody.
 */
export type StudentToldWhom = 'tutor_and_wellbeing' | 'tutor' | 'staff' | 'nobody';

const URGENT_TOLD: Record<StudentToldWhom, string> = {
  tutor_and_wellbeing: 'We have also let your personal tutor and the wellbeing team know, so someone can reach out to you.',
  tutor: 'We have also let your personal tutor know, so they can reach out to you.',
  staff: 'We have also let staff who support students in your department know, so someone can reach out to you.',
  nobody: 'Please reach out to one of them now. They are there to listen, whatever is happening.',
};

/** Said first on a support card that could not be sent at once (Teams was not answering) and went later. */
const LATE_REPLY = 'We are sorry this reply is late: a technical problem stopped it reaching you straight away.';

/**
 * Shown at once when a student's words suggest they may be in danger; `told` says who is being alerted,
 * `late` that it went later from the outbox because it could not be sent at once.
 */
export function buildUrgentSupportCard(
  contacts: readonly SupportContact[],
  opts: { told?: StudentToldWhom; late?: boolean } = {},
): AdaptiveCard {
  return card([
    text('You do not have to deal with this alone', { weight: 'Bolder', size: 'Medium', style: 'heading', color: 'Attention' }),
    text(opts.late ? `Thank you for telling us. ${LATE_REPLY}` : 'Thank you for telling us.'),
    text(
      'If you are in danger now, or you might act on thoughts of hurting yourself, please get emergency help straight away. These people are there to talk to at any time, day or night, and can also help if you are worried about someone else:',
    ),
    contactsFacts(contacts),
    text(URGENT_TOLD[opts.told ?? 'tutor_and_wellbeing']),
  ]);
}

/** Shown when a student's words suggest they are having a hard time: gentle, with where to find support. */
export function buildSupportCard(opts: {
  contacts: readonly SupportContact[];
  urgentContacts: readonly SupportContact[];
  told: StudentToldWhom;
  late?: boolean;
  /** Staff hear of it when quiet hours end: the card says so, and points to the contacts for any hour. */
  outOfHours?: boolean;
}): AdaptiveCard {
  // "Passed on", not "has seen": in quiet hours staff hear in the morning.
  const whom = opts.told === 'staff' ? 'staff who support students in your department' : 'your personal tutor';
  const told =
    opts.told === 'nobody'
      ? 'We could not pass this on to a member of staff just now, so please contact one of these.'
      : opts.outOfHours
        ? `We have passed this on to ${whom}. It is outside working hours, so they will see it when they are next at work.`
        : opts.told === 'staff'
          ? 'We have passed this on to staff who support students in your department, and someone will be in touch.'
          : 'We have passed this on to your personal tutor, who will be in touch.';
  return card([
    text('Thank you for telling us', { weight: 'Bolder', size: 'Medium', style: 'heading' }),
    ...(opts.late ? [text(LATE_REPLY)] : []),
    text('It sounds like things are hard at the moment. You do not have to manage this on your own.'),
    text(told),
    text('You can talk to any of these:'),
    contactsFacts(opts.contacts),
    text(
      opts.outOfHours
        ? 'If you need someone before then, or ever feel you might not be safe, you can reach these at any time, day or night:'
        : 'If you ever feel you might not be safe, you can reach these at any time, day or night:',
      { separator: true, isSubtle: true },
    ),
    contactsFacts(opts.urgentContacts),
  ]);
}
