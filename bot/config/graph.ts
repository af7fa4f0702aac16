import type { StaffRole } from '../../shared/domain';
import type { Env } from './env';

/** One Entra security group: its members hold `role` in `departmentId` (none for institution administrators). */
export type RoleGroup = Readonly<{ groupId: string; role: StaffRole; departmentId: string | null }>;

export type GraphConfig = Readonly<{
  tenantId: string;
  clientId: string;
  credential: { kind: 'secret'; secret: string } | { kind: 'certificate'; path: string };
  baseUrl: string;
  authorityHost: string;
  /** UPNs or Entra object ids of the organisers whose meetings are read; empty = every staff member in the roster. */
  organisers: readonly string[];
  minMinutes: number;
  lookbackDays: number;
  collectEveryHours: number;
  /** The longest one Graph request (sign-in, headers and whole body) may take before it counts as failed and is retried. */
  requestTimeoutSeconds: number;
}>;

export type DirectoryConfig = Readonly<{ roleGroups: readonly RoleGroup[]; syncEveryHours: number }>;

/** Graph is all-or-nothing: no GRAPH_* identity setting means off; a partial set is a mistake worth naming. */
export function parseGraph(e: Env, problems: string[]): GraphConfig | null {
  const given = [e.GRAPH_TENANT_ID, e.GRAPH_CLIENT_ID, e.GRAPH_CLIENT_SECRET, e.GRAPH_CLIENT_CERTIFICATE_PATH].some((v) => v !== undefined);
  if (!given) return null;
  const before = problems.length;
  if (!e.GRAPH_TENANT_ID) problems.push('GRAPH_TENANT_ID: required to collect Teams attendance (the directory (tenant) id)');
  if (!e.GRAPH_CLIENT_ID) problems.push("GRAPH_CLIENT_ID: required to collect Teams attendance (the app registration's client id)");
  if (!e.GRAPH_CLIENT_SECRET && !e.GRAPH_CLIENT_CERTIFICATE_PATH)
    problems.push('GRAPH_CLIENT_SECRET or GRAPH_CLIENT_CERTIFICATE_PATH: one is required to sign in to Microsoft Graph');
  if (e.GRAPH_CLIENT_SECRET && e.GRAPH_CLIENT_CERTIFICATE_PATH)
    problems.push('GRAPH_CLIENT_SECRET and GRAPH_CLIENT_CERTIFICATE_PATH: set only one of them');
  if (problems.length > before) return null;
  return Object.freeze({
    tenantId: e.GRAPH_TENANT_ID ?? '',
    clientId: e.GRAPH_CLIENT_ID ?? '',
    credential: e.GRAPH_CLIENT_CERTIFICATE_PATH
      ? { kind: 'certificate' as const, path: e.GRAPH_CLIENT_CERTIFICATE_PATH }
      : { kind: 'secret' as const, secret: e.GRAPH_CLIENT_SECRET ?? '' },
    baseUrl: e.GRAPH_BASE_URL,
    authorityHost: e.GRAPH_AUTHORITY_HOST,
    organisers: Object.freeze(e.GRAPH_ORGANISERS.split(/[\s,;]+/).filter((o) => o !== '')),
    minMinutes: e.GRAPH_MIN_MINUTES,
    lookbackDays: e.GRAPH_LOOKBACK_DAYS,
    collectEveryHours: e.GRAPH_COLLECT_EVERY_HOURS,
    requestTimeoutSeconds: e.GRAPH_REQUEST_TIMEOUT_SECONDS,
  });
}

export function checkRoleGroups(e: Env, graph: GraphConfig | null, problems: string[]): void {
  if (e.ENTRA_ROLE_GROUPS?.length && !graph && !problems.some((p) => p.startsWith('GRAPH_')))
    problems.push(
      'ENTRA_ROLE_GROUPS: needs GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET to read the groups through Microsoft Graph',
    );
}

export function directoryConfig(e: Env): DirectoryConfig {
  return Object.freeze({
    roleGroups: Object.freeze(
      (e.ENTRA_ROLE_GROUPS ?? []).map((g) => Object.freeze({ groupId: g.group, role: g.role, departmentId: g.department ?? null })),
    ),
    syncEveryHours: e.DIRECTORY_SYNC_EVERY_HOURS,
  });
}
