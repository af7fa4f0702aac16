import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Db } from '../store/database';
import { AppError } from '../errors';
import { resolveEntraIds, syncRoleGroups, type GroupSyncResult, type ResolveSummary } from '../graph/directory';
import { createGraphClient, type GraphConnectionOptions } from '../graph/graph-client';
import { GraphRequester, graphRetryPolicy } from '../graph/graph-requests';
import type { Timers } from '../clock';
import type { JobDeclaration } from './scheduler';

export const SYNC_DIRECTORY_JOB_NAME = 'sync-directory';

export const DIRECTORY_OFF_MESSAGE =
  'Microsoft Entra look-ups are off: set GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET (or GRAPH_CLIENT_CERTIFICATE_PATH) for an app registration with User.Read.All and GroupMember.Read.All. ' +
  'Staff and students are then matched only when they first talk to the bot.';

export interface DirectorySyncSummary {
  groups: GroupSyncResult[];
  people: ResolveSummary;
}

export interface DirectorySync {
  /** Role groups first (they can create staff), then the object ids of everyone still unmatched. */
  run(options?: { groupsOnly?: boolean; peopleOnly?: boolean }): Promise<DirectorySyncSummary>;
}

export function createDirectorySync(
  config: Config,
  base: { db: Db; logger: Logger; now: () => Date; timers?: Timers },
  connection: GraphConnectionOptions = {},
): DirectorySync {
  const graph = config.graph;
  if (!graph) throw new AppError(503, 'graph_not_configured', DIRECTORY_OFF_MESSAGE);
  const client = createGraphClient(graph, connection);
  const { timers, ...rest } = base;
  return {
    async run(options = {}) {
      const deps = {
        ...rest,
        requester: new GraphRequester(client, graph.baseUrl, graphRetryPolicy(graph), timers),
        clientId: graph.clientId,
      };
      const groups = options.peopleOnly ? [] : await syncRoleGroups(deps, config.directory.roleGroups);
      const people = options.groupsOnly
        ? { looked: 0, matched: 0, unmatched: 0, ambiguous: 0, failed: 0, unmatchedPeople: [] }
        : await resolveEntraIds(deps);
      return { groups, people };
    },
  };
}

/** Role groups and object ids, refreshed every DIRECTORY_SYNC_EVERY_HOURS; off (said once) without Graph. */
export const syncDirectoryJob: JobDeclaration<DirectorySyncSummary> = {
  name: SYNC_DIRECTORY_JOB_NAME,
  schedule: (config) => (config.graph ? { everyMs: config.directory.syncEveryHours * 3_600_000, runAtStart: true } : null),
  offMessage: DIRECTORY_OFF_MESSAGE,
  run: (services) => {
    if (!services.directory) throw new AppError(503, 'graph_not_configured', DIRECTORY_OFF_MESSAGE);
    return services.directory.run();
  },
};

export function presentDirectorySync(s: DirectorySyncSummary): string {
  const lines: string[] = [];
  for (const g of s.groups)
    lines.push(
      g.status === 'succeeded'
        ? `Group ${g.groupId} (${g.role}${g.departmentId ? ` in ${g.departmentId}` : ''}): ${g.members} members; ${g.added} role(s) given, ${g.removed} taken away, ${g.staffCreated} new staff.`
        : `Group ${g.groupId}: not read. ${g.error ?? ''}`,
    );
  const p = s.people;
  if (p.looked > 0 || s.groups.length === 0)
    lines.push(
      `Looked up ${p.looked} people by e-mail: ${p.matched} matched, ${p.unmatched} with no Entra user, ${p.ambiguous} ambiguous, ${p.failed} failed.`,
    );
  if (p.unmatchedPeople.length > 0)
    lines.push(`${p.unmatchedPeople.length} people are not matched to Entra yet: see "engagement people unmatched".`);
  return lines.join('\n');
}
