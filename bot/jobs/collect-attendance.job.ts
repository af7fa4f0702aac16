import type { Logger } from 'pino';
import type { Config, GraphConfig } from '../config';
import type { Db } from '../store/database';
import { collectAttendance, type CollectDeps, type CollectOptions, type CollectSummary } from '../graph/collect-attendance.command';
import { createGraphClient, type GraphConnectionOptions } from '../graph/graph-client';
import { GraphRequester } from '../graph/graph-requests';
import type { Job } from './scheduler';

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
  base: { db: Db; logger: Logger; now: () => Date },
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
  return {
    collect: (options = {}, onProgress) =>
      collectAttendance({ ...base, graph: new GraphRequester(client, graph.baseUrl), settings, onProgress }, options),
  };
}

/**
 * The daily collection job, or null when Graph is not configured; in that case it says so once, here,
 * rather than on every tick. Graph keeps only a meeting's 50 latest reports, hence daily by default.
 */
export function createCollectAttendanceJob(
  config: Config,
  base: { db: Db; logger: Logger; now: () => Date },
  connection: GraphConnectionOptions = {},
): Job | null {
  if (!config.graph) {
    base.logger.info(GRAPH_OFF_MESSAGE);
    return null;
  }
  const collector = createCollector(config.graph, config.timeZone, base, connection);
  return { name: COLLECT_JOB_NAME, everyMs: config.graph.collectEveryHours * 3_600_000, runAtStart: true, run: () => collector.collect() };
}
