import { create as createDomain } from 'node:domain';
import restify, { type Request, type Response, type Server } from 'restify';
import type { Logger } from 'pino';
import { handleError } from '../errors';

type Next = (req: Request, res: Response) => void;

/**
 * Runs each request inside its own domain, so an exception thrown anywhere in its handlers, even from
 * a callback long after the handler returned, is caught and answered as a 500 for that request rather
 * than ending the process for everyone (restify runs handlers on process.nextTick, outside any
 * try/catch). Domains are deprecated but remain the only way Node offers to scope such errors to a
 * request; restify's own `handleUncaughtExceptions: true` does the same, but answers with the error's
 * message, so this is passed as the function form instead and `guardRequests` answers.
 */
export function runInRequestDomain(req: Request, res: Response, onError: (err: unknown) => void, next: Next): void {
  const domain = createDomain();
  domain.add(req);
  domain.add(res);
  domain.on('error', onError);
  domain.run(() => next(req, res));
}

/**
 * Restify's own refusals (no such route, a method the address does not take, an address it cannot
 * decode) in our words and shape. Restify's name the library's error classes (`ResourceNotFound`,
 * `MethodNotAllowed`), which tells a scanner what serves it, and echo the path back. The `Allow`
 * header restify sets on a 405 stays.
 */
function routingRefusal(status: number, method: string | undefined): { code: string; message: string } {
  if (status === 404) return { code: 'not_found', message: 'There is nothing at this address.' };
  if (status === 405) return { code: 'method_not_allowed', message: `This address does not take ${method ?? 'this'} requests.` };
  return { code: 'bad_request', message: 'This request could not be understood.' };
}

/**
 * Answers an error caught by `runInRequestDomain`, or passed on by restify from a handler: logged with
 * its stack, a generic 500 for the caller. Restify would otherwise answer with the error's own message;
 * its routing answers (404, 405, 400 for a malformed URL) keep their status, in our words.
 */
export function guardRequests(server: Server, logger: Logger): void {
  server.on('restifyError', (req: Request, res: Response, err: unknown, callback: () => void) => {
    const status = (err as { statusCode?: unknown } | null)?.statusCode;
    if (typeof status === 'number' && status < 500) {
      if (!res.headersSent) res.send(status, routingRefusal(status, req.method));
      return callback();
    }
    const presented = handleError(err, logger, { method: req.method, url: req.url });
    if (!res.headersSent) res.send(presented.status, presented.body);
    return callback();
  });
  server.on('uncaughtException', (req: Request, res: Response, _route: unknown, err: unknown, done?: () => void) => {
    const presented = handleError(err, logger, { method: req.method, url: req.url, uncaught: true });
    if (!res.headersSent) {
      res.setHeader('connection', 'close');
      res.send(presented.status, presented.body);
    } else if (!res.writableEnded) res.destroy();
    done?.();
  });
}

const HEAD = Symbol('head request');
type Marked = Request & { [HEAD]?: true };

/**
 * Restify routes HEAD only to handlers registered for HEAD, so every address answered 405 to it, the
 * health check and the tab's files included (load balancers and uptime probes ask with HEAD; Azure
 * Front Door does by default). HEAD is GET without the body (RFC 9110, 9.3.2): it is routed to the
 * GET handlers, and Node leaves the body out itself, having seen the method before routing.
 */
function routeHeadAsGet(server: Server): void {
  server.pre((req: Request, _res: Response, next: () => void) => {
    if (req.method === 'HEAD') {
      (req as Marked)[HEAD] = true;
      req.method = 'GET';
    }
    return next();
  });
}

/** Whether the caller asked with HEAD (the method now reads GET, see routeHeadAsGet). */
export const isHeadRequest = (req: Request): boolean => (req as Marked)[HEAD] === true || req.method === 'HEAD';

/** The service's restify server, with every request guarded as above. */
export function createGuardedServer(logger: Logger): Server {
  const server = restify.createServer({
    name: 'engagement-monitor',
    // The typings only admit a boolean; restify also takes this function form (lib/server.js).
    handleUncaughtExceptions: runInRequestDomain as unknown as boolean,
  });
  guardRequests(server, logger);
  routeHeadAsGet(server);
  return server;
}
