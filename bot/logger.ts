import pino, { type Logger } from 'pino';

/** Builds the process logger; JSON lines, one per event, with secrets redacted. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'engagement-monitor' },
    redact: ['req.headers.authorization', 'config.bot.appPassword', '*.appPassword', '*.password'],
  });
}
