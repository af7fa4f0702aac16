import type { Env } from './env';

export type DatabaseConfig = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string; poolSize: number };

/** Teams tab SSO: which tokens the tab API accepts. An empty client id turns SSO off. */
export type EntraConfig = { clientId: string; appIdUri: string; allowedTenants: readonly string[]; jwksUrl: string };

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function checkTimeZones(e: Env, problems: string[]): void {
  for (const [name, tz] of Object.entries({
    TIME_ZONE: e.TIME_ZONE,
    MOODLE_TIME_ZONE: e.MOODLE_TIME_ZONE,
    PANOPTO_TIME_ZONE: e.PANOPTO_TIME_ZONE,
    TEAMS_TIME_ZONE: e.TEAMS_TIME_ZONE,
    SAMIS_TIME_ZONE: e.SAMIS_TIME_ZONE,
  })) {
    if (tz !== undefined && !isValidTimeZone(tz)) problems.push(`${name}: unknown time zone "${tz}"`);
  }
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', '[::1]', 'localhost']);
const isLoopback = (host: string) => LOOPBACK_HOSTS.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);

/** The Application ID URI the manifest registers for the tab's SSO: api://<public host>/<client id>. */
function defaultAppIdUri(publicUrl: string | undefined, clientId: string): string {
  if (!publicUrl || !clientId) return '';
  return `api://${new URL(publicUrl).host}/${clientId}`;
}

/**
 * Local mode trusts whoever can reach it (the demo sign-in needs no secret), so it only listens on
 * this computer, and a configuration that looks like a real deployment must say APP_MODE=production
 * rather than fall back to local. Production never loads the demo, and fetches keys and publishes
 * itself over https only (http is allowed to a loopback address, which never crosses a network).
 */
export function checkModeSafety(e: Env, demoGiven: boolean, problems: string[]): void {
  if (e.APP_MODE === 'local') {
    const productionSettings = [
      e.MICROSOFT_APP_ID && 'MICROSOFT_APP_ID',
      e.MICROSOFT_APP_PASSWORD && 'MICROSOFT_APP_PASSWORD',
      e.ENTRA_CLIENT_ID && 'ENTRA_CLIENT_ID',
      e.PUBLIC_URL?.startsWith('https://') && 'PUBLIC_URL (https)',
    ].filter((name): name is string => typeof name === 'string' && name !== '');
    if (productionSettings.length > 0)
      problems.push(
        `APP_MODE: ${productionSettings.join(', ')} ${productionSettings.length === 1 ? 'is a production setting' : 'are production settings'}; set APP_MODE=production to run for real, or remove ${productionSettings.length === 1 ? 'it' : 'them'} to run the local demo`,
      );
    if (e.HOST !== undefined && !isLoopback(e.HOST))
      problems.push(
        `HOST: local mode only listens on this computer (127.0.0.1 or ::1), not ${e.HOST}; set APP_MODE=production to listen on a network`,
      );
    return;
  }
  if (e.DEMO_DATA && demoGiven) problems.push('DEMO_DATA: the synthetic demo is never loaded when APP_MODE=production; remove DEMO_DATA');
  const httpsOnly: Array<[string, string | undefined]> = [
    ['PUBLIC_URL', e.PUBLIC_URL],
    ['ENTRA_JWKS_URL', e.ENTRA_JWKS_URL],
    ['BOT_OPENID_METADATA_URL', e.BOT_OPENID_METADATA_URL],
  ];
  for (const [name, url] of httpsOnly) {
    if (url === undefined || url.startsWith('https://')) continue;
    if (name !== 'PUBLIC_URL' && isLoopback(new URL(url).hostname)) continue;
    problems.push(`${name}: expected an https URL when APP_MODE=production`);
  }
}

export function databaseConfig(e: Env): DatabaseConfig {
  return e.DATABASE_URL.startsWith('sqlite:')
    ? { kind: 'sqlite', path: e.DATABASE_URL.slice('sqlite:'.length) }
    : { kind: 'postgres', url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE };
}

export function entraConfig(e: Env): EntraConfig {
  return Object.freeze({
    // The tab's SSO app registration is usually the bot's own, so the bot's ids are the defaults.
    clientId: e.ENTRA_CLIENT_ID ?? e.MICROSOFT_APP_ID,
    appIdUri: e.ENTRA_APP_ID_URI ?? defaultAppIdUri(e.PUBLIC_URL, e.ENTRA_CLIENT_ID ?? e.MICROSOFT_APP_ID),
    allowedTenants: Object.freeze(
      (e.ENTRA_ALLOWED_TENANTS ?? e.MICROSOFT_APP_TENANT_ID)
        .split(',')
        .map((t) => t.trim().toLowerCase())
        .filter((t) => t !== ''),
    ),
    jwksUrl: e.ENTRA_JWKS_URL,
  });
}
