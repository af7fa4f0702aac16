import { EnvSchema } from './env';
import { parseAlerts, type AlertsConfig } from './delivery';
import { checkRoleGroups, directoryConfig, parseGraph, type DirectoryConfig, type GraphConfig } from './graph';
import { ingestConfig, type IngestConfig } from './ingest';
import { moodleDbConfig, type MoodleDbConfig } from './moodle-db';
import { checkPrivacy, privacyConfig, type PrivacyConfig } from './privacy';
import { checkModeSafety, checkTimeZones, databaseConfig, entraConfig, type DatabaseConfig, type EntraConfig } from './server';
import { parseSupport, type SupportConfig } from './support';
import { botConfig, checkBotCredentials, checkGraphInstall, graphInstallConfig, type BotConfig, type GraphInstallConfig } from './teams';

export type { GraphConfig, RoleGroup } from './graph';
export { DEFAULT_SAMIS_LOGIN_COLUMNS, DEFAULT_SAMIS_ROSTER_COLUMNS, DEFAULT_SAMIS_STATUS_MAP, type IngestConfig } from './ingest';
export type { MoodleDbConfig } from './moodle-db';
export type { PrivacyConfig } from './privacy';
export type { SupportContact } from './support';

export type Config = Readonly<{
  port: number;
  host: string;
  mode: 'local' | 'production';
  publicUrl: string;
  database: DatabaseConfig;
  demo: { enabled: boolean; seed: number };
  timeZone: string;
  logLevel: string;
  bot: BotConfig;
  support: SupportConfig;
  alerts: AlertsConfig;
  graphInstall: GraphInstallConfig;
  /** takeoverSeconds: how often an instance asks for the singleton jobs another instance holds (takeover when it dies). */
  jobs: { enabled: boolean; evaluateEveryMinutes: number; notifyEverySeconds: number; takeoverSeconds: number };
  shutdownTimeoutMs: number;
  /** Teams tab SSO: which tokens the tab API accepts. An empty client id turns SSO off. */
  entra: EntraConfig;
  ingest: IngestConfig;
  privacy: PrivacyConfig;
  /** Microsoft Graph attendance collection; null when not configured (the collector is then off). */
  graph: GraphConfig | null;
  /** Pulling Moodle activity straight from its database; null when MOODLE_DB_URL is not set. */
  moodleDb: MoodleDbConfig | null;
  /** Entra security groups that give staff roles, and how often they and the object ids are refreshed (needs `graph`). */
  directory: DirectoryConfig;
}>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Validates the environment once, reporting every bad variable together, and returns a frozen config. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const parsed = EnvSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  if (!parsed.success) throw new ConfigError(problems);
  const e = parsed.data;
  checkTimeZones(e, problems);
  if (e.APP_MODE === 'production' && !e.MICROSOFT_APP_ID) problems.push('MICROSOFT_APP_ID: required when APP_MODE=production');
  if (e.APP_MODE === 'production' && !e.PUBLIC_URL) problems.push('PUBLIC_URL: required when APP_MODE=production');
  checkModeSafety(e, env.DEMO_DATA !== undefined && env.DEMO_DATA !== '', problems);
  checkBotCredentials(e, problems);
  const graph = parseGraph(e, problems);
  const support = parseSupport(e, problems);
  checkGraphInstall(e, problems);
  checkRoleGroups(e, graph, problems);
  checkPrivacy(e, problems);
  const alerts = parseAlerts(e, problems);
  if (problems.length > 0) throw new ConfigError(problems);

  const database = databaseConfig(e);
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
    bot: botConfig(e),
    support,
    alerts,
    graphInstall: graphInstallConfig(e),
    jobs: Object.freeze({
      enabled: e.JOBS_ENABLED,
      evaluateEveryMinutes: e.EVALUATE_EVERY_MINUTES,
      notifyEverySeconds: e.NOTIFY_EVERY_SECONDS,
      takeoverSeconds: e.JOB_TAKEOVER_SECONDS,
    }),
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    entra: entraConfig(e),
    ingest: ingestConfig(e),
    privacy: privacyConfig(e),
    graph,
    moodleDb: moodleDbConfig(e),
    directory: directoryConfig(e),
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
