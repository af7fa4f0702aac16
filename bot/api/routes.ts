import { existsSync } from 'node:fs';
import { join } from 'node:path';
import restify, { type Request, type Response, type Server } from 'restify';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Db } from '../store/database';
import { checkDatabase } from '../store/database';
import { listStaff } from '../store/staff.repository';
import { findDepartment, listDepartments } from '../store/department.repository';
import { listFlagsForViewer } from '../commands/list-flags.command';
import { handleError, notFound } from '../errors';
import type { LocalStaffListResponse, MeResponse } from '../../shared/api/session';
import type { FlagListResponse } from '../../shared/api/flags';
import { resolveViewer } from './auth';

export interface RouteDeps {
  db: Db;
  config: Config;
  logger: Logger;
  now: () => Date;
}

/** Wraps a handler: parse, authorize and call a command inside; every error goes through the one handler. */
function route<T>(deps: RouteDeps, handler: (req: Request) => Promise<T>) {
  return async (req: Request, res: Response) => {
    try {
      res.send(200, await handler(req));
    } catch (error) {
      const presented = handleError(error, deps.logger, { method: req.method, url: req.url });
      res.send(presented.status, presented.body);
    }
  };
}

export function registerApiRoutes(server: Server, deps: RouteDeps): void {
  server.get('/healthz', async (_req: Request, res: Response) => {
    try {
      await checkDatabase(deps.db, deps.config.database);
      res.send(200, { status: 'ok', database: 'reachable' });
    } catch (error) {
      deps.logger.warn({ err: error }, 'health check failed');
      res.send(503, { status: 'unavailable', database: 'unreachable' });
    }
  });

  server.get(
    '/api/local/staff',
    route(deps, async (): Promise<LocalStaffListResponse> => {
      if (deps.config.mode !== 'local') throw notFound('This page');
      const departments = await listDepartments(deps.db);
      const staff = (await Promise.all(departments.map((d) => listStaff(deps.db, d.id)))).flat();
      return { staff: staff.map((s) => ({ id: s.id, displayName: s.displayName, roles: s.roles, departmentId: s.departmentId })) };
    }),
  );

  server.get(
    '/api/me',
    route(deps, async (req): Promise<MeResponse> => {
      const viewer = await resolveViewer(req, deps);
      const department = await findDepartment(deps.db, viewer.departmentId);
      return {
        staff: { id: viewer.id, displayName: viewer.displayName, roles: viewer.roles, departmentId: viewer.departmentId },
        departmentName: department?.name ?? '',
        isDemo: department?.isDemo ?? false,
      };
    }),
  );

  server.get(
    '/api/flags',
    route(deps, async (req): Promise<FlagListResponse> => {
      const viewer = await resolveViewer(req, deps);
      return listFlagsForViewer(deps.db, viewer, deps.now().toISOString());
    }),
  );
}

/** Serves the built tab; before it is built, says how to build it instead of a bare 404. */
export function registerTabRoutes(server: Server, tabDist: string): void {
  const index = join(tabDist, 'index.html');
  server.get('/*', (req: Request, res: Response, next: restify.Next) => {
    if (!existsSync(index)) {
      res.send(503, { code: 'tab_not_built', message: 'The tab has not been built yet: run "npm run build:tab" (npm start does it for you).' });
      return next(false);
    }
    return restify.plugins.serveStatic({ directory: tabDist, default: 'index.html' })(req, res, next);
  });
}
