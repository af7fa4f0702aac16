import type { CloudAdapter, TurnContext } from 'botbuilder';
import type { Request, Response } from 'restify';
import type { Logger } from 'pino';
import { AppError, badRequest, handleError } from '../errors';
import { readJsonBody, type BodyBudget } from './body-limits';

type Fields = Record<string, unknown>;
const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);
const hasId = (value: unknown): boolean => isObject(value) && typeof value.id === 'string' && value.id !== '';

/**
 * What every activity the Bot Connector sends carries (the type, the conversation, the sender and the
 * service URL to answer on); without them the adapter fails inside the turn with a TypeError, so they
 * are checked here and named.
 */
function checkActivity(activity: unknown): void {
  if (!isObject(activity)) throw badRequest('The request body must be a Bot Framework activity (a JSON object).');
  if (typeof activity.type !== 'string' || activity.type === '') throw badRequest('The activity has no type.');
  const missing = [
    !hasId(activity.conversation) && 'conversation.id',
    !hasId(activity.from) && 'from.id',
    !(typeof activity.serviceUrl === 'string' && /^https?:\/\/[^\s/]+/i.test(activity.serviceUrl)) &&
      'serviceUrl (an http or https address)',
  ].filter((name): name is string => typeof name === 'string');
  if (missing.length > 0) throw badRequest(`The activity has no ${missing.join(', ')}.`, { missing });
}

/**
 * The response the adapter writes to. The adapter answers a failed turn itself, with the error's own
 * message (a host name, a TypeError) as the body; here a refusal (401) and a failure (5xx) are
 * answered with our words instead, and what the adapter said goes to the log.
 */
function guardResponse(res: Response, logger: Logger, context: Fields): Response {
  let status = 200;
  const guarded = {
    status(code: number) {
      status = code;
      return res.status(code);
    },
    header: res.header.bind(res),
    end: () => res.end(),
    send(body?: unknown) {
      // An invoke's own answer (a card action's 400 with its error value, say) is the bot's, and goes as it is.
      if (status !== 401 && status < 500) return res.send(body);
      const said = typeof body === 'string' ? body : JSON.stringify(body ?? null);
      const error =
        status === 401
          ? new AppError(401, 'unauthenticated', 'This endpoint only accepts activities signed by the Bot Framework.', undefined, said)
          : new Error(`the bot turn failed: ${said}`);
      const presented = handleError(error, logger, { ...context, adapterStatus: status, adapterSaid: said });
      return res.send(presented.status, presented.body);
    },
  };
  return guarded as unknown as Response;
}

/** The Bot Connector sends an activity in one go; a body still arriving after this is someone holding the socket. */
export const ACTIVITY_BODY_DEADLINE_MS = 10_000;

/** Bytes of activities not yet authenticated that the service holds at once: a few hundred ordinary activities. */
export const UNSIGNED_BODY_BUDGET_BYTES = 16 * 1024 * 1024;

/**
 * The Bot Connector endpoint. The adapter authenticates the activity it is given, so the body is
 * read first, capped, uncompressed, within a deadline and within a budget shared by every request
 * not yet authenticated; something that is not an activity is a 400 before the adapter sees it, and
 * whatever the adapter answers with is presented by the one error handler, never with its message.
 */
export function handleBotMessages(
  adapter: CloudAdapter,
  run: (context: TurnContext) => Promise<void>,
  logger: Logger,
  unsigned: { budget: BodyBudget; deadlineMs?: number },
) {
  return async (req: Request, res: Response): Promise<void> => {
    const context = { method: req.method, url: req.url };
    // The activity counts against the budget until its token has passed (the adapter runs the turn only then), or the request ends.
    const lease = unsigned.budget.lease();
    try {
      const activity = await readJsonBody(req, { lease, deadlineMs: unsigned.deadlineMs ?? ACTIVITY_BODY_DEADLINE_MS });
      checkActivity(activity);
      req.body = activity;
      await adapter.process(req, guardResponse(res, logger, context), (turn) => {
        lease.release();
        return run(turn);
      });
    } catch (error) {
      const presented = handleError(error, logger, context);
      if (res.headersSent) return;
      // Answered before the body ended (too large, too slow, over budget): close, so the socket is not kept for the rest.
      if (!req.complete) res.setHeader('connection', 'close');
      if (presented.status === 503) res.setHeader('retry-after', '5');
      res.send(presented.status, presented.body);
    } finally {
      lease.release();
    }
  };
}
