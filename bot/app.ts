import { join } from 'node:path';
import restify, { type Server } from 'restify';
import type { Logger } from 'pino';
import type { Config } from './config';
import { checkDatabase, migrateToLatest, type Db } from './store/database';
import { isStoreEmpty } from './store/department.repository';
import { releaseWaitingDeliveries } from './store/waiting-deliveries.repository';
import { loadDemo } from './demo/load-demo.command';
import { EngagementBot } from './teams/bot';
import { deliverDue } from './teams/deliver.command';
import { deliverUrgentNow } from './teams/deliver-urgent';
import { ANONYMOUS_BOT_WARNING } from './teams/adapter';
import { registerApiRoutes, registerTabRoutes } from './api/routes';
import { CONFIGURE_TAB_PATH, registerConfigureTabRoutes } from './teams/configure-tab.routes';
import type { Scheduler } from './jobs/scheduler';
import { createJobScheduler } from './jobs';
import { markInterruptedImports } from './store/import.repository';
import { createServices, type ServiceOptions, type Services } from './services';
import { handleError } from './errors';
import { createGuardedServer } from './http/request-guard';
import { handleBotMessages, UNSIGNED_BODY_BUDGET_BYTES } from './http/bot-messages';
import { createBodyBudget } from './http/body-limits';
import { useSecurityHeaders } from './http/security-headers';
import { projectRoot } from './paths';

export type AppOptions = ServiceOptions;

export interface App {
  config: Config;
  db: Db;
  server: Server;
  logger: Logger;
  scheduler: Scheduler;
  services: Services;
  /** Migrates, loads the demo into an empty store when enabled, and runs a first evaluation. */
  prepare(): Promise<void>;
  listen(): Promise<{ port: number }>;
  /** Stops taking requests, drains jobs and requests in flight, closes the database. */
  close(): Promise<void>;
}

export function createApp(config: Config, options: AppOptions = {}): App {
  const services = createServices(config, options);
  const { db, logger, now, adapter } = services;
  if (!config.bot.appId) logger.warn(ANONYMOUS_BOT_WARNING);
  const deliverSoon = () =>
    setImmediate(() => void deliverDue(services.deliver).catch((error) => handleError(error, logger, { job: 'notify' })));
  const scheduler = createJobScheduler(services);

  const bot = new EngagementBot({
    db,
    logger,
    now,
    publicUrl: config.publicUrl,
    teamsAppId: config.graphInstall.teamsAppExternalId,
    support: config.support,
    privacy: config.privacy,
    timeZone: config.timeZone,
    onDeliveriesQueued: deliverSoon,
    schedule: services.sendSchedule,
    reconciler: services.reconciler,
    // A risk alert goes out in a run of its own for its recipients, not behind whatever else is queued.
    onUrgentQueued: (staffIds) =>
      setImmediate(
        () =>
          void deliverUrgentNow(services.deliver, staffIds).catch((error) => handleError(error, logger, { job: 'notify', urgent: true })),
      ),
    // A support card the reply could not carry goes to the student's chat now, in a run of its own.
    onStudentCardQueued: (studentId) =>
      setImmediate(
        () =>
          void deliverDue(services.deliver, { recipientStudentId: studentId }).catch((error) =>
            handleError(error, logger, { job: 'notify', studentId }),
          ),
      ),
    onStaffReachable: async (staffId) => {
      // Urgent messages go now; a missed digest joins the next one at DIGEST_TIME; routine ones wait out quiet hours.
      await releaseWaitingDeliveries(db, staffId, now(), services.sendSchedule);
      // Sent after this turn, so the welcome message comes first and the turn is not held up.
      setImmediate(
        () => void deliverDue(services.deliver, { recipientStaffId: staffId }).catch((error) => handleError(error, logger, { staffId })),
      );
    },
  });

  // No body parser: each route reads its own body, capped, after sign-in (bot/http/body-limits.ts).
  const server = createGuardedServer(logger);
  useSecurityHeaders(server, { publicUrl: config.publicUrl, inlineScriptPaths: [CONFIGURE_TAB_PATH] });
  server.use(restify.plugins.queryParser());
  server.post(
    '/api/messages',
    handleBotMessages(adapter, (context) => bot.run(context), logger, { budget: createBodyBudget(UNSIGNED_BODY_BUDGET_BYTES) }),
  );
  registerApiRoutes(server, { db, config, logger, now, ...services.api });
  registerConfigureTabRoutes(server);
  registerTabRoutes(server, join(projectRoot(), 'tab', 'dist'));

  return {
    config,
    db,
    server,
    logger,
    scheduler,
    services,
    async prepare() {
      await checkDatabase(db, config.database);
      const applied = await migrateToLatest(db);
      if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
      const interrupted = await markInterruptedImports(db, now());
      if (interrupted > 0)
        logger.warn({ imports: interrupted }, 'imports interrupted by a crash are marked interrupted in the import history');
      if (config.demo.enabled && (await isStoreEmpty(db))) {
        const summary = await loadDemo(db, { seed: config.demo.seed, today: services.today(), now: now().toISOString() });
        logger.info({ demo: summary }, 'empty database: loaded the synthetic demo department');
      }
      // Under the job's lock: instances started together evaluate once, not side by side.
      await scheduler.trigger('evaluate');
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
      services.shutdown.abort();
      await scheduler.stop();
      await services.reconciler.flush(db).catch(() => undefined);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.server.closeIdleConnections?.();
      });
      await services.close();
    },
  };
}
