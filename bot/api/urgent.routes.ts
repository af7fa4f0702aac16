import type { Request, Response, Server } from 'restify';
import { UrgentActedSchema, UrgentIdSchema } from '../../shared/api/urgent';
import { listUrgentForViewer, recordUrgentActed, type UrgentDeps } from '../commands/urgent-alerts.command';
import { readJsonBody } from '../http/body-limits';
import { badRequest, handleError } from '../errors';
import { parseInput } from './parse-input';
import { resolveViewer, type AuthDeps } from './auth';
import type { RouteDeps } from './routes';

function answer<T>(deps: RouteDeps, handler: (req: Request) => Promise<T>) {
  return async (req: Request, res: Response) => {
    try {
      const body = await handler(req);
      res.header('cache-control', 'no-store');
      res.send(200, body);
    } catch (error) {
      const presented = handleError(error, deps.logger, { method: req.method, url: req.url });
      res.send(presented.status, presented.body);
    }
  };
}

/** Urgent messages pinned above the list, and "I've acted" (issue 14). */
export function registerUrgentRoutes(server: Server, deps: RouteDeps & AuthDeps): void {
  const urgent: UrgentDeps = { db: deps.db, now: deps.now, wellbeingRole: deps.config.support.wellbeingRole };

  server.get(
    '/api/urgent',
    answer(deps, async (req) => listUrgentForViewer(urgent, await resolveViewer(req, deps))),
  );

  server.post(
    '/api/urgent/:id/acted',
    answer(deps, async (req) => {
      const viewer = await resolveViewer(req, deps);
      const id = UrgentIdSchema.safeParse(String(req.params.id));
      if (!id.success) throw badRequest('That is not the id of an urgent message.', ['id: expected the id of an urgent message']);
      const body = parseInput(UrgentActedSchema, await readJsonBody(req), 'note');
      const result = await recordUrgentActed(urgent, viewer, id.data, body.note);
      deps.flagCache.invalidate(viewer.departmentId);
      return result;
    }),
  );
}
