import { startTestApp, type RunningApp } from '../support/app';

/** A handler that fails the worst ways a handler can: a synchronous throw, and a throw from a later callback. */
describe('one failing request cannot stop the service', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startTestApp();
    server.app.server.get('/__throws-now', (_req, _res, _next) => {
      throw new Error('secret internal detail: sync');
    });
    server.app.server.get('/__throws-later', (_req, _res, _next) => {
      setTimeout(() => {
        throw new Error('secret internal detail: timer');
      }, 5);
    });
    server.app.server.get('/__rejects', async () => {
      throw new Error('secret internal detail: rejected');
    });
  });
  afterAll(async () => server?.close());

  it.each(['/__throws-now', '/__throws-later', '/__rejects'])(
    'when %s throws, then that request is a 500 without the message and the next is served',
    async (path) => {
      const res = await fetch(`${server.baseUrl}${path}`);
      const text = await res.text();
      expect(res.status).toBe(500);
      expect(text).not.toContain('secret internal detail');
      expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
    },
  );
});
