import type { Source } from '../../shared/domain';

/**
 * The English strings of a Moodle log download ("Download table data as CSV"): its header and the event
 * names that count. A site whose administrators download in another language pack translates these
 * through MOODLE_LOG_STRINGS (docs/imports.md); the Description column stays English in every pack
 * (Moodle does not translate event descriptions), so user and course module ids read the same.
 */
export const MOODLE_LOG_HEADER = [
  'Time',
  'User full name',
  'Affected user',
  'Event context',
  'Component',
  'Event name',
  'Description',
  'Origin',
  'IP address',
] as const;

/** The "Event name" values that count, from EXPORT-FORMATS.md; everything else is read and ignored. */
export const MOODLE_LOG_EVENTS: ReadonlyMap<string, Source> = new Map<string, Source>([
  ['User has logged in', 'moodle_login'],
  ['A submission has been submitted.', 'moodle_submission'],
  ['Submission created.', 'moodle_submission'],
  ['Submission updated.', 'moodle_submission'],
  ['Quiz attempt submitted', 'moodle_submission'],
]);

export const MOODLE_DATE_ORDERS = ['day-first', 'month-first'] as const;
export type MoodleDateOrder = (typeof MOODLE_DATE_ORDERS)[number];

/** MOODLE_LOG_STRINGS: each English header or event name the site's language pack prints differently, and its date order. */
export interface MoodleLogStrings {
  headers?: Partial<Record<(typeof MOODLE_LOG_HEADER)[number], string>>;
  /** English event name -> the pack's name; several names (an older and a newer pack) can be given as a list. */
  events?: Partial<Record<string, string | string[]>>;
  dateOrder?: MoodleDateOrder;
}
