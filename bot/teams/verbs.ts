import { z } from 'zod';
import { CaseActionSchema, NOTE_MAX, type CaseAction } from '../../shared/api/case-actions';
import { CHECKIN_CHOICES, type CheckinChoice } from '../../shared/cases';
import { badRequest } from '../errors';

const CaseIdSchema = z.string().min(1).max(100);

const InvokeSchema = z.object({
  action: z.object({
    type: z.literal('Action.Execute'),
    verb: z.string().min(1).max(100),
    data: z.record(z.string(), z.unknown()).default({}),
  }),
  trigger: z.enum(['manual', 'automatic']).optional(),
});

/** Every verb our cards carry; anything else is refused before it reaches a command. */
const VerbSchema = z.discriminatedUnion('verb', [
  z.object({ verb: z.literal('case.acknowledge'), data: z.object({ caseId: CaseIdSchema }) }),
  z.object({
    verb: z.literal('case.outcome'),
    data: z.object({ caseId: CaseIdSchema, outcome: z.unknown(), note: z.unknown().optional() }),
  }),
  z.object({ verb: z.literal('case.snooze'), data: z.object({ caseId: CaseIdSchema, days: z.unknown() }) }),
  z.object({ verb: z.literal('case.checkin'), data: z.object({ caseId: CaseIdSchema }) }),
  z.object({ verb: z.literal('card.refresh'), data: z.object({}).passthrough() }),
  z.object({
    verb: z.literal('checkin.reply'),
    data: z.object({ caseId: CaseIdSchema, choice: z.enum(CHECKIN_CHOICES), message: z.string().trim().max(NOTE_MAX).optional() }),
  }),
]);

export type CardAction =
  | { kind: 'case'; caseId: string; action: CaseAction }
  | { kind: 'refresh'; automatic: boolean }
  | { kind: 'checkin_reply'; caseId: string; choice: CheckinChoice; message: string | null };

/**
 * Validates an `adaptiveCard/action` invoke value. Inputs on a digest card are named per case
 * (`outcome-<caseId>`), since one card holds ten students; they are folded back here.
 */
export function parseCardAction(value: unknown): CardAction {
  const invoke = InvokeSchema.safeParse(value);
  if (!invoke.success)
    throw badRequest(
      'This card action is not one we recognise.',
      invoke.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    );
  const raw = invoke.data.action.data;
  const caseId = typeof raw.caseId === 'string' ? raw.caseId : '';
  const data = {
    ...raw,
    ...(raw[`outcome-${caseId}`] !== undefined ? { outcome: raw[`outcome-${caseId}`] } : {}),
    ...(raw[`note-${caseId}`] !== undefined ? { note: raw[`note-${caseId}`] } : {}),
    ...(raw[`days-${caseId}`] !== undefined ? { days: raw[`days-${caseId}`] } : {}),
  };
  const parsed = VerbSchema.safeParse({ verb: invoke.data.action.verb, data });
  if (!parsed.success)
    throw badRequest(
      'This card action is not one we recognise.',
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    );
  const verb = parsed.data;
  const toAction = (candidate: unknown): CaseAction => {
    const action = CaseActionSchema.safeParse(candidate);
    if (!action.success)
      throw badRequest(
        action.error.issues[0]?.message ?? 'Please check what you entered.',
        action.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
      );
    return action.data;
  };
  switch (verb.verb) {
    case 'case.acknowledge':
      return { kind: 'case', caseId: verb.data.caseId, action: { action: 'acknowledge' } };
    case 'case.outcome': {
      const note = typeof verb.data.note === 'string' && verb.data.note.trim() !== '' ? verb.data.note : undefined;
      return {
        kind: 'case',
        caseId: verb.data.caseId,
        action: toAction({ action: 'record_outcome', outcome: verb.data.outcome, ...(note ? { note } : {}) }),
      };
    }
    case 'case.snooze':
      return { kind: 'case', caseId: verb.data.caseId, action: toAction({ action: 'snooze', days: verb.data.days }) };
    case 'case.checkin':
      return { kind: 'case', caseId: verb.data.caseId, action: { action: 'send_checkin' } };
    case 'card.refresh':
      return { kind: 'refresh', automatic: invoke.data.trigger === 'automatic' };
    case 'checkin.reply':
      return {
        kind: 'checkin_reply',
        caseId: verb.data.caseId,
        choice: verb.data.choice,
        message: verb.data.message && verb.data.message !== '' ? verb.data.message : null,
      };
  }
}
