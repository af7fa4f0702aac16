import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { startTestApp, type RunningApp } from '../support/app';

/** A Bot Connector that is down: every call (a reply, a token) is answered 502, as its gateway does in an outage. */
async function startFailingConnector(): Promise<{ url: string; server: Server; calls: () => number }> {
  let calls = 0;
  const server = createServer((_req, res) => {
    calls += 1;
    res.writeHead(502, { 'content-type': 'text/html' });
    res.end('<html><body>502 Bad Gateway</body></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server, calls: () => calls };
}

describe('the Bot Framework endpoint, attacked and failing', () => {
  let app: RunningApp;
  let connector: Awaited<ReturnType<typeof startFailingConnector>>;
  const logged: string[] = [];

  beforeAll(async () => {
    connector = await startFailingConnector();
    const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(line) });
    app = await startTestApp({ DEMO_DATA: 'false' }, { logger });
  });
  afterAll(async () => {
    await app.close();
    connector.server.closeAllConnections();
    await new Promise((r) => connector.server.close(r));
  });

  const post = (body: unknown) =>
    fetch(`${app.baseUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const healthy = async () => (await fetch(`${app.baseUrl}/healthz`)).status;

  it('when an activity has no conversation, sender or service URL, then it is a 400 naming what is missing, not a TypeError', async () => {
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ type: 'message' }, ['conversation.id', 'from.id', 'serviceUrl (an http or https address)']],
      [{ type: 'message', serviceUrl: connector.url, conversation: { id: 'c' } }, ['from.id']],
      [{ type: 'message', serviceUrl: connector.url, from: { id: 'u' }, conversation: 'c' }, ['conversation.id']],
      [
        { type: 'invoke', serviceUrl: 'javascript:alert(1)', from: { id: 'u' }, conversation: { id: 'c' } },
        ['serviceUrl (an http or https address)'],
      ],
    ];
    for (const [activity, missing] of cases) {
      const res = await post(activity);
      const body = (await res.json()) as { code: string; message: string; details: { missing: string[] } };
      expect({ status: res.status, code: body.code, missing: body.details.missing }).toEqual({ status: 400, code: 'bad_request', missing });
      expect(body.message).toBe(`The activity has no ${missing.join(', ')}.`);
    }
    expect(connector.calls()).toBe(0);
    expect(await healthy()).toBe(200);
  });

  it('when the turn fails because the Bot Connector answers 502, then the answer is our 500 with no internal text, the log keeps what the adapter said, and the service stays up', async () => {
    const res = await post({
      type: 'message',
      id: 'act-1',
      channelId: 'msteams',
      serviceUrl: connector.url,
      from: { id: '29:someone-unknown', aadObjectId: 'aad-nobody' },
      recipient: { id: '28:bot' },
      conversation: { id: 'a:unknown-person', conversationType: 'personal' },
      text: 'hello',
    });
    const text = await res.text();
    expect(res.status).toBe(500);
    expect(JSON.parse(text)).toEqual({
      code: 'internal',
      message: 'Something went wrong on our side. It has been logged; please try again.',
    });
    expect(text).not.toMatch(/502|Bad Gateway|127\.0\.0\.1|Error/);
    expect(connector.calls()).toBeGreaterThan(0);
    expect(logged.some((line) => line.includes('the bot turn failed') && line.includes('"adapterStatus":500'))).toBe(true);
    expect(await healthy()).toBe(200);
  });
});
