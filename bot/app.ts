import { hostname } from 'node:os';
import { join } from 'node:path';
import restify, { type Server } from 'restify';
import type { Logger } from 'pino';
import type { Config } from './config';
import { createLogger } from './logger';
import { checkDatabase, createDatabase, migrateToLatest, type Db } from './store/database';
import { isStoreEmpty } from './store/department.repository';
import { wakeDeliveriesFor } from './store/outbox.repository';
import { loadDemo } from './demo/load-demo.command';
import { evaluateAll } from './rules/evaluate.command';
import { createAdapter, createCardSender, type CardSender } from './teams/adapter';
import { EngagementBot } from './teams/bot';
import { deliverDue, type DeliverDeps } from './teams/deliver.command';
import { RateLimiter } from './teams/rate-limiter';
import { escalateUnacknowledged } from './jobs/escalate.command';
import { ClientSecretCredential } from '@azure/identity';
import { openChatThroughGraph, type GraphTokenSource } from './graph/install-app';
import { registerApiRoutes, registerTabRoutes } from './api/routes';
import { registerConfigureTabRoutes } from './teams/configure-tab.routes';
import { createScheduler, type Job, type Scheduler } from './jobs/scheduler';
import { createCollectAttendanceJob } from './jobs/collect-attendance.job';
import { createSyncDirectoryJob } from './jobs/sync-directory.job';
import { handleError } from './errors';
import { todayIn } from './clock';
import { importDropFolder } from './ingest/drop-folder.command';

export interface AppOptions {
  logger?: Logger;
  now?: () => Date;
  /** Replaces the Bot Connector sender; production and the Playground tests use the real one. */
  sender?: CardSender;
  /** Replaces the Entra credential used for Graph (tests use a local token). */
  graphCredential?: GraphTokenSource;
}

export interface App {
  config: Config;
  db: Db;
  server: Server;
  logger: Logger;
  scheduler: Scheduler;
  /** Migrates, loads the demo into an empty store when enabled, and runs a first evaluation. */
  prepare(): Promise<void>;
  listen(): Promise<{ port: number }>;
  /** Stops taking requests, drains jobs and requests in flight, closes the database. */
  close(): Promise<void>;
}

export function createApp(config: Config, options: AppOptions = {}): App {
  const logger = options.logger ?? createLogger(config.logLevel);
  const now = options.now ?? (() => new Date());
  const db = createDatabase(config.database);
  // One limiter per process for every proactive send, applied where requests leave for Teams.
  const limiter = new RateLimiter();
  const adapter = createAdapter(config.bot, logger, limiter);
  const sender = options.sender ?? createCardSender(adapter, config.bot.appId, { paced: true });
  const workerId = `${hostname()}:${process.pid}`;

  const evaluateDeps = { db, logger, now };
  const openChat = config.graphInstall.enabled
    ? (who: { staffId: string | null; studentId: string | null }) =>
        openChatThroughGraph(
          {
            db,
            logger,
            now,
            graphBaseUrl: config.graphInstall.baseUrl,
            credential:
              options.graphCredential ?? new ClientSecretCredential(config.bot.tenantId, config.bot.appId, config.bot.appPassword),
            teamsAppExternalId: config.graphInstall.teamsAppExternalId,
            botAppId: config.bot.appId,
            serviceUrl: config.graphInstall.serviceUrl,
          },
          who,
        )
    : undefined;
  const deliverDeps: DeliverDeps = {
    db,
    sender,
    logger,
    now,
    workerId,
    publicUrl: config.publicUrl,
    limiter,
    concurrency: config.alerts.sendConcurrency,
    ...(openChat ? { openChat } : {}),
  };
  const escalateDeps = { db, logger, now, timeZone: config.timeZone, workingDays: config.alerts.escalationWorkingDays };
  const deliverSoon = () =>
    setImmediate(() => void deliverDue(deliverDeps).catch((error) => handleError(error, logger, { job: 'notify' })));
  const jobs: Job[] = [
    {
      name: 'evaluate',
      everyMs: config.jobs.evaluateEveryMinutes * 60_000,
      runAtStart: false,
      run: () => evaluateAll(evaluateDeps, todayIn(config.timeZone, now())),
    },
    {
      name: 'escalate',
      everyMs: config.alerts.escalateEveryMinutes * 60_000,
      runAtStart: false,
      run: () => escalateUnacknowledged(escalateDeps),
    },
    { name: 'notify', everyMs: config.jobs.notifyEverySeconds * 1000, runAtStart: true, run: () => deliverDue(deliverDeps) },
  ];
  const collectJob = createCollectAttendanceJob(config, { db, logger, now });
  if (collectJob) jobs.push(collectJob);
  const directoryJob = createSyncDirectoryJob(config, { db, logger, now });
  if (directoryJob) jobs.push(directoryJob);
  if (config.ingest.dropFolder) {
    const dropDeps = { db, ingest: config.ingest, campusTimeZone: config.timeZone, logger, now };
    jobs.push({
      name: 'import-watch',
      everyMs: config.ingest.watchEveryMinutes * 60_000,
      runAtStart: true,
      run: () => importDropFolder(dropDeps),
    });
  }
  const scheduler = createScheduler(jobs, logger);

  const bot = new EngagementBot({
    db,
    logger,
    now,
    publicUrl: config.publicUrl,
    support: config.support,
    onDeliveriesQueued: deliverSoon,
    onStaffReachable: async (staffId) => {
      await wakeDeliveriesFor(db, staffId, now().toISOString());
      // Sent after this turn, so the welcome message comes first and the turn is not held up.
      setImmediate(
        () => void deliverDue(deliverDeps, { recipientStaffId: staffId }).catch((error) => handleError(error, logger, { staffId })),
      );
    },
  });
  adapter.onTurnError = async (context, error) => {
    handleError(error, logger, { activityType: context.activity.type, conversation: context.activity.conversation?.id });
    await context.sendActivity('Sorry, something went wrong on our side. It has been logged; please try again in a moment.');
  };

  const server = restify.createServer({ name: 'engagement-monitor', handleUncaughtExceptions: false });
  server.use(restify.plugins.queryParser());
  server.use(restify.plugins.bodyParser({ maxBodySize: 1_048_576, mapParams: false }));
  server.on('restifyError', (req, res, err, callback) => {
    handleError(err, logger, { method: req.method, url: req.url });
    return callback();
  });
  server.post('/api/messages', async (req, res) => {
    await adapter.process(req, res, (context) => bot.run(context));
  });
  registerApiRoutes(server, { db, config, logger, now });
  registerConfigureTabRoutes(server);
  registerTabRoutes(server, join(__dirname, '..', 'tab', 'dist'));

  return {
    config,
    db,
    server,
    logger,
    scheduler,
    async prepare() {
      await checkDatabase(db, config.database);
      const applied = await migrateToLatest(db);
      if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
      if (config.demo.enabled && (await isStoreEmpty(db))) {
        const summary = await loadDemo(db, { seed: config.demo.seed, today: todayIn(config.timeZone, now()), now: now().toISOString() });
        logger.info({ demo: summary }, 'empty database: loaded the synthetic demo department');
      }
      await evaluateAll(evaluateDeps, todayIn(config.timeZone, now()));
    },
    listen() {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          const address = server.address();
          resolve({ port: address.port });
        });
      });
    },
    async close() {
      await scheduler.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.server.closeIdleConnections?.();
      });
      await db.destroy();
    },
  };
}
