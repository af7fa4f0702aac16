import { ConfigError, parseConfig } from './config';

describe('parseConfig', () => {
  it('when nothing is set, then it runs locally on the embedded database with the demo', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({ port: 3978, mode: 'local', database: { kind: 'sqlite', path: './data/engagement.sqlite' }, demo: { enabled: true } });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('when DATABASE_URL is a postgres URL, then PostgreSQL is used', () => {
    expect(parseConfig({ DATABASE_URL: 'postgres://u@db:5432/em' }).database).toEqual({ kind: 'postgres', url: 'postgres://u@db:5432/em', poolSize: 10 });
  });

  it('when several variables are wrong, then every problem is reported at once', () => {
    let error: unknown;
    try {
      parseConfig({ PORT: 'x', DEMO_DATA: 'maybe', TIME_ZONE: 'Mars/Olympus' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.split(':')[0])).toEqual(['PORT', 'DEMO_DATA']);
    expect(() => parseConfig({ TIME_ZONE: 'Mars/Olympus' })).toThrow('TIME_ZONE: unknown time zone');
  });

  it('when production mode lacks the bot id and public URL, then both are named', () => {
    expect(() => parseConfig({ APP_MODE: 'production' })).toThrow(/MICROSOFT_APP_ID: required.*PUBLIC_URL: required/);
  });
});
