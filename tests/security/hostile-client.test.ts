import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, SignJWT } from 'jose';
import { ssoEnv, startLocalEntra, TEST_CLIENT_ID, TEST_TENANT, type LocalEntra } from '../support/entra';
import { startServiceProcess, type ServiceProcess } from './service-process';
import { ACTIVITY_BODY_DEADLINE_MS } from '../../bot/http/bot-messages';
import { KEY_SET_RETRY_MS } from '../../bot/api/teams-token';
import { AUTHENTICATION_TIMEOUT_MS, KEY_FETCH_PAUSE_MS } from '../../bot/teams/adapter';

/** login.botframework.com's OpenID configuration, as in an outage (not answering, or its gateway's 503) or well, counting each request. */
async function startBotOpenId(): Promise<{
  url: string;
  requests: () => number;
  answer: (mode: 'hang' | 'fail' | 'ok') => void;
  close: () => Promise<void>;
}> {
  let requests = 0;
  let mode: 'hang' | 'fail' | 'ok' = 'fail';
  const server: Server = createServer((req, res) => {
    requests += 1;
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (mode === 'hang') return;
    if (mode === 'fail') {
      res.writeHead(503, { 'content-type': 'text/html' });
      return void res.end('<html><body>Service Unavailable</body></html>');
    }
    res.setHeader('content-type', 'application/json');
    if (req.url === '/v1/.well-known/openidconfiguration')
      return void res.end(JSON.stringify({ issuer: 'https://api.botframework.com', jwks_uri: `${base}/keys` }));
    return void res.end(JSON.stringify({ keys: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/.well-known/openidconfiguration`,
    requests: () => requests,
    answer: (next) => void (mode = next),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * What scanner.test.ts does not try: clients that hold sockets and bodies, ask with HEAD, and send
 * tokens while Entra's key set is failing. The service runs as its own process in production mode,
 * on a database it creates itself.
 */
describe('a production service under hostile clients', () => {
  let dir: string;
  let entra: LocalEntra;
  let botOpenId: Awaited<ReturnType<typeof startBotOpenId>>;
  let service: ServiceProcess;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'em-hostile-'));
    entra = await startLocalEntra();
    botOpenId = await startBotOpenId();
    service = await startServiceProcess({
      ...ssoEnv(entra),
      BOT_OPENID_METADATA_URL: botOpenId.url,
      DATABASE_URL: `sqlite:${join(dir, 'empty.sqlite')}`,
    });
  }, 180_000);
  afterAll(async () => {
    await service?.stop();
    await entra?.close();
    await botOpenId?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const healthy = async () => (await fetch(`${service.baseUrl}/healthz`)).status;
  const activity = JSON.stringify({
    type: 'message',
    serviceUrl: 'https://smba.trafficmanager.net/emea/',
    from: { id: '29:someone' },
    conversation: { id: 'a:chat' },
    text: 'hello',
  });

  it('when HEAD asks for the health check, the tab, the configure page or an API address, then it is answered as GET is, without a body', async () => {
    const head = async (path: string) => {
      const res = await fetch(`${service.baseUrl}${path}`, { method: 'HEAD' });
      return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
    };
    expect(await head('/healthz')).toEqual({ status: 200, type: 'application/json', body: '' });
    expect(await head('/')).toEqual({ status: 200, type: 'text/html; charset=utf-8', body: '' });
    expect(await head('/teams/configure')).toEqual({ status: 200, type: 'text/html; charset=utf-8', body: '' });
    expect((await head('/api/me')).status).toBe(401);
    expect((await head('/assets/nothing-here.js')).status).toBe(404);
    const lengthOfGet = (await fetch(`${service.baseUrl}/`)).headers.get('content-length');
    expect((await fetch(`${service.baseUrl}/`, { method: 'HEAD' })).headers.get('content-length')).toBe(lengthOfGet);
  });

  it('when an address is asked with a method it does not take, or cannot be decoded, then the refusal is ours, keeps Allow, and names no library', async () => {
    const ask = async (method: string, path: string) => {
      const res = await fetch(`${service.baseUrl}${path}`, { method });
      return { status: res.status, allow: res.headers.get('allow'), body: (await res.json()) as unknown };
    };
    expect(await ask('DELETE', '/api/me')).toEqual({
      status: 405,
      allow: 'GET',
      body: { code: 'method_not_allowed', message: 'This address does not take DELETE requests.' },
    });
    // GET is allowed on every path: the tab's files are served from /* (a 404 for a path that is not a file).
    expect(await ask('PROPFIND', '/api/settings/rules')).toEqual(expect.objectContaining({ status: 405, allow: 'GET, POST' }));
    expect(await ask('OPTIONS', '/api/messages')).toEqual(expect.objectContaining({ status: 405, allow: 'GET, POST' }));
    expect(await ask('GET', '/api/students/%zz')).toEqual({
      status: 404,
      allow: null,
      body: { code: 'not_found', message: 'There is nothing at this address.' },
    });
  });

  it('when 300 unsigned sockets each send most of a 1 MB activity and hold, then memory stays bounded, others are answered, and the sockets are closed within the deadline', async () => {
    const body = Buffer.alloc(1024 * 1024 - 64, 0x20);
    const sockets: Socket[] = [];
    const answers: string[] = [];
    let closed = 0;
    const before = service.rssMb();
    const port = Number(new URL(service.baseUrl).port);
    for (let i = 0; i < 300; i++) {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.on('data', (chunk: Buffer) => answers.push(chunk.toString('latin1').split('\r\n')[0] ?? ''));
      socket.on('close', () => (closed += 1));
      socket.write(
        'POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer x.y.z\r\nContent-Length: 1048576\r\n\r\n',
      );
      await new Promise<void>((resolve) => socket.write(body, () => resolve()));
      sockets.push(socket);
    }
    await new Promise((r) => setTimeout(r, 1000));
    const grew = service.rssMb() - before;
    // Before the budget the service held every one of them: about 300 MB.
    expect(grew).toBeLessThan(100);
    expect(await healthy()).toBe(200);
    // Those refused for want of room were told so and closed.
    expect(answers.filter((line) => line === 'HTTP/1.1 503 Service Unavailable').length).toBeGreaterThan(200);

    // The few that fit are refused when the deadline passes, not five minutes later, and room is free again.
    const deadline = Date.now() + ACTIVITY_BODY_DEADLINE_MS + 10_000;
    while (closed < sockets.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(closed).toBe(sockets.length);
    expect(answers).toContain('HTTP/1.1 408 Request Timeout');
    const ordinary = await fetch(`${service.baseUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: activity,
    });
    expect(ordinary.status).toBe(401);
    expect(service.isRunning()).toBe(true);
  }, 45_000);

  it('when Entra answers its key set with 503, then tokens are refused as "Entra unreachable" and Entra is asked at most once per pause, not once per token', async () => {
    const valid = await entra.sign({ oid: '0b0b0b0b-0000-4000-8000-00000000000b' });
    const { privateKey } = await generateKeyPair('RS256');
    const forged = (kid: string) =>
      new SignJWT({ aud: TEST_CLIENT_ID, tid: TEST_TENANT, iss: `https://login.microsoftonline.com/${TEST_TENANT}/v2.0`, oid: 'x' })
        .setProtectedHeader({ alg: 'RS256', kid })
        .setExpirationTime('1h')
        .sign(privateKey);
    entra.failKeysWith(503);
    const asked = entra.keyRequests();
    const codes: string[] = [];
    for (let i = 0; i < 20; i++) {
      const token = i % 2 === 0 ? valid : await forged(`scanner-${i}`);
      const res = await fetch(`${service.baseUrl}/api/me`, { headers: { authorization: `Bearer ${token}` } });
      codes.push(`${res.status} ${((await res.json()) as { code: string }).code}`);
    }
    expect({ answers: [...new Set(codes)], asked: Math.min(entra.keyRequests() - asked, 2) }).toEqual({
      answers: ['503 sign_in_unavailable'],
      asked: 1,
    });

    // Once Entra answers again, the next token after the pause is checked: a real person who is not staff.
    entra.failKeysWith(null);
    await new Promise((r) => setTimeout(r, KEY_SET_RETRY_MS + 200));
    const res = await fetch(`${service.baseUrl}/api/me`, { headers: { authorization: `Bearer ${valid}` } });
    expect(res.status).toBe(403);
  }, 30_000);

  const forger = generateKeyPair('RS256');
  const forgedChannelToken = async (kid: string) =>
    new SignJWT({ serviceurl: 'https://smba.trafficmanager.net/emea/' })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuer('https://api.botframework.com')
      .setAudience(TEST_CLIENT_ID)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign((await forger).privateKey);
  const postActivity = async (token: string, body = activity) =>
    (
      await fetch(`${service.baseUrl}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
      })
    ).status;

  it('when login.botframework.com does not answer and forged channel tokens arrive at once, then it is asked once, each is refused within the timeout, and waiting activities count against the budget', async () => {
    botOpenId.answer('hang');
    const asked = botOpenId.requests();
    const started = Date.now();
    const large = activity.replace('"text":"hello"', `"text":"${'x'.repeat(900_000)}"`);
    const small = await Promise.all(Array.from({ length: 10 }, (_, i) => forgedChannelToken(`hang-${i}`)));
    const big = await Promise.all(Array.from({ length: 30 }, (_, i) => forgedChannelToken(`hang-big-${i}`)));
    const [smallStatuses, bigStatuses] = await Promise.all([
      Promise.all(small.map((token) => postActivity(token))),
      Promise.all(big.map((token) => postActivity(token, large))),
    ]);
    expect({ small: [...new Set(smallStatuses)], asked: botOpenId.requests() - asked }).toEqual({ small: [401], asked: 1 });
    // 27 MB waiting for a check that does not come: what passes the 16 MB budget is refused at once.
    expect(bigStatuses.filter((status) => status === 503).length).toBeGreaterThanOrEqual(10);
    expect(bigStatuses.every((status) => status === 401 || status === 503)).toBe(true);
    expect(Date.now() - started).toBeLessThan(AUTHENTICATION_TIMEOUT_MS + 5000);
    // The pause that follows ends before the next test.
    await new Promise((r) => setTimeout(r, KEY_FETCH_PAUSE_MS + 200));
  }, 30_000);

  it('when login.botframework.com fails and forged channel tokens arrive, then each is refused and the channel is asked once per pause, not once per token', async () => {
    botOpenId.answer('fail');
    const asked = botOpenId.requests();
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push(await postActivity(await forgedChannelToken(`scanner-${i}`)));
    expect({ statuses: [...new Set(statuses)], asked: Math.min(botOpenId.requests() - asked, 2) }).toEqual({ statuses: [401], asked: 1 });

    // After the pause the channel is asked again (its configuration, then its keys), and the forgery is still refused.
    botOpenId.answer('ok');
    await new Promise((r) => setTimeout(r, KEY_FETCH_PAUSE_MS + 200));
    expect(await postActivity(await forgedChannelToken('scanner-after'))).toBe(401);
    expect(botOpenId.requests() - asked).toBe(3);
  }, 30_000);
});
