import type { Logger } from 'pino';

/** The one error type: an HTTP status, a machine-readable code and a message safe to show a user. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Why, for the log only: never sent to the caller. */
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'AppError';
  }
}

export const notFound = (what: string) => new AppError(404, 'not_found', `${what} was not found.`);
export const forbidden = (why = 'You do not have access to this.') => new AppError(403, 'forbidden', why);
export const unauthenticated = (why = 'Sign in to continue.') => new AppError(401, 'unauthenticated', why);
export const badRequest = (why: string, details?: unknown) => new AppError(400, 'bad_request', why, details);

export interface PresentedError {
  status: number;
  body: { code: string; message: string; details?: unknown };
}

/**
 * The one handler: logs everything (stack included) and returns what a user may see. Unknown errors
 * become a generic 500 so no internal message or stack ever leaves the process.
 */
export function handleError(error: unknown, logger: Logger, context: Record<string, unknown> = {}): PresentedError {
  if (error instanceof AppError) {
    const level = error.status >= 500 ? 'error' : 'warn';
    logger[level]({ err: error, ...context }, error.message);
    return {
      status: error.status,
      body: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) },
    };
  }
  logger.error({ err: error, ...context }, 'unexpected error');
  return { status: 500, body: { code: 'internal', message: 'Something went wrong on our side. It has been logged; please try again.' } };
}
