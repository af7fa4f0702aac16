import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip, gzipSync } from 'node:zlib';
import { createDatabase, migrateToLatest } from '../../bot/store/database';
import { buildStaff, seedDepartment, seedPeople } from '../support/factories';
import { ssoEnv, startLocalEntra, type LocalEntra } from '../support/entra';
import { startServiceProcess, type ServiceProcess } from './service-process';

const TAB_INDEX = join(__dirname, '..', '..', 'tab', 'dist', 'index.html');
const admin = buildStaff({ departmentId: 'dept-a', roles: ['department_admin'], entraId: '0a0a0a0a-0000-4000-8000-00000000000a' });

/**
 * Probes a production-configured service, started as its own process, the way the security review
 * (issue 13) and any scanner would: no sign-in unless a probe says so, odd paths, hostile bodies.
 */
describe('a production service under a scanner', () => {
  let dir: string;
  let serviceTmp: string;
  let entra: LocalEntra;
  let service: ServiceProcess;
  let adminToken: string;

  beforeAll(async () => {
    // The tab is built by `npm test` before jest runs; without it the static handler is never reached.
    expect(existsSync(TAB_INDEX)).toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'em-scan-'));
    serviceTmp = join(dir, 'tmp');
    mkdirSync(serviceTmp);
    const dbPath = join(dir, 'scan.sqlite');
    const db = createDatabase({ kind: 'sqlite', path: dbPath });
    await migrateToLatest(db);
    await seedDepartment(db, 'dept-a');
    await seedPeople(db, { staff: [admin] });
    await db.destroy();
    entra = await startLocalEntra();
    adminToken = await entra.sign({ oid: admin.entraId! });
    service = await startServiceProcess({ ...ssoEnv(entra), DATABASE_URL: `sqlite:${dbPath}`, TMPDIR: serviceTmp });
  }, 180_000);
  afterAll(async () => {
    await service?.stop();
    await entra?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const healthy = async () => (await fetch(`${service.baseUrl}/healthz`)).status;

  it('when the site root is asked for, then the built tab is served (so the probes below reach the file handler)', async () => {
    const res = await fetch(`${service.baseUrl}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
  });

  it.each([
    '/%00',
    '/assets/x%00.js',
    '/%00/index.html',
    '/assets/%2e%2e/%2e%2e/package.json',
    '/..%2f..%2fpackage.json',
    '/%E0%A4%A',
    '/.env',
  ])('when GET %s arrives, then it is refused with a 4xx and the service keeps serving', async (path) => {
    const res = await fetch(`${service.baseUrl}${path}`);
    const body = await res.text();
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(body).not.toContain('"name": "engagement-monitor"');
    expect(service.isRunning()).toBe(true);
    expect(await healthy()).toBe(200);
  });

  it('when an unauthenticated gzip body inflating to 200 MB is posted, then it is refused unread and memory stays flat', async () => {
    // Compressed a megabyte at a time, so the test itself never holds the 200 MB.
    const gzip = createGzip({ level: 9 });
    const compressed: Buffer[] = [];
    gzip.on('data', (chunk: Buffer) => compressed.push(chunk));
    const spaces = Buffer.alloc(1024 * 1024, 0x20);
    for (let i = 0; i < 200; i++) if (!gzip.write(spaces)) await new Promise((resolve) => gzip.once('drain', resolve));
    await new Promise((resolve) => gzip.end(resolve));
    const bomb = Buffer.concat(compressed);
    const before = service.rssMb();
    for (const path of ['/api/settings/rules', '/api/cases/x/actions', '/api/messages', '/api/nothing-here']) {
      const res = await fetch(`${service.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: bomb,
      });
      expect([401, 404, 405, 415]).toContain(res.status);
    }
    expect(service.rssMb() - before).toBeLessThan(100);
    expect(await healthy()).toBe(200);
  }, 30_000);

  it('when a signed-in body is compressed or larger than the limit, then it is refused (415, 413) before it is inflated or held', async () => {
    const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
    const gz = await fetch(`${service.baseUrl}/api/settings/rules`, {
      method: 'POST',
      headers: { ...headers, 'content-encoding': 'gzip' },
      body: gzipSync(Buffer.from(JSON.stringify({ noEngagementDays: 10, minKnownCoverage: 0.8 }))),
    });
    expect(gz.status).toBe(415);
    const big = await fetch(`${service.baseUrl}/api/settings/rules`, { method: 'POST', headers, body: ' '.repeat(2 * 1024 * 1024) });
    expect(big.status).toBe(413);
    const upload = await fetch(`${service.baseUrl}/api/data/imports?source=moodle&fileName=x.csv`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' },
      body: gzipSync(Buffer.from('Time,User full name\n')),
    });
    expect(upload.status).toBe(415);
  });

  it('when multipart bodies with large file parts are posted, signed in or not, then nothing is written to the temporary folder', async () => {
    const form = () => {
      const data = new FormData();
      data.append('file', new Blob([Buffer.alloc(8 * 1024 * 1024, 0x41)]), 'big.csv');
      return data;
    };
    const before = readdirSync(serviceTmp);
    const probes: Array<[string, Record<string, string>]> = [
      ['/api/flags', {}],
      ['/api/settings/exemptions', {}],
      ['/api/data/imports?source=moodle&fileName=x.csv', {}],
      ['/api/data/imports?source=moodle&fileName=x.csv', { authorization: `Bearer ${adminToken}` }],
      ['/api/settings/rules', { authorization: `Bearer ${adminToken}` }],
    ];
    for (const [path, headers] of probes) {
      const res = await fetch(`${service.baseUrl}${path}`, { method: 'POST', headers, body: form() });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    expect(readdirSync(serviceTmp)).toEqual(before);
    expect(await healthy()).toBe(200);
  }, 30_000);

  it('when POST /api/messages carries an empty object without a token, then it is a 400 or 401 with no internal text', async () => {
    for (const body of ['{}', '[]', 'not json', '{"type":"message"}']) {
      const res = await fetch(`${service.baseUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const text = await res.text();
      expect([400, 401]).toContain(res.status);
      expect(text).not.toMatch(/stack|Error:|at \w+ \(|zod|undefined|jwt|token could not be verified \(/i);
    }
    expect(await healthy()).toBe(200);
  });

  it('when the tab API refuses a token, then the 401 body names no internal reason', async () => {
    const forged = await entra.sign({ oid: admin.entraId! }, { useForeignKey: true });
    for (const authorization of ['Bearer x.y.z', `Bearer ${forged}`, 'Bearer ' + 'a'.repeat(5000), 'Local staff-1']) {
      const res = await fetch(`${service.baseUrl}/api/me`, { headers: { authorization } });
      const body = (await res.json()) as { code: string; message: string };
      expect(res.status).toBe(401);
      expect(body.message).not.toMatch(/claim|JWS|JWT|signature|jose|Error|exp|aud|iss/);
    }
  });

  it('when the tab page is served, then it may only be framed by Teams and Microsoft 365 and is sent with nosniff and HSTS', async () => {
    const res = await fetch(`${service.baseUrl}/`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/frame-ancestors [^;]*https:\/\/teams\.microsoft\.com/);
    expect(csp).toMatch(/frame-ancestors [^;]*\*\.cloud\.microsoft/);
    expect(csp).not.toMatch(/frame-ancestors [^;]*(\s\*\s|\s\*;|\s\*$|https:\s|http:)/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}/);
  });

  it('when an API answer holds personal data, then it is marked no-store', async () => {
    for (const path of ['/api/me', '/api/flags', '/api/data', '/api/overview', '/api/settings']) {
      const res = await fetch(`${service.baseUrl}${path}`, { headers: { authorization: `Bearer ${adminToken}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const refused = await fetch(`${service.baseUrl}/api/flags`);
    expect(refused.headers.get('cache-control')).toBe('no-store');
  });
});
