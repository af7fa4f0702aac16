import { z } from 'zod';

/** One urgent message (the risk tier) waiting for someone to record that they have acted. */
export interface UrgentAlertView {
  id: string;
  studentId: string;
  studentName: string;
  /** When the student wrote it (ISO instant). */
  raisedAt: string;
  /** The student's words, only for those told at once and the wellbeing role; null for everyone else. */
  message: string | null;
  /** Why the words are not shown, when they are not. */
  messageWithheld: boolean;
  /** Names of the staff told at once ("you" for the reader). */
  told: string[];
  /** The student's open case, if they have one. */
  caseId: string | null;
}

export interface UrgentListResponse {
  alerts: UrgentAlertView[];
}

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

export interface UrgentActedResponse {
  id: string;
  actedAt: string;
  actedBy: string;
}
