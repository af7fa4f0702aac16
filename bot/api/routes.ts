import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Request, Response, Server } from 'restify';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Db } from '../store/database';
import { checkDatabase } from '../store/database';
import { listStaff } from '../store/staff.repository';
import { findDepartment, listDepartments } from '../store/department.repository';
import { exportFlagsCsv, listFlagPageBody } from '../commands/flag-page.command';
import { viewStudent } from '../commands/student-view.command';
import { performCaseAction } from '../commands/case-actions.command';
import { loadCaseSummary } from '../commands/case-summary.command';
import { describeDataStatus } from '../commands/data-status.command';
import { UploadQuerySchema, type DataStatus, type UploadResult } from '../../shared/api/data';
import { uploadImport } from '../commands/upload-import.command';
import { describeOverview } from '../commands/overview.command';
import type { Overview } from '../../shared/api/overview';
import { addExemption, describeSettings, previewRules, saveRules } from '../commands/settings.command';
import { NewExemptionSchema, RulesChangeSchema, SettingsQuerySchema, type RulesPreview, type Settings } from '../../shared/api/settings';
import { badRequest, handleError, notFound } from '../errors';
import { todayIn } from '../clock';
import type { LocalStaffListResponse, MeResponse } from '../../shared/api/session';
import { FlagQuerySchema, type FlagQuery } from '../../shared/api/flags';
import type { CaseActionResponse } from '../../shared/api/cases';
import { CaseActionSchema } from '../../shared/api/case-actions';
import type { StudentView } from '../../shared/api/student';
import { resolveViewer, type AuthDeps } from './auth';
import { searchStudents, summariseTutees } from '../commands/student-search.command';
import { StudentSearchQuerySchema, type StudentSearchResponse, type TuteeSummary } from '../../shared/api/student-search';
import { registerPrivacyRoutes } from './privacy.routes';
import { registerUrgentRoutes } from './urgent.routes';
import type { ApiServices } from '../services';
import { serveStaticFile } from '../http/static-files';
import { parseInput } from './parse-input';
import { assertIdentityEncoding, readJsonBody } from '../http/body-limits';
import { describePeople } from '../commands/people.command';
import { PeopleQuerySchema, type PeopleOverview } from '../../shared/api/people';

export interface RouteDeps extends ApiServices {
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

export function registerApiRoutes(server: Server, routeDeps: RouteDeps): void {
  const deps: RouteDeps & AuthDeps = routeDeps;
  const flagDeps = { db: deps.db, cache: deps.flagCache, audit: deps.audit };
  const today = () => todayIn(deps.config.timeZone, deps.now());
  const flagQuery = (req: Request): FlagQuery => parseInput(FlagQuerySchema, req.query, 'filter');

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

  // The busiest endpoint answers with a page rendered once per change of the held list (FlagPage), audited per request.
  server.get('/api/flags', async (req: Request, res: Response) => {
    try {
      const viewer = await resolveViewer(req, deps);
      const body = await listFlagPageBody(flagDeps, viewer, flagQuery(req), today(), deps.now().toISOString());
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    } catch (error) {
      const presented = handleError(error, deps.logger, { method: req.method, url: req.url });
      res.send(presented.status, presented.body);
    }
  });

  server.get('/api/flags/export', async (req: Request, res: Response) => {
    try {
      const viewer = await resolveViewer(req, deps);
      const { csv } = await exportFlagsCsv(flagDeps, viewer, flagQuery(req), today(), deps.now().toISOString());
      res.writeHead(200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="flagged-students-${today()}.csv"`,
        'cache-control': 'no-store',
      });
      res.end(csv);
    } catch (error) {
      const presented = handleError(error, deps.logger, { method: req.method, url: req.url });
      res.send(presented.status, presented.body);
    }
  });

  // Any student in the list's scope by name or ID, flagged or not; audited like a view of the list.
  server.get(
    '/api/student-search',
    route(deps, async (req): Promise<StudentSearchResponse> => {
      const viewer = await resolveViewer(req, deps);
      const query = parseInput(StudentSearchQuerySchema, req.query, 'search');
      return searchStudents(flagDeps, viewer, query, today(), deps.now().toISOString());
    }),
  );

  server.get(
    '/api/tutees',
    route(deps, async (req): Promise<TuteeSummary> =>
      summariseTutees(flagDeps, await resolveViewer(req, deps), today(), deps.now().toISOString()),
    ),
  );

  registerPrivacyRoutes(server, deps);
  registerUrgentRoutes(server, deps);

  server.get(
    '/api/students/:studentId',
    route(deps, async (req): Promise<StudentView> => {
      const viewer = await resolveViewer(req, deps);
      return viewStudent(deps.db, viewer, String(req.params.studentId), today(), deps.now().toISOString());
    }),
  );

  server.get(
    '/api/data',
    route(deps, async (req): Promise<DataStatus> => describeDataStatus(deps.db, await resolveViewer(req, deps), today(), deps.now())),
  );

  // The file is the raw request body (application/octet-stream), streamed to disk after sign-in; nothing parses it before.
  server.post(
    '/api/data/imports',
    route(deps, async (req): Promise<UploadResult> => {
      const viewer = await resolveViewer(req, deps);
      const { source, fileName } = parseInput(UploadQuerySchema, req.query, 'upload');
      assertIdentityEncoding(req);
      if (req.contentType() !== 'application/octet-stream')
        throw badRequest('Send the export file as the request body with Content-Type application/octet-stream.');
      const result = await uploadImport(deps, viewer, { source, fileName, body: req });
      flagDeps.cache.invalidate(viewer.departmentId);
      deps.staffCache?.clear();
      return result;
    }),
  );

  server.get(
    '/api/people',
    route(deps, async (req): Promise<PeopleOverview> => {
      const viewer = await resolveViewer(req, deps);
      return describePeople(deps.db, viewer, parseInput(PeopleQuerySchema, req.query, 'filter'), deps.now().toISOString());
    }),
  );

  server.get(
    '/api/overview',
    route(deps, async (req): Promise<Overview> =>
      describeOverview(deps.db, await resolveViewer(req, deps), today(), deps.now().toISOString()),
    ),
  );

  /** An institution administrator may name the department (?department=); anyone else works on their own. */
  const settingsFor = (req: Request) => parseInput(SettingsQuerySchema, req.query, 'department').department;

  server.get(
    '/api/settings',
    route(deps, async (req): Promise<Settings> =>
      describeSettings(deps.db, await resolveViewer(req, deps), deps.now().toISOString(), settingsFor(req)),
    ),
  );

  server.post(
    '/api/settings/preview',
    route(deps, async (req): Promise<RulesPreview> => {
      const viewer = await resolveViewer(req, deps);
      return previewRules(
        deps.db,
        viewer,
        parseInput(RulesChangeSchema, await readJsonBody(req), 'settings change'),
        today(),
        settingsFor(req),
      );
    }),
  );

  server.post(
    '/api/settings/rules',
    route(deps, async (req): Promise<Settings> => {
      const viewer = await resolveViewer(req, deps);
      const change = parseInput(RulesChangeSchema, await readJsonBody(req), 'settings change');
      return saveRules(deps.db, viewer, change, deps.now().toISOString(), settingsFor(req));
    }),
  );

  server.post(
    '/api/settings/exemptions',
    route(deps, async (req): Promise<Settings> => {
      const viewer = await resolveViewer(req, deps);
      const settings = await addExemption(
        deps.db,
        viewer,
        parseInput(NewExemptionSchema, await readJsonBody(req), 'exemption'),
        deps.now().toISOString(),
        settingsFor(req),
      );
      flagDeps.cache.invalidate(settings.department.id);
      return settings;
    }),
  );

  server.post(
    '/api/cases/:caseId/actions',
    route(deps, async (req): Promise<CaseActionResponse> => {
      const viewer = await resolveViewer(req, deps);
      const action = parseInput(CaseActionSchema, await readJsonBody(req), 'action');
      const result = await performCaseAction(
        {
          db: deps.db,
          now: deps.now,
          wellbeingRole: deps.config.support.wellbeingRole,
          schedule: { timeZone: deps.config.timeZone, quietHours: deps.config.alerts.quietHours },
        },
        { actor: viewer, caseId: String(req.params.caseId), action },
      );
      flagDeps.cache.invalidate(viewer.departmentId);
      return { case: await loadCaseSummary(deps.db, result.case) };
    }),
  );
}

/** Serves the built tab; before it is built, says how to build it instead of a bare 404. */
export function registerTabRoutes(server: Server, tabDist: string): void {
  const index = join(tabDist, 'index.html');
  server.get('/*', async (req: Request, res: Response) => {
    if (!existsSync(index)) {
      res.send(503, {
        code: 'tab_not_built',
        message: 'The tab has not been built yet: run "npm run build:tab" (npm start does it for you).',
      });
      return;
    }
    await serveStaticFile(tabDist, req, res);
  });
}
