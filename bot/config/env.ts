import { z } from 'zod';
import { STAFF_ROLES, STUDENT_STATUSES } from '../../shared/domain';
import { parseQuietHours } from '../../shared/send-schedule';
import { MoodleLogStringsSchema, SamisLoginColumnsSchema, SamisRosterColumnsSchema } from './ingest';
import { bool, httpsUrl, int, jsonObject } from './values';

/**
 * Every setting the service reads, each documented in the README's configuration table.
 * Keys are the environment variable names.
 */
// One table rather than one per area: zod reports bad variables in this order, and the report keeps it.
export const EnvSchema = z.object({
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
  SUPPORT_CARD_HOLD_SECONDS: int(30, 2, 600),
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
  // Below a few seconds a slow but healthy page of attendance records would be cut off; above 10 minutes a hang holds the run too long.
  GRAPH_REQUEST_TIMEOUT_SECONDS: int(60, 5, 600),
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
  MOODLE_DB_QUERY_TIMEOUT_SECONDS: int(120, 1, 3_600),
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

/** The environment after the table's checks and defaults, before the checks that span several variables. */
export type Env = z.infer<typeof EnvSchema>;
