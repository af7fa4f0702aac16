import { z } from 'zod';

/** One urgent message (the risk tier) waiting for someone to record that they have acted. */
export const UrgentAlertViewSchema = z.object({
  id: z.string(),
  studentId: z.string(),
  studentName: z.string(),
  /** When the student wrote it (ISO instant). */
  raisedAt: z.string(),
  /** The student's words, only for those told at once and the wellbeing role; null for everyone else. */
  message: z.string().nullable(),
  /** True when there are words this reader may not see. */
  messageWithheld: z.boolean(),
  /** Names of the staff told at once ("you" for the reader). */
  told: z.array(z.string()),
  /** The student's open case, if they have one. */
  caseId: z.string().nullable(),
  /**
   * Whether the emergency contacts reached the student: shown in the app's reply (or later from the outbox),
   * waiting (the reply still sending them, or the outbox after Teams did not take the reply or the service
   * stopped mid-reply), or never delivered; 'shown' also for a
   * message answered before the app kept track (no outbox record).
   */
  contacts: z.enum(['shown', 'waiting', 'failed']),
});
export type UrgentAlertView = z.infer<typeof UrgentAlertViewSchema>;

export const UrgentListResponseSchema = z.object({ alerts: z.array(UrgentAlertViewSchema) });
export type UrgentListResponse = z.infer<typeof UrgentListResponseSchema>;

export const UrgentActedSchema = z.strictObject({
  note: z
    .string({ message: 'say what you did, in a few words' })
    .trim()
    .min(1, 'say what you did, in a few words')
    .max(2000, 'keep the note under 2,000 characters'),
});
export type UrgentActed = z.infer<typeof UrgentActedSchema>;

/** Urgent alert ids are UUIDs; anything else is refused before it reaches the database. */
export const UrgentIdSchema = z.uuid({ message: 'expected the id of an urgent message' });

export const UrgentActedResponseSchema = z.object({ id: z.string(), actedAt: z.string(), actedBy: z.string() });
export type UrgentActedResponse = z.infer<typeof UrgentActedResponseSchema>;
