import type { Logger } from 'pino';
import type { GraphConfig } from '../config';
import type { Db } from '../store/database';
import type { Timers } from '../clock';
import { collectAttendance, type CollectDeps, type CollectOptions, type CollectSummary } from '../graph/collect-attendance.command';
import { createGraphClient, type GraphConnectionOptions } from '../graph/graph-client';
import { GraphRequester, graphRetryPolicy } from '../graph/graph-requests';
import { AppError } from '../errors';
import type { JobDeclaration } from './scheduler';

export const COLLECT_JOB_NAME = 'collect-attendance';

export const GRAPH_OFF_MESSAGE =
  'Teams attendance collection through Microsoft Graph is off: GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET (or GRAPH_CLIENT_CERTIFICATE_PATH) are not set. ' +
  "Organisers' attendance CSV downloads can still be imported.";

export interface Collector {
  collect(options?: CollectOptions, onProgress?: CollectDeps['onProgress']): Promise<CollectSummary>;
}

/** A collector bound to the configuration: one Graph client (and token cache), fresh request counts each run. */
export function createCollector(
  graph: GraphConfig,
  timeZone: string,
  base: { db: Db; logger: Logger; now: () => Date; timers: Timers },
  connection: GraphConnectionOptions = {},
): Collector {
  const client = createGraphClient(graph, connection);
  const settings = {
    tenantId: graph.tenantId,
    clientId: graph.clientId,
    organisers: graph.organisers,
    minMinutes: graph.minMinutes,
    lookbackDays: graph.lookbackDays,
    timeZone,
  };
  const { timers, ...deps } = base;
  return {
    collect: (options = {}, onProgress) =>
      collectAttendance(
        { ...deps, graph: new GraphRequester(client, graph.baseUrl, graphRetryPolicy(graph), timers), settings, onProgress },
        options,
      ),
  };
}

/** Daily by default: Graph keeps only a meeting's 50 latest reports. Off (said once) when Graph is not configured. */
export const collectAttendanceJob: JobDeclaration = {
  name: COLLECT_JOB_NAME,
  schedule: (config) => (config.graph ? { everyMs: config.graph.collectEveryHours * 3_600_000, runAtStart: true } : null),
  offMessage: GRAPH_OFF_MESSAGE,
  run: (services) => {
    if (!services.collector) throw new AppError(503, 'graph_not_configured', GRAPH_OFF_MESSAGE);
    return services.collector.collect();
  },
};
