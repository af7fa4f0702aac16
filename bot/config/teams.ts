import type { Env } from './env';

/** The bot's Bot Framework identity (MICROSOFT_APP_*) and where its tokens are checked. */
export type BotConfig = {
  appId: string;
  appPassword: string;
  appType: string;
  tenantId: string;
  openIdMetadataUrl: string | null;
  tokenIssuer: string | null;
};

export type GraphInstallConfig = {
  enabled: boolean;
  baseUrl: string;
  teamsAppExternalId: string;
  serviceUrl: string;
  /** GRAPH_REQUEST_TIMEOUT_SECONDS: the longest one install request may take. */
  requestTimeoutMs: number;
};

export function checkBotCredentials(e: Env, problems: string[]): void {
  // Azure stopped creating multi-tenant bots in 2025; a single-tenant bot must name its tenant.
  if (e.MICROSOFT_APP_ID && e.MICROSOFT_APP_TYPE !== 'UserAssignedMSI' && !e.MICROSOFT_APP_PASSWORD)
    problems.push(`MICROSOFT_APP_PASSWORD: required when MICROSOFT_APP_ID is set (type ${e.MICROSOFT_APP_TYPE})`);
  if (e.MICROSOFT_APP_ID && e.MICROSOFT_APP_TYPE !== 'MultiTenant' && !e.MICROSOFT_APP_TENANT_ID)
    problems.push(`MICROSOFT_APP_TENANT_ID: required when MICROSOFT_APP_TYPE=${e.MICROSOFT_APP_TYPE}`);
}

/** Installing the app for students through Graph signs in as the bot, so it needs the bot's full identity. */
export function checkGraphInstall(e: Env, problems: string[]): void {
  if (e.GRAPH_INSTALL_ENABLED && (!e.MICROSOFT_APP_ID || !e.MICROSOFT_APP_PASSWORD || !e.MICROSOFT_APP_TENANT_ID))
    problems.push('GRAPH_INSTALL_ENABLED: needs MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD and MICROSOFT_APP_TENANT_ID for Graph');
  if (e.GRAPH_INSTALL_ENABLED && !e.TEAMS_APP_EXTERNAL_ID)
    problems.push('TEAMS_APP_EXTERNAL_ID: required when GRAPH_INSTALL_ENABLED=true (the manifest id of the app to install)');
}

export function botConfig(e: Env): BotConfig {
  return Object.freeze({
    appId: e.MICROSOFT_APP_ID,
    appPassword: e.MICROSOFT_APP_PASSWORD,
    appType: e.MICROSOFT_APP_TYPE,
    tenantId: e.MICROSOFT_APP_TENANT_ID,
    openIdMetadataUrl: e.BOT_OPENID_METADATA_URL ?? null,
    tokenIssuer: e.BOT_TOKEN_ISSUER ?? null,
  });
}

export function graphInstallConfig(e: Env): GraphInstallConfig {
  return Object.freeze({
    enabled: e.GRAPH_INSTALL_ENABLED,
    baseUrl: `${e.GRAPH_BASE_URL}/v1.0`,
    teamsAppExternalId: e.TEAMS_APP_EXTERNAL_ID,
    serviceUrl: e.TEAMS_SERVICE_URL,
    requestTimeoutMs: e.GRAPH_REQUEST_TIMEOUT_SECONDS * 1000,
  });
}
