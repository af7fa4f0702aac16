import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestDatabase, silentLogger, type TestDatabase } from '../support/databases';
import { NOW, buildStaff, buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { startConnectorStandIn, type ConnectorStandIn } from '../support/connector-standin';
import { openChatThroughGraph, type InstallDeps } from '../../bot/graph/install-app';
import { createAdapter, createCardSender } from '../../bot/teams/adapter';
import { deliverDue } from '../../bot/teams/deliver.command';
import { RateLimiter } from '../../bot/teams/rate-limiter';
import { REAL_TIMERS } from '../../bot/clock';
import { enqueueDelivery } from '../../bot/store/outbox.repository';
import { findStaffConversation } from '../../bot/store/conversation.repository';
import { parseConfig } from '../../bot/config';
import { seedCase } from './fixtures';

const EXTERNAL_ID = 'c0ffee00-0000-4000-8000-000000000001';

/** Answers the four Graph calls of a per-user install as documented, and remembers what was asked. */
async function startGraphStandIn(): Promise<{ base: string; server: Server; calls: string[]; installed: Set<string> }> {
  const calls: string[] = [];
  const installed = new Set<string>();
  // restify (loaded by other suites in the same worker) patches writeHead to return nothing: never chain it.
  const reply = (res: import('node:http').ServerResponse, status: number, body: string) => {
    res.statusCode = status;
    res.end(body);
  };
  const server = createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '');
    calls.push(`${req.method} ${url} ${req.headers.authorization ?? ''}`);
    res.setHeader('content-type', 'application/json');
    if (req.headers.authorization !== 'Bearer test-graph-token')
      return reply(res, 401, JSON.stringify({ error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty.' } }));
    if (req.method === 'GET' && url.startsWith(`/appCatalogs/teamsApps?$filter=externalId eq '${EXTERNAL_ID}'`))
      return res.end(JSON.stringify({ value: [{ id: 'catalog-app-1', externalId: EXTERNAL_ID, displayName: 'Engagement Monitor' }] }));
    const user = /^\/users\/([^/]+)\/teamwork\/installedApps/.exec(url)?.[1];
    if (user && req.method === 'POST') {
      if (installed.has(user))
        return reply(res, 409, JSON.stringify({ error: { code: 'Conflict', message: 'App is already installed.' } }));
      installed.add(user);
      return reply(res, 201, '{}');
    }
    if (user && req.method === 'GET' && url.endsWith('/chat')) return res.end(JSON.stringify({ id: `19:${user}_bot@unq.gbl.spaces` }));
    if (user && req.method === 'GET') return res.end(JSON.stringify({ value: installed.has(user) ? [{ id: `install-${user}` }] : [] }));
    return reply(res, 404, JSON.stringify({ error: { code: 'NotFound', message: url } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, calls, installed };
}

describe('opening a chat through Graph for staff who never talked to the bot', () => {
  let t: TestDatabase;
  let graph: Awaited<ReturnType<typeof startGraphStandIn>>;
  let connector: ConnectorStandIn;
  let deps: InstallDeps;
  const tutor = buildStaff({ entraId: 'aad-never-talked' });
  const student = buildStudent({ tutorId: tutor.id });

  beforeEach(async () => {
    t = await createTestDatabase('sqlite');
    graph = await startGraphStandIn();
    connector = await startConnectorStandIn();
    await seedDepartment(t.db);
    await seedPeople(t.db, { staff: [tutor], students: [student] });
    deps = {
      db: t.db,
      logger: silentLogger,
      now: () => new Date(NOW),
      graphBaseUrl: graph.base,
      credential: { getToken: async () => ({ token: 'test-graph-token' }) },
      teamsAppExternalId: EXTERNAL_ID,
      botAppId: 'bot-app',
      serviceUrl: connector.serviceUrl,
    };
  });
  afterEach(async () => {
    await connector.close();
    graph.server.closeAllConnections();
    await new Promise((r) => graph.server.close(r));
    await t.drop();
  });

  it('when a digest waits for a tutor with no chat, then the app is installed for them, the chat is stored and the digest is delivered into it', async () => {
    const c = await seedCase(t.db, student.id);
    await enqueueDelivery(
      t.db,
      { idempotencyKey: 'digest:graph', kind: 'digest', recipientStaffId: tutor.id, payload: { caseIds: [c.id] } },
      NOW,
    );
    const summary = await deliverDue({
      db: t.db,
      sender: createCardSender(createAdapter(parseConfig({}).bot), ''),
      logger: silentLogger,
      now: deps.now,
      workerId: 'test',
      publicUrl: 'http://localhost',
      limiter: new RateLimiter(),
      concurrency: 1,
      sleep: REAL_TIMERS.sleep,
      random: REAL_TIMERS.random,
      openChat: (who) => openChatThroughGraph(deps, who),
    });
    expect(summary.sent).toBe(1);
    expect(graph.installed.has(tutor.entraId ?? '')).toBe(true);
    expect(connector.received[0]?.conversationId).toBe(`19:${tutor.entraId}_bot@unq.gbl.spaces`);
    expect((await findStaffConversation(t.db, tutor.id))?.conversation?.id).toBe(`19:${tutor.entraId}_bot@unq.gbl.spaces`);
    expect(graph.calls.every((call) => call.endsWith('Bearer test-graph-token'))).toBe(true);
  });

  it('when the app is already installed (409), then the existing chat is used', async () => {
    graph.installed.add(tutor.entraId ?? '');
    const reference = await openChatThroughGraph(deps, { staffId: tutor.id, studentId: null });
    expect(reference?.conversation?.id).toBe(`19:${tutor.entraId}_bot@unq.gbl.spaces`);
  });

  it('when the app is missing from the catalogue, then no chat is opened and nothing is stored', async () => {
    const reference = await openChatThroughGraph({ ...deps, teamsAppExternalId: 'not-uploaded' }, { staffId: tutor.id, studentId: null });
    expect(reference).toBeUndefined();
    expect(await findStaffConversation(t.db, tutor.id)).toBeUndefined();
  });
});
