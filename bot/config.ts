import { z } from 'zod';
import type { StaffRole } from '../shared/domain';

export interface SupportContact {
  name: string;
  detail: string;
}

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
    .optional()
    .transform((v) => (v === undefined ? fallback : ['true', '1', 'yes'].includes(v)));

const int = (fallback: number, min: number, max: number) =>
  z.coerce.number({ message: 'expected a whole number' }).int('expected a whole number').min(min).max(max).default(fallback);

/**
 * Every setting the service reads, each documented in the README's configuration table.
 * Keys are the environment variable names.
 */
const EnvSchema = z.object({
  PORT: int(3978, 0, 65535),
  HOST: z.string().min(1).default('0.0.0.0'),
  APP_MODE: z.enum(['local', 'production']).default('local'),
  PUBLIC_URL: z.url({ message: 'expected an absolute URL such as https://engagement.example.ac.uk' }).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^(postgres(ql)?:\/\/|sqlite:)/, 'expected postgres://user@host:port/db or sqlite:<path>')
    .default('sqlite:./data/engagement.sqlite'),
  DATABASE_POOL_SIZE: int(10, 1, 100),
  DEMO_DATA: bool(true),
  DEMO_SEED: int(42, 0, 2 ** 31 - 1),
  TIME_ZONE: z.string().min(1).default('Europe/London'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MICROSOFT_APP_ID: z.string().default(''),
  MICROSOFT_APP_PASSWORD: z.string().default(''),
  MICROSOFT_APP_TYPE: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant'),
  MICROSOFT_APP_TENANT_ID: z.string().default(''),
  BOT_OPENID_METADATA_URL: z.url({ message: 'expected the URL of an OpenID configuration document' }).optional(),
  BOT_TOKEN_ISSUER: z.string().min(1).optional(),
  SUPPORT_CONTACTS: z.string().optional(),
  URGENT_CONTACTS: z.string().optional(),
  URGENT_TERMS: z.string().optional(),
  WELLBEING_ROLE: z.enum(['personal_tutor', 'director_of_studies', 'student_experience_officer', 'department_admin']).default('student_experience_officer'),
  ESCALATION_WORKING_DAYS: int(3, 1, 30),
  ESCALATE_EVERY_MINUTES: int(60, 1, 1_440),
  SEND_CONCURRENCY: int(16, 1, 64),
  GRAPH_INSTALL_ENABLED: bool(false),
  GRAPH_BASE_URL: z.url().default('https://graph.microsoft.com/v1.0'),
  TEAMS_APP_EXTERNAL_ID: z.string().default(''),
  TEAMS_SERVICE_URL: z.url().default('https://smba.trafficmanager.net/teams/'),
  EVALUATE_EVERY_MINUTES: int(60, 1, 10_080),
  NOTIFY_EVERY_SECONDS: int(30, 1, 3_600),
  JOBS_ENABLED: bool(true),
  SHUTDOWN_TIMEOUT_MS: int(10_000, 100, 120_000),
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
  bot: { appId: string; appPassword: string; appType: string; tenantId: string; openIdMetadataUrl: string | null; tokenIssuer: string | null };
  support: { contacts: readonly SupportContact[]; urgentContacts: readonly SupportContact[]; urgentTerms: readonly string[]; wellbeingRole: StaffRole };
  alerts: { escalationWorkingDays: number; escalateEveryMinutes: number; sendConcurrency: number };
  graphInstall: { enabled: boolean; baseUrl: string; teamsAppExternalId: string; serviceUrl: string };
  jobs: { enabled: boolean; evaluateEveryMinutes: number; notifyEverySeconds: number };
  shutdownTimeoutMs: number;
}>;

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
const DEFAULT_URGENT_TERMS = ['suicide', 'suicidal', 'kill myself', 'end my life', 'end it all', 'self harm', 'self-harm', 'hurt myself', 'want to die', 'no reason to live', 'can’t go on', "can't go on"];

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
  if (!isValidTimeZone(e.TIME_ZONE)) problems.push(`TIME_ZONE: unknown time zone "${e.TIME_ZONE}"`);
  if (e.APP_MODE === 'production' && !e.MICROSOFT_APP_ID) problems.push('MICROSOFT_APP_ID: required when APP_MODE=production');
  if (e.APP_MODE === 'production' && !e.PUBLIC_URL) problems.push('PUBLIC_URL: required when APP_MODE=production');
  const supportContacts = parseContacts('SUPPORT_CONTACTS', e.SUPPORT_CONTACTS, DEFAULT_SUPPORT_CONTACTS, problems);
  const urgentContacts = parseContacts('URGENT_CONTACTS', e.URGENT_CONTACTS, DEFAULT_URGENT_CONTACTS, problems);
  const urgentTerms = (e.URGENT_TERMS ?? DEFAULT_URGENT_TERMS.join(','))
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '');
  if (e.GRAPH_INSTALL_ENABLED && (!e.MICROSOFT_APP_ID || !e.MICROSOFT_APP_PASSWORD || !e.MICROSOFT_APP_TENANT_ID)) problems.push('GRAPH_INSTALL_ENABLED: needs MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD and MICROSOFT_APP_TENANT_ID for Graph');
  if (e.GRAPH_INSTALL_ENABLED && !e.TEAMS_APP_EXTERNAL_ID) problems.push('TEAMS_APP_EXTERNAL_ID: required when GRAPH_INSTALL_ENABLED=true (the manifest id of the app to install)');
  if (problems.length > 0) throw new ConfigError(problems);

  const database: Config['database'] = e.DATABASE_URL.startsWith('sqlite:')
    ? { kind: 'sqlite', path: e.DATABASE_URL.slice('sqlite:'.length) }
    : { kind: 'postgres', url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE };
  if (database.kind === 'sqlite' && database.path === '') throw new ConfigError(['DATABASE_URL: sqlite: needs a file path, or :memory:']);

  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    mode: e.APP_MODE,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    database: Object.freeze(database),
    demo: Object.freeze({ enabled: e.DEMO_DATA, seed: e.DEMO_SEED }),
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
    support: Object.freeze({ contacts: supportContacts, urgentContacts, urgentTerms, wellbeingRole: e.WELLBEING_ROLE }),
    alerts: Object.freeze({ escalationWorkingDays: e.ESCALATION_WORKING_DAYS, escalateEveryMinutes: e.ESCALATE_EVERY_MINUTES, sendConcurrency: e.SEND_CONCURRENCY }),
    graphInstall: Object.freeze({ enabled: e.GRAPH_INSTALL_ENABLED, baseUrl: e.GRAPH_BASE_URL.replace(/\/$/, ''), teamsAppExternalId: e.TEAMS_APP_EXTERNAL_ID, serviceUrl: e.TEAMS_SERVICE_URL }),
    jobs: Object.freeze({ enabled: e.JOBS_ENABLED, evaluateEveryMinutes: e.EVALUATE_EVERY_MINUTES, notifyEverySeconds: e.NOTIFY_EVERY_SECONDS }),
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
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
