import { z } from 'zod';
import type { StudentStatus } from '../../shared/domain';
import { SAMIS_DATE_FORMATS, type SamisDateFormat } from '../ingest/samis-dates';
import { MOODLE_DATE_ORDERS, MOODLE_LOG_EVENTS, MOODLE_LOG_HEADER, type MoodleLogStrings } from '../ingest/moodle-strings';
import type { Env } from './env';

export const SamisLoginColumnsSchema = z
  .object({
    studentCode: z.string().min(1),
    time: z.string().min(1),
    date: z.string().min(1),
    dateFormat: z.enum(SAMIS_DATE_FORMATS, { message: `expected one of ${SAMIS_DATE_FORMATS.join(', ')}` }),
  })
  .partial()
  .strict();
const translated = z.string().trim().min(1);
export const MoodleLogStringsSchema = z
  .object({
    headers: z
      .object(
        Object.fromEntries(MOODLE_LOG_HEADER.map((h) => [h, translated])) as Record<(typeof MOODLE_LOG_HEADER)[number], typeof translated>,
      )
      .partial()
      .strict(),
    events: z
      .object(
        Object.fromEntries(
          [...MOODLE_LOG_EVENTS.keys()].map((name) => [name, z.union([translated, z.array(translated).min(1)])]),
        ) as Record<string, z.ZodUnion<[typeof translated, z.ZodArray<typeof translated>]>>,
      )
      .partial()
      .strict(),
    dateOrder: z.enum(MOODLE_DATE_ORDERS, { message: `expected one of ${MOODLE_DATE_ORDERS.join(', ')}` }),
  })
  .partial()
  .strict();
const SAMIS_ROSTER_KEYS = [
  'studentCode',
  'familyName',
  'givenName',
  'email',
  'programme',
  'year',
  'status',
  'startDate',
  'departmentCode',
  'departmentName',
  'tutor',
  'tutorGivenName',
  'tutorFamilyName',
  'tutorEmail',
] as const;
export const SamisRosterColumnsSchema = z
  .object(
    Object.fromEntries(SAMIS_ROSTER_KEYS.map((k) => [k, z.string().min(1)])) as Record<(typeof SAMIS_ROSTER_KEYS)[number], z.ZodString>,
  )
  .partial()
  .strict();

/** The Samis column names the importers expect unless SAMIS_LOGIN_COLUMNS / SAMIS_ROSTER_COLUMNS say otherwise (SITS field names). */
export const DEFAULT_SAMIS_LOGIN_COLUMNS = { studentCode: 'STU_CODE', time: 'LOGIN_TIME' } as const;
// The programme is the course (CRS_CODE), shared by a cohort; SPR_CODE is unique per student.
export const DEFAULT_SAMIS_ROSTER_COLUMNS = {
  studentCode: 'STU_CODE',
  familyName: 'STU_SURN',
  givenName: 'STU_FNM1',
  email: 'STU_CAEM',
  programme: 'CRS_CODE',
  year: 'SCE_BLOK',
  status: 'SCE_STAC',
  startDate: 'SCJ_BEGD',
  departmentCode: 'DPT_CODE',
  departmentName: 'DPT_NAME',
  tutor: 'PRS_CODE',
  tutorGivenName: 'PRS_FNM1',
  tutorFamilyName: 'PRS_SURN',
  tutorEmail: 'PRS_EMAD',
} as const;
/** Common SITS enrolment status codes; each university states its own in SAMIS_STATUS_MAP, which replaces this. */
export const DEFAULT_SAMIS_STATUS_MAP: Readonly<Record<string, StudentStatus>> = {
  C: 'active',
  EN: 'active',
  S: 'suspended',
  SU: 'suspended',
  P: 'placement',
  SA: 'study_abroad',
  W: 'withdrawn',
  WD: 'withdrawn',
};

export interface IngestConfig {
  maxRejectedShare: number;
  /** The longest line an export may have (UPLOAD_MAX_LINE_BYTES); a longer one refuses the file, naming the line. */
  maxLineBytes: number;
  /** Share (0..1) of countable rows that must name a known student; a file where none does is always refused. */
  minResolvedShare: number;
  /** The zone each system prints its clock readings in. */
  timeZones: { moodle: string; panopto: string; teams: string; samis: string };
  teamsLocale: 'en-GB' | 'en-US' | null;
  /** A Moodle log download in another language pack: its headers, event names and date order (MOODLE_LOG_STRINGS); null for English. */
  moodleLogStrings: MoodleLogStrings | null;
  /** `date`, when set, names a date-only column that `time` (then time-only) completes. */
  samisLoginColumns: { studentCode: string; time: string; date?: string; dateFormat?: SamisDateFormat };
  samisRosterColumns: Record<keyof typeof DEFAULT_SAMIS_ROSTER_COLUMNS, string>;
  samisStatusMap: Readonly<Record<string, StudentStatus>>;
  dropFolder: string | null;
  watchEveryMinutes: number;
}

export function ingestConfig(e: Env): IngestConfig {
  return Object.freeze({
    maxRejectedShare: e.IMPORT_MAX_REJECTED_SHARE,
    maxLineBytes: e.UPLOAD_MAX_LINE_BYTES,
    minResolvedShare: e.IMPORT_MIN_RESOLVED_SHARE,
    timeZones: Object.freeze({
      moodle: e.MOODLE_TIME_ZONE ?? e.TIME_ZONE,
      panopto: e.PANOPTO_TIME_ZONE,
      teams: e.TEAMS_TIME_ZONE ?? e.TIME_ZONE,
      samis: e.SAMIS_TIME_ZONE ?? e.TIME_ZONE,
    }),
    teamsLocale: e.TEAMS_LOCALE ?? null,
    moodleLogStrings: e.MOODLE_LOG_STRINGS ? Object.freeze(e.MOODLE_LOG_STRINGS as MoodleLogStrings) : null,
    samisLoginColumns: Object.freeze({ ...DEFAULT_SAMIS_LOGIN_COLUMNS, ...e.SAMIS_LOGIN_COLUMNS }),
    samisRosterColumns: Object.freeze({ ...DEFAULT_SAMIS_ROSTER_COLUMNS, ...e.SAMIS_ROSTER_COLUMNS }),
    samisStatusMap: Object.freeze({ ...(e.SAMIS_STATUS_MAP ?? DEFAULT_SAMIS_STATUS_MAP) }),
    dropFolder: e.IMPORT_DROP_FOLDER ?? null,
    watchEveryMinutes: e.IMPORT_WATCH_EVERY_MINUTES,
  });
}
