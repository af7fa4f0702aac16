import type { CloudAdapter, TurnContext } from 'botbuilder';
import type { Request, Response } from 'restify';
import type { Logger } from 'pino';
import { badRequest, handleError } from '../errors';
import { readJsonBody } from './body-limits';

/**
 * The Bot Connector endpoint. The adapter authenticates the activity it is given, so the body is
 * read first, capped and uncompressed; something that is not an activity is a 400 before the adapter
 * sees it, and anything the adapter throws is answered by the one error handler, never with its message.
 */
export function handleBotMessages(adapter: CloudAdapter, run: (context: TurnContext) => Promise<void>, logger: Logger) {
  return async (req: Request, res: Response): Promise<void> => {
    try {
      const activity = await readJsonBody(req);
      if (typeof activity !== 'object' || activity === null || Array.isArray(activity))
        throw badRequest('The request body must be a Bot Framework activity (a JSON object).');
      if (typeof (activity as { type?: unknown }).type !== 'string' || (activity as { type: string }).type === '')
        throw badRequest('The activity has no type.');
      req.body = activity;
      await adapter.process(req, res, run);
    } catch (error) {
      const presented = handleError(error, logger, { method: req.method, url: req.url });
      if (!res.headersSent) res.send(presented.status, presented.body);
    }
  };
}
