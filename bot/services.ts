import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { CloudAdapter } from 'botbuilder';
import { ClientSecretCredential } from '@azure/identity';
import type { Config } from './config';
import { createLogger } from './logger';
import { REAL_TIMERS, todayIn, type Timers } from './clock';
import type { IsoDay } from '../shared/domain';
import { createDatabase, isPostgres, type Db } from './store/database';
import { createDatabaseHealth, type DatabaseHealth } from './store/database-health';
import { createJobLocks, type JobLocks } from './jobs/job-locks';
import { createSendReconciler, type SendReconciler } from './teams/send-reconciler';
import { createAuditWriter, type AuditWriter } from './store/audit.repository';
import { RateLimiter } from './teams/rate-limiter';
import { SharedPacer, type SendPacer } from './teams/shared-pace';
import { createAdapter, createCardSender, installTurnErrorHandler, type CardSender } from './teams/adapter';
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
  /**
   * The pace every proactive send waits on, applied where requests leave for Teams: shared through
   * PostgreSQL by every instance, or this process's own on SQLite (where one process is the only sender).
   */
  limiter: SendPacer;
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
  /** Who this instance is (host:pid unless given): in delivery claims and job runs. */
  instance: string;
  /** Cards sent whose result the database could not take yet; recorded when it is back. */
  reconciler: SendReconciler;
  /** Which singleton jobs this instance holds (PostgreSQL advisory locks; always granted on SQLite). */
  jobLocks: JobLocks;
  /** Jobs pause while the database is unreachable and resume by themselves. */
  health: DatabaseHealth;
  /** Aborted when the process shuts down: long-running jobs (the delivery drain) stop taking work. */
  shutdown: AbortController;
  /** Closes the database it opened; the caller stops whatever uses the services first. */
  close(): Promise<void>;
}

/** Builds every service from the configuration. Does no I/O: the database is opened on first use. */
export function createServices(config: Config, options: ServiceOptions = {}): Services {
  const logger = options.logger ?? createLogger(config.logLevel);
  const now = options.now ?? (() => new Date());
  const timers: Timers = { ...REAL_TIMERS, ...options.timers };
  const db = options.db ?? createDatabase(config.database);
  const instance = options.workerId ?? `${hostname()}:${process.pid}`;
  const reconciler = createSendReconciler(logger);
  const limiter: SendPacer = isPostgres(db) ? new SharedPacer(db, logger, timers) : new RateLimiter(undefined, timers);
  const sendSchedule: SendSchedule = Object.freeze({
    timeZone: config.timeZone,
    digestAt: config.alerts.digestAt,
    quietHours: config.alerts.quietHours,
    closures: new Set(config.alerts.closureDays),
  });
  // No logger: its one warning (an anonymous bot) concerns the inbound endpoint, which only the server opens (createApp says it).
  const adapter = createAdapter(config.bot, undefined, limiter);
  installTurnErrorHandler(adapter, logger);
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
            requestTimeoutMs: graphInstall.requestTimeoutMs,
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
      workerId: instance,
      leaseMs: config.alerts.leaseSeconds * 1000,
      backoffBaseMs: config.alerts.backoffSeconds * 1000,
      maxAttempts: config.alerts.maxAttempts,
      reconciler,
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
    instance,
    reconciler,
    jobLocks: createJobLocks(db, logger),
    health: createDatabaseHealth(db, logger, { onBack: () => reconciler.flush(db) }),
    shutdown: new AbortController(),
    close: async () => {
      if (!options.db) await db.destroy();
    },
  };
}
