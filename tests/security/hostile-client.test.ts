import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ssoEnv, startLocalEntra, type LocalEntra } from '../support/entra';
import { startServiceProcess, type ServiceProcess } from './service-process';

/**
 * What scanner.test.ts does not try: clients that hold sockets and bodies, ask with HEAD, and send
 * tokens while Entra's key set is failing. The service runs as its own process in production mode,
 * on a database it creates itself.
 */
describe('a production service under hostile clients', () => {
  let dir: string;
  let entra: LocalEntra;
  let service: ServiceProcess;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'em-hostile-'));
    entra = await startLocalEntra();
    service = await startServiceProcess({ ...ssoEnv(entra), DATABASE_URL: `sqlite:${join(dir, 'empty.sqlite')}` });
  }, 180_000);
  afterAll(async () => {
    await service?.stop();
    await entra?.close();
    rmSync(dir, { recursive: true, force: true });
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
});
