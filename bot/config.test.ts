import { ConfigError, parseConfig } from './config';

/** A university's own contacts, which production requires (placeholders are refused). */
const UNIVERSITY_CONTACTS = {
  SUPPORT_CONTACTS: '[{"name":"Wellbeing Service","detail":"wellbeing@uni.ac.uk, 01632 960000"}]',
  URGENT_CONTACTS: '[{"name":"Campus security (24 hours)","detail":"01632 960999"}]',
};

describe('parseConfig', () => {
  it('when nothing is set, then it runs locally on the embedded database with the demo', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      port: 3978,
      mode: 'local',
      database: { kind: 'sqlite', path: './data/engagement.sqlite' },
      demo: { enabled: true },
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('when DATABASE_URL is a postgres URL, then PostgreSQL is used', () => {
    expect(parseConfig({ DATABASE_URL: 'postgres://u@db:5432/em' }).database).toEqual({
      kind: 'postgres',
      url: 'postgres://u@db:5432/em',
      poolSize: 10,
    });
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

  it('when production has no privacy notice, or the audit would not outlive what it audits, then it refuses to start', () => {
    expect(() => parseConfig({ APP_MODE: 'production' })).toThrow(/PRIVACY_NOTICE_URL: required when APP_MODE=production/);
    expect(() => parseConfig({ RETENTION_AUDIT_DAYS: '400' })).toThrow(
      /RETENTION_AUDIT_DAYS: must be longer than the longest other retention period/,
    );
    const config = parseConfig({});
    expect(config.privacy.retention).toMatchObject({ countsAcademicYears: 2, closedCasesDays: 365, messagesDays: 90, auditDays: 2190 });
    expect(config.privacy.privacyNoticeUrl).toBeNull();
  });

  it('when nothing about Entra is set, then the tab SSO audience and tenants default to the bot registration and keys come from Entra', () => {
    const config = parseConfig({
      APP_MODE: 'production',
      PUBLIC_URL: 'https://engagement.example.ac.uk',
      PRIVACY_NOTICE_URL: 'https://engagement.example.ac.uk/privacy',
      ...UNIVERSITY_CONTACTS,
      MICROSOFT_APP_ID: 'app-1',
      MICROSOFT_APP_PASSWORD: 's',
      MICROSOFT_APP_TENANT_ID: 'AAAAAAAA-bbbb-4ccc-8ddd-eeeeeeeeeeee',
    });
    expect(config.entra).toEqual({
      clientId: 'app-1',
      appIdUri: 'api://engagement.example.ac.uk/app-1',
      allowedTenants: ['aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee'],
      jwksUrl: 'https://login.microsoftonline.com/common/discovery/v2.0/keys',
    });
  });

  it('when Entra settings are given, then they win, and a malformed tenant list or key URL is named', () => {
    const config = parseConfig({
      APP_MODE: 'production',
      MICROSOFT_APP_ID: 'bot-app',
      MICROSOFT_APP_PASSWORD: 's',
      MICROSOFT_APP_TENANT_ID: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
      PUBLIC_URL: 'https://engagement.example.ac.uk',
      PRIVACY_NOTICE_URL: 'https://engagement.example.ac.uk/privacy',
      ...UNIVERSITY_CONTACTS,
      ENTRA_CLIENT_ID: 'tab-app',
      ENTRA_ALLOWED_TENANTS: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee, ffffffff-bbbb-4ccc-8ddd-eeeeeeeeeeee',
      ENTRA_JWKS_URL: 'http://127.0.0.1:9/keys',
    });
    expect(config.entra.clientId).toBe('tab-app');
    expect(config.entra.allowedTenants).toEqual(['aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', 'ffffffff-bbbb-4ccc-8ddd-eeeeeeeeeeee']);
    expect(() => parseConfig({ ENTRA_ALLOWED_TENANTS: 'contoso', ENTRA_JWKS_URL: 'keys' })).toThrow(
      /ENTRA_ALLOWED_TENANTS: expected a comma-separated list.*ENTRA_JWKS_URL/,
    );
  });

  it('when MOODLE_DB_URL is set, then the Moodle pull is on with the engine from the scheme and TLS verified by default', () => {
    expect(parseConfig({}).moodleDb).toBeNull();
    expect(parseConfig({ MOODLE_DB_URL: 'mysql://reader:pw@moodle-db:3306/moodle' }).moodleDb).toMatchObject({
      kind: 'mysql',
      prefix: 'mdl_',
      tls: { mode: 'verify', caPath: null },
      pullEveryMinutes: 60,
      queryTimeoutSeconds: 120,
    });
    expect(
      parseConfig({ MOODLE_DB_URL: 'postgresql://reader@db/moodle', MOODLE_DB_PREFIX: 'm_', MOODLE_DB_TLS: 'off' }).moodleDb,
    ).toMatchObject({
      kind: 'postgres',
      prefix: 'm_',
      tls: { mode: 'off' },
    });
  });

  it('when the Moodle database settings are malformed, then each is named', () => {
    expect(() => parseConfig({ MOODLE_DB_URL: 'moodle-db:3306', MOODLE_DB_PREFIX: 'mdl-; drop', MOODLE_DB_TLS: 'yes' })).toThrow(
      /MOODLE_DB_URL: expected mysql:.*MOODLE_DB_PREFIX: expected letters.*MOODLE_DB_TLS: expected off, require/,
    );
  });

  it('when the digest time and quiet hours are left alone, then the digest is at 09:00 and quiet hours run 19:00-08:00; bad values are named', () => {
    expect(parseConfig({}).alerts).toMatchObject({ digestAt: 540, quietHours: { start: 1140, end: 480 } });
    expect(parseConfig({ DIGEST_TIME: '8:30', QUIET_HOURS: 'off' }).alerts).toMatchObject({ digestAt: 510, quietHours: null });
    const problems = (env: Record<string, string>): string[] => {
      try {
        parseConfig(env);
        return [];
      } catch (e) {
        return (e as ConfigError).problems;
      }
    };
    expect(problems({ DIGEST_TIME: '9am' })).toEqual(['DIGEST_TIME: expected a local time of day such as 09:00']);
    expect(problems({ QUIET_HOURS: '19:00' })).toEqual(['QUIET_HOURS: expected two different local times such as 19:00-08:00, or off']);
    expect(problems({ DIGEST_TIME: '07:30' })).toEqual([
      'DIGEST_TIME: 07:30 falls inside QUIET_HOURS (19:00-08:00); choose a time outside them',
    ]);
  });
});
