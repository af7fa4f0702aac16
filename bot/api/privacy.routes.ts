import type { Request, Response, Server } from 'restify';
import { AuditQuerySchema } from '../../shared/api/audit';
import { exportAuditCsv, listAuditPage } from '../commands/audit-page.command';
import { downloadSubjectAccess } from '../commands/subject-access-download.command';
import { badRequest, handleError } from '../errors';
import { parseInput } from './parse-input';
import { resolveViewer, type AuthDeps } from './auth';
import type { RouteDeps } from './routes';

/** Answers with the handler's result, or the one error handler's response; never lets a request end the process. */
function handled(deps: RouteDeps, handler: (req: Request, res: Response) => Promise<void>) {
  return async (req: Request, res: Response) => {
    try {
      await handler(req, res);
    } catch (error) {
      const presented = handleError(error, deps.logger, { method: req.method, url: req.url });
      res.send(presented.status, presented.body);
    }
  };
}

function auditQuery(req: Request) {
  return parseInput(AuditQuerySchema, req.query, 'filter');
}

/** The audit page's API and the subject access download (issue 17). */
export function registerPrivacyRoutes(server: Server, deps: RouteDeps & AuthDeps): void {
  server.get(
    '/api/audit',
    handled(deps, async (req, res) => {
      const viewer = await resolveViewer(req, deps);
      const page = await listAuditPage(deps.db, viewer, auditQuery(req), deps.now().toISOString(), deps.config.timeZone);
      res.header('cache-control', 'no-store');
      res.send(200, page);
    }),
  );

  server.get(
    '/api/audit/export',
    handled(deps, async (req, res) => {
      const viewer = await resolveViewer(req, deps);
      const now = deps.now().toISOString();
      const { csv } = await exportAuditCsv(deps.db, viewer, auditQuery(req), now);
      res.writeHead(200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="audit-${now.slice(0, 10)}.csv"`,
        'cache-control': 'no-store',
      });
      res.end(csv);
    }),
  );

  server.get(
    '/api/students/:studentId/subject-access',
    handled(deps, async (req, res) => {
      const viewer = await resolveViewer(req, deps);
      const format = String((req.query as Record<string, unknown> | undefined)?.format ?? 'html');
      if (format !== 'html' && format !== 'json')
        throw badRequest('format: expected "html" or "json".', ['format: expected "html" or "json"']);
      const studentId = String(req.params.studentId);
      const result = await downloadSubjectAccess(deps.db, viewer, studentId, format, deps.now().toISOString());
      if (result.kind === 'json') {
        res.header('cache-control', 'no-store');
        res.send(200, result.report);
        return;
      }
      const html = result.html;
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-disposition': `attachment; filename="subject-access-${studentId.replace(/[^A-Za-z0-9_-]/g, '_')}.html"`,
        'cache-control': 'no-store',
      });
      res.end(html);
    }),
  );
}
