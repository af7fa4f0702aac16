import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { CloudAdapter } from 'botbuilder';
import { ClientSecretCredential } from '@azure/identity';
import type { Config } from './config';
import { createLogger } from './logger';
import { REAL_TIMERS, todayIn, type Timers } from './clock';
import type { IsoDay } from '../shared/domain';
import { createDatabase, type Db } from './store/database';
import { createAuditWriter, type AuditWriter } from './store/audit.repository';
import { RateLimiter } from './teams/rate-limiter';
import { createAdapter, createCardSender, type CardSender } from './teams/adapter';
import type { DeliverDeps } from './teams/deliver.command';
import type { EvaluateDeps } from './rules/evaluate.command';
import type { SendSchedule } from '../shared/send-schedule';
import type { EscalateDeps } from './jobs/escalate.command';
import type { CaseCareDeps } from './jobs/case-care.command';
import { openChatThroughGraph, type GraphTokenSource } from './graph/install-app';
import type { GraphConnectionOptions } from './graph/graph-client';
import { createCollector, type Collector } from './jobs/collect-attendance.job';
import { createDirectorySync, type DirectorySync } from './jobs/sync-directory.job';
import { createFlagListCache, type FlagListCache } from './commands/flag-page.command';
import { createStaffCache, type StaffCache } from './api/auth';
import { createTeamsTokenValidator, type TeamsTokenValidator } from './api/teams-token';

export interface ServiceOptions {
  logger?: Logger;
  now?: () => Date;
  /** Replaces the Bot Connector sender; production and the Playground tests use the real one. */
  sender?: CardSender;
  /** Replaces the Entra credential used for the Graph install (tests use a local token). */
  graphCredential?: GraphTokenSource;
  /** Extra trust for Graph attendance collection (the tests' stand-in CA). */
  graphConnection?: GraphConnectionOptions;
  /** Replaces waiting and jitter in delivery, the rate limiter and Graph retries (tests record the waits). */
  timers?: Partial<Timers>;
  /** A database already opened by the caller (tests hand in a prepared test database); the caller closes it. */
  db?: Db;
  /** Who claims outbox items; defaults to host:pid. */
  workerId?: string;
}

/** What the API routes need beyond the database: built once per process, shared by every request. */
export interface ApiServices {
  validateTeamsToken: TeamsTokenValidator;
  staffCache: StaffCache;
  flagCache: FlagListCache;
  audit: AuditWriter;
}

/** Every long-lived piece of the service, built once: the server, the CLI and the benchmarks all start here. */
export interface Services {
  config: Config;
  logger: Logger;
  now: () => Date;
  /** Today in the campus time zone. */
  today: () => IsoDay;
  timers: Timers;
  db: Db;
  /** The one limiter for every proactive send of this process, applied where requests leave for Teams. */
  limiter: RateLimiter;
  adapter: CloudAdapter;
  sender: CardSender;
  deliver: DeliverDeps;
  evaluate: EvaluateDeps;
  /** When routine staff messages go: the daily digest time and the quiet hours. */
  sendSchedule: SendSchedule;
  escalate: EscalateDeps;
  caseCare: CaseCareDeps;
  /** Graph attendance collection, or null when Graph is not configured. */
  collector: Collector | null;
  /** Entra role groups and object id look-ups through Graph, or null when Graph is not configured. */
  directory: DirectorySync | null;
  api: ApiServices;
  /** Closes the database it opened; the caller stops whatever uses the services first. */
  close(): Promise<void>;
}

/** Builds every service from the configuration. Does no I/O: the database is opened on first use. */
export function createServices(config: Config, options: ServiceOptions = {}): Services {
  const logger = options.logger ?? createLogger(config.logLevel);
  const now = options.now ?? (() => new Date());
  const timers: Timers = { ...REAL_TIMERS, ...options.timers };
  const db = options.db ?? createDatabase(config.database);
  const limiter = new RateLimiter(undefined, timers);
  const sendSchedule: SendSchedule = Object.freeze({
    timeZone: config.timeZone,
    digestAt: config.alerts.digestAt,
    quietHours: config.alerts.quietHours,
    closures: new Set(config.alerts.closureDays),
  });
  // No logger: its one warning (an anonymous bot) concerns the inbound endpoint, which only the server opens (createApp says it).
  const adapter = createAdapter(config.bot, undefined, limiter);
  const sender = options.sender ?? createCardSender(adapter, config.bot.appId, { paced: true });

  const graphInstall = config.graphInstall;
  const installCredential = graphInstall.enabled
    ? (options.graphCredential ?? new ClientSecretCredential(config.bot.tenantId, config.bot.appId, config.bot.appPassword))
    : undefined;
  const openChat = installCredential
    ? (who: { staffId: string | null; studentId: string | null }) =>
        openChatThroughGraph(
          {
            db,
            logger,
            now,
            graphBaseUrl: graphInstall.baseUrl,
            credential: installCredential,
            teamsAppExternalId: graphInstall.teamsAppExternalId,
            botAppId: config.bot.appId,
            serviceUrl: graphInstall.serviceUrl,
          },
          who,
        )
    : undefined;

  return {
    config,
    logger,
    now,
    today: () => todayIn(config.timeZone, now()),
    timers,
    db,
    limiter,
    adapter,
    sender,
    deliver: {
      db,
      sender,
      logger,
      now,
      workerId: options.workerId ?? `${hostname()}:${process.pid}`,
      publicUrl: config.publicUrl,
      teamsAppId: config.graphInstall.teamsAppExternalId,
      limiter,
      concurrency: config.alerts.sendConcurrency,
      sleep: timers.sleep,
      random: timers.random,
      ...(openChat ? { openChat } : {}),
    },
    evaluate: { db, logger, now, schedule: sendSchedule },
    sendSchedule,
    escalate: {
      db,
      logger,
      now,
      timeZone: config.timeZone,
      workingDays: config.alerts.escalationWorkingDays,
      closureDays: new Set(config.alerts.closureDays),
    },
    caseCare: {
      db,
      logger,
      now,
      timeZone: config.timeZone,
      noReplyWorkingDays: config.alerts.noReplyWorkingDays,
      closureDays: new Set(config.alerts.closureDays),
      schedule: sendSchedule,
    },
    collector: config.graph ? createCollector(config.graph, config.timeZone, { db, logger, now, timers }, options.graphConnection) : null,
    directory: config.graph ? createDirectorySync(config, { db, logger, now, timers }, options.graphConnection) : null,
    api: {
      validateTeamsToken: createTeamsTokenValidator(config.entra),
      staffCache: createStaffCache(),
      flagCache: createFlagListCache(db),
      audit: createAuditWriter(db),
    },
    close: async () => {
      if (!options.db) await db.destroy();
    },
  };
}
