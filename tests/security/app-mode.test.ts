import { ConfigError, parseConfig } from '../../bot/config';
import { startExpectingRefusal, startServiceProcess } from './service-process';
import { UNIVERSITY_CONTACTS_ENV } from '../support/app';

const PRODUCTION = {
  ...UNIVERSITY_CONTACTS_ENV,
  APP_MODE: 'production',
  MICROSOFT_APP_ID: '11111111-2222-4333-8444-555555555555',
  MICROSOFT_APP_PASSWORD: 'secret',
  MICROSOFT_APP_TENANT_ID: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
  PUBLIC_URL: 'https://engagement.example.ac.uk',
  PRIVACY_NOTICE_URL: 'https://engagement.example.ac.uk/privacy',
};

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    parseConfig(env);
    return [];
  } catch (error) {
    return error instanceof ConfigError ? error.problems : [String(error)];
  }
};

describe('APP_MODE cannot be left out by accident', () => {
  it.each([
    ['the bot app id', { MICROSOFT_APP_ID: PRODUCTION.MICROSOFT_APP_ID }],
    ['the bot secret', { MICROSOFT_APP_PASSWORD: 'secret' }],
    ['the SSO client id', { ENTRA_CLIENT_ID: PRODUCTION.MICROSOFT_APP_ID }],
    ['an https public URL', { PUBLIC_URL: 'https://engagement.example.ac.uk' }],
  ])('when %s is set without APP_MODE=production, then the configuration is refused naming APP_MODE', (_what, env) => {
    expect(problemsOf(env)).toContainEqual(expect.stringMatching(/^APP_MODE: .*set APP_MODE=production/));
    expect(problemsOf({ ...env, APP_MODE: 'local' })).toContainEqual(expect.stringMatching(/^APP_MODE: /));
  });

  it('when local mode is asked to listen on a network address, then it is refused; on loopback it is accepted', () => {
    expect(problemsOf({ HOST: '0.0.0.0' })).toEqual([expect.stringMatching(/^HOST: local mode only listens on this computer/)]);
    expect(problemsOf({ HOST: '192.168.1.20' })).toHaveLength(1);
    for (const host of ['127.0.0.1', '::1', 'localhost']) expect(problemsOf({ HOST: host })).toEqual([]);
    expect(parseConfig({}).host).toBe('127.0.0.1');
    expect(parseConfig(PRODUCTION).host).toBe('0.0.0.0');
  });

  it('when production is configured, then the demo is off, and asking for it is refused', () => {
    expect(parseConfig(PRODUCTION).demo.enabled).toBe(false);
    expect(problemsOf({ ...PRODUCTION, DEMO_DATA: 'true' })).toEqual([expect.stringMatching(/^DEMO_DATA: /)]);
    expect(parseConfig({}).demo.enabled).toBe(true);
  });

  it('when production names an http public URL or key set, then each is refused; http to loopback keys is allowed', () => {
    expect(
      problemsOf({
        ...PRODUCTION,
        PUBLIC_URL: 'http://engagement.example.ac.uk',
        ENTRA_JWKS_URL: 'http://keys.example.com/keys',
        BOT_OPENID_METADATA_URL: 'http://login.example.com/.well-known/openid-configuration',
      }).map((p) => p.split(':')[0]),
    ).toEqual(['PUBLIC_URL', 'ENTRA_JWKS_URL', 'BOT_OPENID_METADATA_URL']);
    expect(problemsOf({ ...PRODUCTION, ENTRA_JWKS_URL: 'http://127.0.0.1:9/keys' })).toEqual([]);
  });

  it('when the service is started with production settings but no APP_MODE, then it exits with one clear line', async () => {
    const { code, stderr } = await startExpectingRefusal({
      DATABASE_URL: 'sqlite::memory:',
      MICROSOFT_APP_ID: PRODUCTION.MICROSOFT_APP_ID,
      MICROSOFT_APP_PASSWORD: 'secret',
      MICROSOFT_APP_TENANT_ID: PRODUCTION.MICROSOFT_APP_TENANT_ID,
      PUBLIC_URL: PRODUCTION.PUBLIC_URL,
    });
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^engagement-monitor: .*APP_MODE: .*set APP_MODE=production/);
  }, 180_000);

  it('when the service starts with nothing set, then it serves the demo on loopback and the local staff list is there', async () => {
    const service = await startServiceProcess({ DATABASE_URL: 'sqlite::memory:', HOST: '' });
    try {
      const staff = (await (await fetch(`${service.baseUrl}/api/local/staff`)).json()) as { staff: unknown[] };
      expect(staff.staff.length).toBeGreaterThan(0);
    } finally {
      await service.stop();
    }
  }, 180_000);
});
