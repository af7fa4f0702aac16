import { ENGLAND_AND_WALES_BANK_HOLIDAYS } from '../shared/bank-holidays';
import { readFileSync } from 'node:fs';
import { SAMIS_DATE_FORMATS, type SamisDateFormat } from './ingest/samis-dates';
import { MOODLE_DATE_ORDERS, MOODLE_LOG_EVENTS, MOODLE_LOG_HEADER, type MoodleLogStrings } from './ingest/moodle-strings';
import { z } from 'zod';
import { STAFF_ROLES, STUDENT_STATUSES, type StaffRole, type StudentStatus } from '../shared/domain';
import type { ExtraPhrases } from '../shared/wellbeing/classify';
import { isQuiet, parseDayMinute, parseQuietHours, type DayMinute, type QuietHours } from '../shared/send-schedule';

export interface SupportContact {
  name: string;
  detail: string;
}

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
    .optional()
    .transform((v) => (v === undefined ? fallback : ['true', '1', 'yes'].includes(v)));

/** A JSON object in one variable, e.g. SAMIS_STATUS_MAP='{"EN":"active","SU":"suspended"}'. */
function jsonObject<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .optional()
    .transform((text, ctx): z.infer<T> | undefined => {
      if (text === undefined) return undefined;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'expected a JSON object' });
        return z.NEVER;
      }
      const parsed = schema.safeParse(value);
      if (!parsed.success) {
        ctx.addIssue({
          code: 'custom',
          message: parsed.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join(', '),
        });
        return z.NEVER;
      }
      return parsed.data;
    });
}

const SamisLoginColumnsSchema = z
  .object({
    studentCode: z.string().min(1),
    time: z.string().min(1),
    date: z.string().min(1),
    dateFormat: z.enum(SAMIS_DATE_FORMATS, { message: `expected one of ${SAMIS_DATE_FORMATS.join(', ')}` }),
  })
  .partial()
  .strict();
const translated = z.string().trim().min(1);
const MoodleLogStringsSchema = z
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
const SamisRosterColumnsSchema = z
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

const int = (fallback: number, min: number, max: number) =>
  z.coerce.number({ message: 'expected a whole number' }).int('expected a whole number').min(min).max(max).default(fallback);

// Graph's SDK attaches the access token only to https hosts, so an http URL would silently send no token.
const httpsUrl = (fallback: string) =>
  z
    .url({ message: 'expected an absolute https URL' })
    .refine((v) => v.startsWith('https://'), 'expected an https URL: Graph tokens are only sent over https')
    .transform((v) => v.replace(/\/+$/, ''))
    .default(fallback);

/**
 * Every setting the service reads, each documented in the README's configuration table.
 * Keys are the environment variable names.
 */
const EnvSchema = z.object({
  PORT: int(3978, 0, 65535),
  HOST: z.string().min(1).optional(),
  APP_MODE: z.enum(['local', 'production']).default('local'),
  PUBLIC_URL: z.url({ message: 'expected an absolute URL such as https://engagement.example.ac.uk' }).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^(postgres(ql)?:\/\/|sqlite:)/, 'expected postgres://user@host:port/db or sqlite:<path>')
    .default('sqlite:./data/engagement.sqlite'),
  // At least 2: one pooled connection holds the singleton jobs' advisory locks for the life of the process.
  DATABASE_POOL_SIZE: int(10, 2, 100),
  DEMO_DATA: bool(true),
  UPLOAD_MAX_LINE_BYTES: int(1_048_576, 1024, 64 * 1_048_576),
  ENTRA_APP_ID_URI: z
    .string()
    .startsWith('api://', 'expected the Application ID URI, such as api://engagement.example.ac.uk/<client id>')
    .optional(),
  DEMO_SEED: int(42, 0, 2 ** 31 - 1),
  TIME_ZONE: z.string().min(1).default('Europe/London'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MICROSOFT_APP_ID: z.string().default(''),
  MICROSOFT_APP_PASSWORD: z.string().default(''),
  MICROSOFT_APP_TYPE: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('SingleTenant'),
  MICROSOFT_APP_TENANT_ID: z.string().default(''),
  BOT_OPENID_METADATA_URL: z.url({ message: 'expected the URL of an OpenID configuration document' }).optional(),
  BOT_TOKEN_ISSUER: z.string().min(1).optional(),
  SUPPORT_CONTACTS: z.string().optional(),
  URGENT_CONTACTS: z.string().optional(),
  URGENT_TERMS: z.string().optional(),
  WELLBEING_PHRASES_FILE: z.string().min(1).optional(),
  WELLBEING_ROLE: z
    .enum(['personal_tutor', 'director_of_studies', 'student_experience_officer', 'department_admin', 'wellbeing'])
    .default('student_experience_officer'),
  ESCALATION_WORKING_DAYS: int(3, 1, 30),
  NO_REPLY_FOLLOWUP_WORKING_DAYS: int(5, 1, 30),
  CLOSURE_DAYS: z
    .string()
    .regex(
      /^\s*(\d{4}-\d{2}-\d{2}(\s*,\s*\d{4}-\d{2}-\d{2})*)?\s*$/,
      'expected a comma-separated list of days such as 2026-12-24,2026-12-29',
    )
    .optional(),
  DIGEST_TIME: z
    .string()
    .regex(/^\s*([01]?\d|2[0-3]):[0-5]\d\s*$/, 'expected a local time of day such as 09:00')
    .default('09:00'),
  QUIET_HOURS: z
    .string()
    .refine((v) => parseQuietHours(v) !== undefined, 'expected two different local times such as 19:00-08:00, or off')
    .default('19:00-08:00'),
  ESCALATE_EVERY_MINUTES: int(60, 1, 1_440),
  SEND_CONCURRENCY: int(16, 1, 64),
  DELIVERY_LEASE_SECONDS: int(120, 2, 3_600),
  DELIVERY_BACKOFF_SECONDS: int(15, 1, 3_600),
  DELIVERY_MAX_ATTEMPTS: int(8, 1, 50),
  JOB_TAKEOVER_SECONDS: int(15, 1, 600),
  GRAPH_INSTALL_ENABLED: bool(false),
  TEAMS_APP_EXTERNAL_ID: z.string().default(''),
  TEAMS_SERVICE_URL: z.url().default('https://smba.trafficmanager.net/teams/'),
  EVALUATE_EVERY_MINUTES: int(60, 1, 10_080),
  NOTIFY_EVERY_SECONDS: int(30, 1, 3_600),
  JOBS_ENABLED: bool(true),
  SHUTDOWN_TIMEOUT_MS: int(10_000, 100, 120_000),
  ENTRA_CLIENT_ID: z.string().optional(),
  ENTRA_ALLOWED_TENANTS: z
    .string()
    .regex(/^[0-9a-fA-F-]{36}(\s*,\s*[0-9a-fA-F-]{36})*$/, 'expected a comma-separated list of tenant ids (GUIDs)')
    .optional(),
  ENTRA_JWKS_URL: z
    .url({ message: 'expected the absolute URL of a JSON Web Key Set' })
    .default('https://login.microsoftonline.com/common/discovery/v2.0/keys'),
  GRAPH_TENANT_ID: z.string().optional(),
  GRAPH_CLIENT_ID: z.string().optional(),
  GRAPH_CLIENT_SECRET: z.string().optional(),
  GRAPH_CLIENT_CERTIFICATE_PATH: z.string().optional(),
  GRAPH_BASE_URL: httpsUrl('https://graph.microsoft.com'),
  GRAPH_AUTHORITY_HOST: httpsUrl('https://login.microsoftonline.com'),
  GRAPH_ORGANISERS: z.string().default(''),
  GRAPH_MIN_MINUTES: int(10, 0, 600),
  GRAPH_LOOKBACK_DAYS: int(28, 1, 365),
  GRAPH_COLLECT_EVERY_HOURS: int(24, 1, 168),
  IMPORT_MAX_REJECTED_SHARE: z.coerce.number({ message: 'expected a share between 0 and 1, such as 0.02' }).min(0).max(1).default(0.02),
  IMPORT_MIN_RESOLVED_SHARE: z.coerce.number({ message: 'expected a share between 0 and 1, such as 0.5' }).min(0).max(1).default(0),
  MOODLE_TIME_ZONE: z.string().min(1).optional(),
  PANOPTO_TIME_ZONE: z.string().min(1).default('America/Los_Angeles'),
  TEAMS_TIME_ZONE: z.string().min(1).optional(),
  TEAMS_LOCALE: z.enum(['en-GB', 'en-US'], { message: 'expected en-GB (day first) or en-US (month first)' }).optional(),
  SAMIS_TIME_ZONE: z.string().min(1).optional(),
  SAMIS_LOGIN_COLUMNS: jsonObject(SamisLoginColumnsSchema),
  MOODLE_LOG_STRINGS: jsonObject(MoodleLogStringsSchema),
  SAMIS_ROSTER_COLUMNS: jsonObject(SamisRosterColumnsSchema),
  SAMIS_STATUS_MAP: jsonObject(z.record(z.string().min(1), z.enum(STUDENT_STATUSES))),
  IMPORT_DROP_FOLDER: z.string().min(1).optional(),
  IMPORT_WATCH_EVERY_MINUTES: int(5, 1, 1_440),
  MOODLE_DB_URL: z
    .string()
    .regex(
      /^(mysql|mariadb|postgres(ql)?):\/\/[^/]+\/[^/?]+/,
      'expected mysql://user:password@host:3306/moodle or postgres://user:password@host:5432/moodle',
    )
    .optional(),
  MOODLE_DB_PREFIX: z
    .string()
    .regex(/^[a-z0-9_]*$/i, "expected letters, digits and '_', such as mdl_")
    .default('mdl_'),
  MOODLE_DB_TLS: z
    .enum(['off', 'require', 'verify'], { message: 'expected off, require (encrypt) or verify (encrypt and check the certificate)' })
    .default('verify'),
  MOODLE_DB_TLS_CA: z.string().min(1).optional(),
  MOODLE_DB_PULL_EVERY_MINUTES: int(60, 5, 1_440),
  MOODLE_DB_LOOKBACK_DAYS: int(14, 1, 400),
  MOODLE_DB_MAX_LAG_MINUTES: int(180, 5, 10_080),
  MOODLE_DB_PAGE_SIZE: int(100_000, 1_000, 1_000_000),
  ENTRA_ROLE_GROUPS: jsonObject(
    z.array(
      z
        .object({ group: z.string().min(1), role: z.enum(STAFF_ROLES), department: z.string().min(1).optional() })
        .strict()
        .refine((g) => g.role === 'institution_admin' || g.department !== undefined, 'every role but institution_admin needs a department'),
    ),
  ),
  DIRECTORY_SYNC_EVERY_HOURS: int(6, 1, 168),
  // Privacy: retention periods (docs/privacy.md), the privacy notice students are pointed to.
  ACADEMIC_YEAR_START_MONTH: int(8, 1, 12),
  RETENTION_COUNTS_ACADEMIC_YEARS: int(2, 1, 10),
  RETENTION_IMPORTS_DAYS: int(730, 30, 3_650),
  RETENTION_CLOSED_CASES_DAYS: int(365, 30, 3_650),
  RETENTION_MESSAGES_DAYS: int(90, 1, 3_650),
  RETENTION_DELIVERIES_DAYS: int(90, 1, 3_650),
  RETENTION_LEFT_STUDENTS_DAYS: int(365, 30, 3_650),
  RETENTION_AUDIT_DAYS: int(2_190, 365, 7_300),
  RETENTION_BATCH_SIZE: int(5_000, 100, 100_000),
  RETENTION_EVERY_HOURS: int(24, 1, 168),
  PRIVACY_NOTICE_URL: z.url({ message: 'expected the https address of your privacy notice' }).optional(),
  PRIVACY_SHOW_VIEWER_NAMES: bool(false),
});

export type Config = Readonly<{
  port: number;
  host: string;
  mode: 'local' | 'production';
  publicUrl: string;
  database: { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string; poolSize: number };
  demo: { enabled: boolean; seed: number };
  timeZone: string;
  logLevel: string;
  bot: {
    appId: string;
    appPassword: string;
    appType: string;
    tenantId: string;
    openIdMetadataUrl: string | null;
    tokenIssuer: string | null;
  };
  support: {
    contacts: readonly SupportContact[];
    urgentContacts: readonly SupportContact[];
    /** Phrases a university adds to the built-in wellbeing lists (WELLBEING_PHRASES_FILE, and URGENT_TERMS as risk). */
    phrases: Readonly<ExtraPhrases>;
    wellbeingRole: StaffRole;
  };
  alerts: {
    escalationWorkingDays: number;
    escalateEveryMinutes: number;
    sendConcurrency: number;
    /** Working days after "Contacted, no reply" before the case comes back to its owner. */
    noReplyWorkingDays: number;
    /** Days that are not working days besides weekends: bank holidays and closures (default: GOV.UK England and Wales). */
    closureDays: readonly string[];
    /** The local time (minutes after midnight) of the one digest per working day (DIGEST_TIME). */
    digestAt: DayMinute;
    /** Hours without routine staff messages (QUIET_HOURS); null when off. */
    quietHours: QuietHours | null;
    /** How long a delivery claim holds unrenewed, the first backoff step, and attempts before a dead letter. */
    leaseSeconds: number;
    backoffSeconds: number;
    maxAttempts: number;
  };
  graphInstall: { enabled: boolean; baseUrl: string; teamsAppExternalId: string; serviceUrl: string };
  /** takeoverSeconds: how often an instance asks for the singleton jobs another instance holds (takeover when it dies). */
  jobs: { enabled: boolean; evaluateEveryMinutes: number; notifyEverySeconds: number; takeoverSeconds: number };
  shutdownTimeoutMs: number;
  /** Teams tab SSO: which tokens the tab API accepts. An empty client id turns SSO off. */
  entra: { clientId: string; appIdUri: string; allowedTenants: readonly string[]; jwksUrl: string };
  ingest: IngestConfig;
  privacy: PrivacyConfig;
  /** Microsoft Graph attendance collection; null when not configured (the collector is then off). */
  graph: GraphConfig | null;
  /** Pulling Moodle activity straight from its database; null when MOODLE_DB_URL is not set. */
  moodleDb: MoodleDbConfig | null;
  /** Entra security groups that give staff roles, and how often they and the object ids are refreshed (needs `graph`). */
  directory: Readonly<{ roleGroups: readonly RoleGroup[]; syncEveryHours: number }>;
}>;

export type MoodleDbConfig = Readonly<{
  url: string;
  kind: 'mysql' | 'postgres';
  prefix: string;
  tls: Readonly<{ mode: 'off' | 'require' | 'verify'; caPath: string | null }>;
  pullEveryMinutes: number;
  lookbackDays: number;
  maxLagMinutes: number;
  /** Log ids read per query. */
  pageSize: number;
}>;

/** One Entra security group: its members hold `role` in `departmentId` (none for institution administrators). */
export type RoleGroup = Readonly<{ groupId: string; role: StaffRole; departmentId: string | null }>;

export type GraphConfig = Readonly<{
  tenantId: string;
  clientId: string;
  credential: { kind: 'secret'; secret: string } | { kind: 'certificate'; path: string };
  baseUrl: string;
  authorityHost: string;
  /** UPNs or Entra object ids of the organisers whose meetings are read; empty = every staff member in the roster. */
  organisers: readonly string[];
  minMinutes: number;
  lookbackDays: number;
  collectEveryHours: number;
}>;

export interface PrivacyConfig {
  /** The month (1-12) an academic year starts: counts are kept for the current and previous years. */
  academicYearStartMonth: number;
  retention: {
    countsAcademicYears: number;
    importsDays: number;
    closedCasesDays: number;
    messagesDays: number;
    deliveriesDays: number;
    leftStudentsDays: number;
    auditDays: number;
    batchSize: number;
    everyHours: number;
  };
  privacyNoticeUrl: string | null;
  /** Whether a student asking "my data" sees the names of staff who viewed their record (roles and dates otherwise). */
  showViewerNames: boolean;
}

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

const ContactsSchema = z.array(z.object({ name: z.string().min(1), detail: z.string().min(1) })).min(1);

/** Placeholders until a university sets its own; the national numbers are real and free to call. */
const DEFAULT_SUPPORT_CONTACTS: SupportContact[] = [
  { name: 'Your personal tutor', detail: 'Message them here or by e-mail at any time.' },
  { name: 'Wellbeing Service', detail: 'Set SUPPORT_CONTACTS to your university’s Wellbeing Service details.' },
];
const DEFAULT_URGENT_CONTACTS: SupportContact[] = [
  { name: 'Emergency services', detail: 'Call 999 if you or someone else is in immediate danger.' },
  { name: 'Samaritans (24 hours)', detail: 'Call 116 123 free, any time, day or night.' },
  { name: 'Shout (24 hours)', detail: 'Text SHOUT to 85258.' },
];

const PhraseListsSchema = z
  .object({ risk: z.array(z.string().trim().min(1)).default([]), distress: z.array(z.string().trim().min(1)).default([]) })
  .strict();

/** WELLBEING_PHRASES_FILE: a JSON file {"risk": [...], "distress": [...]} of plain phrases added to the built-in lists. */
function readPhraseFile(path: string | undefined, problems: string[]): { risk: string[]; distress: string[] } {
  if (path === undefined) return { risk: [], distress: [] };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push(`WELLBEING_PHRASES_FILE: cannot read ${path} as JSON (${(error as Error).message})`);
    return { risk: [], distress: [] };
  }
  const parsed = PhraseListsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    problems.push(
      `WELLBEING_PHRASES_FILE: ${path} must be {"risk": ["…"], "distress": ["…"]} (${issue ? `${issue.path.join('.') || 'value'}: ${issue.message}` : 'invalid'})`,
    );
    return { risk: [], distress: [] };
  }
  return parsed.data;
}

// A contact list copied from our defaults or the README example has not been set for this university.
const PLACEHOLDER_CONTACT =
  /set (support|urgent)_contacts|placeholder|changeme|change me|\btodo\b|\btbc\b|01234 567890|@example\.(com|org|net)\b/i;

/** In production a student in crisis must see the university's real contacts, so unset or placeholder lists stop the start. */
function checkContactsForProduction(
  name: string,
  raw: string | undefined,
  contacts: readonly SupportContact[],
  fallback: readonly SupportContact[],
  problems: string[],
): void {
  if (raw !== undefined && contacts === fallback) return; // unreadable JSON, already reported
  if (raw === undefined)
    problems.push(`${name}: required when APP_MODE=production: set your university's real contacts as JSON [{"name":"…","detail":"…"}]`);
  else if (contacts.some((c) => PLACEHOLDER_CONTACT.test(`${c.name} ${c.detail}`)))
    problems.push(`${name}: still a placeholder; set your university's real contacts before running with APP_MODE=production`);
}

function parseContacts(name: string, raw: string | undefined, fallback: SupportContact[], problems: string[]): SupportContact[] {
  if (raw === undefined) return fallback;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    problems.push(`${name}: expected JSON such as [{"name":"Wellbeing Service","detail":"01234 567890"}]`);
    return fallback;
  }
  const parsed = ContactsSchema.safeParse(json);
  if (!parsed.success) {
    problems.push(`${name}: expected a non-empty list of {"name","detail"} entries (${parsed.error.issues[0]?.message ?? 'invalid'})`);
    return fallback;
  }
  return parsed.data;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Validates the environment once, reporting every bad variable together, and returns a frozen config. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const parsed = EnvSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  if (!parsed.success) throw new ConfigError(problems);
  const e = parsed.data;
  for (const [name, tz] of Object.entries({
    TIME_ZONE: e.TIME_ZONE,
    MOODLE_TIME_ZONE: e.MOODLE_TIME_ZONE,
    PANOPTO_TIME_ZONE: e.PANOPTO_TIME_ZONE,
    TEAMS_TIME_ZONE: e.TEAMS_TIME_ZONE,
    SAMIS_TIME_ZONE: e.SAMIS_TIME_ZONE,
  })) {
    if (tz !== undefined && !isValidTimeZone(tz)) problems.push(`${name}: unknown time zone "${tz}"`);
  }
  if (e.APP_MODE === 'production' && !e.MICROSOFT_APP_ID) problems.push('MICROSOFT_APP_ID: required when APP_MODE=production');
  if (e.APP_MODE === 'production' && !e.PUBLIC_URL) problems.push('PUBLIC_URL: required when APP_MODE=production');
  checkModeSafety(e, env.DEMO_DATA !== undefined && env.DEMO_DATA !== '', problems);
  // Azure stopped creating multi-tenant bots in 2025; a single-tenant bot must name its tenant.
  if (e.MICROSOFT_APP_ID && e.MICROSOFT_APP_TYPE !== 'UserAssignedMSI' && !e.MICROSOFT_APP_PASSWORD)
    problems.push(`MICROSOFT_APP_PASSWORD: required when MICROSOFT_APP_ID is set (type ${e.MICROSOFT_APP_TYPE})`);
  if (e.MICROSOFT_APP_ID && e.MICROSOFT_APP_TYPE !== 'MultiTenant' && !e.MICROSOFT_APP_TENANT_ID)
    problems.push(`MICROSOFT_APP_TENANT_ID: required when MICROSOFT_APP_TYPE=${e.MICROSOFT_APP_TYPE}`);
  const graph = parseGraph(e, problems);
  const supportContacts = parseContacts('SUPPORT_CONTACTS', e.SUPPORT_CONTACTS, DEFAULT_SUPPORT_CONTACTS, problems);
  const urgentContacts = parseContacts('URGENT_CONTACTS', e.URGENT_CONTACTS, DEFAULT_URGENT_CONTACTS, problems);
  const urgentTerms = (e.URGENT_TERMS ?? '')
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '');
  const phraseFile = readPhraseFile(e.WELLBEING_PHRASES_FILE, problems);
  if (e.APP_MODE === 'production') {
    checkContactsForProduction('SUPPORT_CONTACTS', e.SUPPORT_CONTACTS, supportContacts, DEFAULT_SUPPORT_CONTACTS, problems);
    checkContactsForProduction('URGENT_CONTACTS', e.URGENT_CONTACTS, urgentContacts, DEFAULT_URGENT_CONTACTS, problems);
  }
  if (e.GRAPH_INSTALL_ENABLED && (!e.MICROSOFT_APP_ID || !e.MICROSOFT_APP_PASSWORD || !e.MICROSOFT_APP_TENANT_ID))
    problems.push('GRAPH_INSTALL_ENABLED: needs MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD and MICROSOFT_APP_TENANT_ID for Graph');
  if (e.GRAPH_INSTALL_ENABLED && !e.TEAMS_APP_EXTERNAL_ID)
    problems.push('TEAMS_APP_EXTERNAL_ID: required when GRAPH_INSTALL_ENABLED=true (the manifest id of the app to install)');
  if (e.ENTRA_ROLE_GROUPS?.length && !graph && !problems.some((p) => p.startsWith('GRAPH_')))
    problems.push(
      'ENTRA_ROLE_GROUPS: needs GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET to read the groups through Microsoft Graph',
    );
  if (e.APP_MODE === 'production' && !e.PRIVACY_NOTICE_URL)
    problems.push("PRIVACY_NOTICE_URL: required when APP_MODE=production (students asking 'my data' are pointed to it)");
  // The audit must outlive what it audits, or a subject access request could not say who saw a record.
  const longest = Math.max(e.RETENTION_CLOSED_CASES_DAYS, e.RETENTION_IMPORTS_DAYS, e.RETENTION_COUNTS_ACADEMIC_YEARS * 366);
  if (e.RETENTION_AUDIT_DAYS <= longest)
    problems.push(`RETENTION_AUDIT_DAYS: must be longer than the longest other retention period (${longest} days)`);
  const digestAt = parseDayMinute(e.DIGEST_TIME) ?? 9 * 60;
  const quietHours = parseQuietHours(e.QUIET_HOURS) ?? null;
  if (isQuiet(digestAt, quietHours))
    problems.push(`DIGEST_TIME: ${e.DIGEST_TIME.trim()} falls inside QUIET_HOURS (${e.QUIET_HOURS.trim()}); choose a time outside them`);
  if (problems.length > 0) throw new ConfigError(problems);

  const database: Config['database'] = e.DATABASE_URL.startsWith('sqlite:')
    ? { kind: 'sqlite', path: e.DATABASE_URL.slice('sqlite:'.length) }
    : { kind: 'postgres', url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE };
  if (database.kind === 'sqlite' && database.path === '') throw new ConfigError(['DATABASE_URL: sqlite: needs a file path, or :memory:']);

  return Object.freeze({
    port: e.PORT,
    host: e.HOST ?? (e.APP_MODE === 'local' ? '127.0.0.1' : '0.0.0.0'),
    mode: e.APP_MODE,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    database: Object.freeze(database),
    demo: Object.freeze({ enabled: e.APP_MODE === 'local' && e.DEMO_DATA, seed: e.DEMO_SEED }),
    timeZone: e.TIME_ZONE,
    logLevel: e.LOG_LEVEL,
    bot: Object.freeze({
      appId: e.MICROSOFT_APP_ID,
      appPassword: e.MICROSOFT_APP_PASSWORD,
      appType: e.MICROSOFT_APP_TYPE,
      tenantId: e.MICROSOFT_APP_TENANT_ID,
      openIdMetadataUrl: e.BOT_OPENID_METADATA_URL ?? null,
      tokenIssuer: e.BOT_TOKEN_ISSUER ?? null,
    }),
    support: Object.freeze({
      contacts: supportContacts,
      urgentContacts,
      phrases: Object.freeze({ risk: [...urgentTerms, ...phraseFile.risk], distress: phraseFile.distress }),
      wellbeingRole: e.WELLBEING_ROLE,
    }),
    alerts: Object.freeze({
      escalationWorkingDays: e.ESCALATION_WORKING_DAYS,
      noReplyWorkingDays: e.NO_REPLY_FOLLOWUP_WORKING_DAYS,
      closureDays: Object.freeze(
        e.CLOSURE_DAYS === undefined
          ? [...ENGLAND_AND_WALES_BANK_HOLIDAYS]
          : e.CLOSURE_DAYS.split(',')
              .map((d) => d.trim())
              .filter(Boolean),
      ),
      digestAt,
      quietHours,
      escalateEveryMinutes: e.ESCALATE_EVERY_MINUTES,
      sendConcurrency: e.SEND_CONCURRENCY,
      leaseSeconds: e.DELIVERY_LEASE_SECONDS,
      backoffSeconds: e.DELIVERY_BACKOFF_SECONDS,
      maxAttempts: e.DELIVERY_MAX_ATTEMPTS,
    }),
    graphInstall: Object.freeze({
      enabled: e.GRAPH_INSTALL_ENABLED,
      baseUrl: `${e.GRAPH_BASE_URL}/v1.0`,
      teamsAppExternalId: e.TEAMS_APP_EXTERNAL_ID,
      serviceUrl: e.TEAMS_SERVICE_URL,
    }),
    jobs: Object.freeze({
      enabled: e.JOBS_ENABLED,
      evaluateEveryMinutes: e.EVALUATE_EVERY_MINUTES,
      notifyEverySeconds: e.NOTIFY_EVERY_SECONDS,
      takeoverSeconds: e.JOB_TAKEOVER_SECONDS,
    }),
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    entra: Object.freeze({
      // The tab's SSO app registration is usually the bot's own, so the bot's ids are the defaults.
      clientId: e.ENTRA_CLIENT_ID ?? e.MICROSOFT_APP_ID,
      appIdUri: e.ENTRA_APP_ID_URI ?? defaultAppIdUri(e.PUBLIC_URL, e.ENTRA_CLIENT_ID ?? e.MICROSOFT_APP_ID),
      allowedTenants: Object.freeze(
        (e.ENTRA_ALLOWED_TENANTS ?? e.MICROSOFT_APP_TENANT_ID)
          .split(',')
          .map((t) => t.trim().toLowerCase())
          .filter((t) => t !== ''),
      ),
      jwksUrl: e.ENTRA_JWKS_URL,
    }),
    ingest: Object.freeze({
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
    }),
    privacy: Object.freeze({
      academicYearStartMonth: e.ACADEMIC_YEAR_START_MONTH,
      retention: Object.freeze({
        countsAcademicYears: e.RETENTION_COUNTS_ACADEMIC_YEARS,
        importsDays: e.RETENTION_IMPORTS_DAYS,
        closedCasesDays: e.RETENTION_CLOSED_CASES_DAYS,
        messagesDays: e.RETENTION_MESSAGES_DAYS,
        deliveriesDays: e.RETENTION_DELIVERIES_DAYS,
        leftStudentsDays: e.RETENTION_LEFT_STUDENTS_DAYS,
        auditDays: e.RETENTION_AUDIT_DAYS,
        batchSize: e.RETENTION_BATCH_SIZE,
        everyHours: e.RETENTION_EVERY_HOURS,
      }),
      privacyNoticeUrl: e.PRIVACY_NOTICE_URL ?? null,
      showViewerNames: e.PRIVACY_SHOW_VIEWER_NAMES,
    }),
    graph,
    moodleDb: e.MOODLE_DB_URL
      ? Object.freeze({
          url: e.MOODLE_DB_URL,
          kind: /^(mysql|mariadb):/.test(e.MOODLE_DB_URL) ? ('mysql' as const) : ('postgres' as const),
          prefix: e.MOODLE_DB_PREFIX,
          tls: Object.freeze({ mode: e.MOODLE_DB_TLS, caPath: e.MOODLE_DB_TLS_CA ?? null }),
          pullEveryMinutes: e.MOODLE_DB_PULL_EVERY_MINUTES,
          lookbackDays: e.MOODLE_DB_LOOKBACK_DAYS,
          maxLagMinutes: e.MOODLE_DB_MAX_LAG_MINUTES,
          pageSize: e.MOODLE_DB_PAGE_SIZE,
        })
      : null,
    directory: Object.freeze({
      roleGroups: Object.freeze(
        (e.ENTRA_ROLE_GROUPS ?? []).map((g) => Object.freeze({ groupId: g.group, role: g.role, departmentId: g.department ?? null })),
      ),
      syncEveryHours: e.DIRECTORY_SYNC_EVERY_HOURS,
    }),
  });
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', '[::1]', 'localhost']);
const isLoopback = (host: string) => LOOPBACK_HOSTS.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);

/** The Application ID URI the manifest registers for the tab's SSO: api://<public host>/<client id>. */
function defaultAppIdUri(publicUrl: string | undefined, clientId: string): string {
  if (!publicUrl || !clientId) return '';
  return `api://${new URL(publicUrl).host}/${clientId}`;
}

/**
 * Local mode trusts whoever can reach it (the demo sign-in needs no secret), so it only listens on
 * this computer, and a configuration that looks like a real deployment must say APP_MODE=production
 * rather than fall back to local. Production never loads the demo, and fetches keys and publishes
 * itself over https only (http is allowed to a loopback address, which never crosses a network).
 */
function checkModeSafety(e: z.infer<typeof EnvSchema>, demoGiven: boolean, problems: string[]): void {
  if (e.APP_MODE === 'local') {
    const productionSettings = [
      e.MICROSOFT_APP_ID && 'MICROSOFT_APP_ID',
      e.MICROSOFT_APP_PASSWORD && 'MICROSOFT_APP_PASSWORD',
      e.ENTRA_CLIENT_ID && 'ENTRA_CLIENT_ID',
      e.PUBLIC_URL?.startsWith('https://') && 'PUBLIC_URL (https)',
    ].filter((name): name is string => typeof name === 'string' && name !== '');
    if (productionSettings.length > 0)
      problems.push(
        `APP_MODE: ${productionSettings.join(', ')} ${productionSettings.length === 1 ? 'is a production setting' : 'are production settings'}; set APP_MODE=production to run for real, or remove ${productionSettings.length === 1 ? 'it' : 'them'} to run the local demo`,
      );
    if (e.HOST !== undefined && !isLoopback(e.HOST))
      problems.push(
        `HOST: local mode only listens on this computer (127.0.0.1 or ::1), not ${e.HOST}; set APP_MODE=production to listen on a network`,
      );
    return;
  }
  if (e.DEMO_DATA && demoGiven) problems.push('DEMO_DATA: the synthetic demo is never loaded when APP_MODE=production; remove DEMO_DATA');
  const httpsOnly: Array<[string, string | undefined]> = [
    ['PUBLIC_URL', e.PUBLIC_URL],
    ['ENTRA_JWKS_URL', e.ENTRA_JWKS_URL],
    ['BOT_OPENID_METADATA_URL', e.BOT_OPENID_METADATA_URL],
  ];
  for (const [name, url] of httpsOnly) {
    if (url === undefined || url.startsWith('https://')) continue;
    if (name !== 'PUBLIC_URL' && isLoopback(new URL(url).hostname)) continue;
    problems.push(`${name}: expected an https URL when APP_MODE=production`);
  }
}

/** Graph is all-or-nothing: no GRAPH_* identity setting means off; a partial set is a mistake worth naming. */
function parseGraph(e: z.infer<typeof EnvSchema>, problems: string[]): GraphConfig | null {
  const given = [e.GRAPH_TENANT_ID, e.GRAPH_CLIENT_ID, e.GRAPH_CLIENT_SECRET, e.GRAPH_CLIENT_CERTIFICATE_PATH].some((v) => v !== undefined);
  if (!given) return null;
  const before = problems.length;
  if (!e.GRAPH_TENANT_ID) problems.push('GRAPH_TENANT_ID: required to collect Teams attendance (the directory (tenant) id)');
  if (!e.GRAPH_CLIENT_ID) problems.push("GRAPH_CLIENT_ID: required to collect Teams attendance (the app registration's client id)");
  if (!e.GRAPH_CLIENT_SECRET && !e.GRAPH_CLIENT_CERTIFICATE_PATH)
    problems.push('GRAPH_CLIENT_SECRET or GRAPH_CLIENT_CERTIFICATE_PATH: one is required to sign in to Microsoft Graph');
  if (e.GRAPH_CLIENT_SECRET && e.GRAPH_CLIENT_CERTIFICATE_PATH)
    problems.push('GRAPH_CLIENT_SECRET and GRAPH_CLIENT_CERTIFICATE_PATH: set only one of them');
  if (problems.length > before) return null;
  return Object.freeze({
    tenantId: e.GRAPH_TENANT_ID ?? '',
    clientId: e.GRAPH_CLIENT_ID ?? '',
    credential: e.GRAPH_CLIENT_CERTIFICATE_PATH
      ? { kind: 'certificate' as const, path: e.GRAPH_CLIENT_CERTIFICATE_PATH }
      : { kind: 'secret' as const, secret: e.GRAPH_CLIENT_SECRET ?? '' },
    baseUrl: e.GRAPH_BASE_URL,
    authorityHost: e.GRAPH_AUTHORITY_HOST,
    organisers: Object.freeze(e.GRAPH_ORGANISERS.split(/[\s,;]+/).filter((o) => o !== '')),
    minMinutes: e.GRAPH_MIN_MINUTES,
    lookbackDays: e.GRAPH_LOOKBACK_DAYS,
    collectEveryHours: e.GRAPH_COLLECT_EVERY_HOURS,
  });
}

/** The process environment, parsed: the only read of process.env in the service. */
export function loadConfig(): Config {
  return parseConfig(process.env);
}

/** The environment for a child process (the Agents Playground), with additions. */
export function childEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}
