import { loadConfig, ConfigError } from './config';
import { createApp } from './app';
import { AppError } from './errors';

/** The composition root: parse config, build the app, prepare, listen, and shut down gracefully. */
async function main(): Promise<void> {
  const config = loadConfig();
  const app = createApp(config);
  await app.prepare();
  const { port } = await app.listen();
  if (config.jobs.enabled) app.scheduler.start();
  app.logger.info(
    { port, url: config.publicUrl, mode: config.mode, database: config.database.kind },
    `Engagement Monitor is serving on ${config.publicUrl}`,
  );

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.logger.info({ signal }, 'shutting down: draining requests and jobs');
    const force = setTimeout(() => {
      app.logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (error) => {
        app.logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('unhandledRejection', (error) => app.logger.error({ err: error }, 'unhandled rejection'));
}

/** Starts the service (`npm start`, `engagement serve`); a start-up failure prints one clear line and exits non-zero. */
export function runService(): void {
  main().catch((error: unknown) => {
    // One clear line for a person at a terminal, never a stack trace for a configuration problem.
    if (error instanceof ConfigError || error instanceof AppError) console.error(`engagement-monitor: ${error.message}`);
    else console.error('engagement-monitor: failed to start:', error);
    process.exit(1);
  });
}

if (require.main === module) runService();
