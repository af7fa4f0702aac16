import { createPublicKey } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';
import { faultTarget, playNetworkFault, type NetworkFault } from './network-faults';
import { ALL_PERMISSIONS, generateCertificate, graphError, seeded, type Answer } from './stand-in-support';

export type { NetworkFault } from './network-faults';
export { generateCertificate } from './stand-in-support';

/**
 * A local HTTPS stand-in for Microsoft Graph and the Entra token endpoint, answering the documented
 * endpoints with the documented shapes (see shared/PLATFORM-FACTS.md): calendarView, the join-URL
 * filter on onlineMeetings, attendance reports and records, JSON $batch, paging with absolute next
 * links, 429 with Retry-After (also inside a batch), 503, 403 for a missing access policy, and the
 * network's own faults (network-faults.ts: hangs, stalled bodies, resets). Its certificate is
 * self-signed and made at start; callers trust it through `ca`.
 */

export interface StandInRecord {
  id?: string;
  emailAddress: string | null;
  totalAttendanceInSeconds: number;
  role: 'None' | 'Attendee' | 'Presenter' | 'Organizer';
  identity: { id: string | null; displayName: string; tenantId: string | null };
}

export interface StandInReport {
  id: string;
  meetingStartDateTime: string;
  meetingEndDateTime: string;
  /** Defaults to the number of records; more means some participants opted out of the report. */
  totalParticipantCount?: number;
  records: StandInRecord[];
}

export interface StandInMeeting {
  id: string;
  /** The organiser's UPN (or id) as it appears in GRAPH_ORGANISERS. */
  organiser: string;
  subject: string;
  joinUrl: string;
  /** Calendar occurrences: one for a single meeting, many for a recurring series. */
  occurrences: Array<{ start: string; end: string }>;
  reports: StandInReport[];
}

export interface StandInEvent {
  organiser: string;
  subject: string;
  isOnlineMeeting: boolean;
  isOrganizer: boolean;
  joinUrl?: string;
  start: string;
  end: string;
}

export interface GraphWorld {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** PEM certificate of the app: when set, a signed client assertion is accepted too. */
  clientCertificate?: string;
  organisers: Array<{ upn: string; id: string; hasAccessPolicy: boolean }>;
  meetings: StandInMeeting[];
  otherEvents?: StandInEvent[];
  /** Application permissions granted; by default all the collector and the directory look-ups need. */
  permissions?: string[];
  /** Entra users and security groups, for the directory look-ups (users by mail or UPN, group members). */
  directory?: { users: StandInUser[]; groups: StandInGroup[] };
}

export interface StandInUser {
  id: string;
  displayName: string;
  mail: string | null;
  userPrincipalName: string;
}

export interface StandInGroup {
  id: string;
  /** User ids and nested group ids; transitiveMembers flattens the nesting. */
  members: string[];
  /** A group the app may not read answers 403, as a hidden-membership group does without the permission. */
  readable?: boolean;
}

export interface Fault {
  /** Matched against the path and query of a Graph request (top level or inside a batch). */
  pathIncludes: string;
  status: number;
  /** How many matching requests fail; then the fault is spent. */
  times: number;
  retryAfter?: string;
  /** Only inside a batch, or only outside one; both when unset. */
  where?: 'batch' | 'direct';
  body?: unknown;
}

export interface StandInOptions {
  pageSize?: { events?: number; reports?: number; records?: number; members?: number };
  /** Every list starts with an empty page whose next link leads on. */
  emptyFirstPages?: boolean;
  /** Share of Graph requests (envelopes and batch items alike) answered 429. */
  throttleRate?: number;
  throttleSeed?: number;
  retryAfterSeconds?: number;
  faults?: Fault[];
  networkFaults?: NetworkFault[];
}

export interface StandInStats {
  /** HTTP requests to Graph (batch envelopes included, token requests not). */
  graphRequests: number;
  batchEnvelopes: number;
  batchItems: number;
  throttled: number;
  tokensIssued: number;
  recordsServed: number;
  /** Every Graph path requested, top level or inside a batch, in order. */
  paths: string[];
}

export interface GraphStandIn {
  baseUrl: string;
  authorityHost: string;
  /** The stand-in's self-signed certificate (PEM), to be trusted by the client. */
  ca: string;
  world: GraphWorld;
  options: StandInOptions;
  stats: StandInStats;
  resetStats(): void;
  close(): Promise<void>;
}

export async function startGraphStandIn(world: GraphWorld, options: StandInOptions = {}): Promise<GraphStandIn> {
  const tls = await generateCertificate();
  const stats: StandInStats = {
    graphRequests: 0,
    batchEnvelopes: 0,
    batchItems: 0,
    throttled: 0,
    tokensIssued: 0,
    recordsServed: 0,
    paths: [],
  };
  const tokens = new Set<string>();
  let random = seeded(options.throttleSeed ?? 1);
  let base = '';

  const organiserOf = (key: string) => world.organisers.find((o) => o.upn.toLowerCase() === key.toLowerCase() || o.id === key);
  const granted = (permission: string) => (world.permissions ?? ALL_PERMISSIONS).includes(permission);

  const page = <T>(items: T[], url: URL, size: number, map: (item: T) => unknown): Answer => {
    const token = url.searchParams.get('$skiptoken');
    // Graph's next links carry a literal $skiptoken; URLSearchParams would write %24skiptoken.
    const link = (skip: number) => {
      const rest = [...url.searchParams.entries()]
        .filter(([k]) => k !== '$skiptoken')
        .map(([k, v]) => `${encodeURIComponent(k).replace(/^%24/, '$')}=${encodeURIComponent(v)}`);
      return `${base}/v1.0${url.pathname}?${[...rest, `$skiptoken=${skip}`].join('&')}`;
    };
    if (options.emptyFirstPages && token === null) return { status: 200, body: { value: [], '@odata.nextLink': link(0) } };
    const skip = Number(token ?? 0);
    const slice = items.slice(skip, skip + size);
    return {
      status: 200,
      body: { value: slice.map(map), ...(skip + size < items.length ? { '@odata.nextLink': link(skip + size) } : {}) },
    };
  };

  /** One Graph request, top level or inside a batch: `path` is relative to /v1.0. */
  const answer = (method: string, path: string, where: 'batch' | 'direct'): Answer => {
    stats.paths.push(path);
    const fault = options.faults?.find((f) => f.times > 0 && path.includes(f.pathIncludes) && (!f.where || f.where === where));
    if (fault) {
      fault.times--;
      if (fault.status === 429 || fault.status === 503) stats.throttled++;
      return fault.body
        ? { status: fault.status, headers: fault.retryAfter ? { 'Retry-After': fault.retryAfter } : {}, body: fault.body }
        : graphError(
            fault.status,
            fault.status === 429 ? 'TooManyRequests' : 'ServiceUnavailable',
            'The service is busy.',
            fault.retryAfter ? { 'Retry-After': fault.retryAfter } : undefined,
          );
    }
    if ((options.throttleRate ?? 0) > 0 && random() < (options.throttleRate ?? 0)) {
      stats.throttled++;
      return graphError(429, 'TooManyRequests', 'Too many requests.', { 'Retry-After': String(options.retryAfterSeconds ?? 1) });
    }
    if (method !== 'GET') return graphError(405, 'BadRequest', `The stand-in only answers GET for ${path}.`);
    const url = new URL(path, 'https://stand-in');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const directory = answerDirectory(url, parts);
    if (directory) return directory;
    if (parts[0] !== 'users' || !parts[1]) return graphError(404, 'BadRequest', `Resource not found for the segment '${parts[0] ?? ''}'.`);
    const organiser = organiserOf(parts[1]);
    if (!organiser)
      return graphError(
        404,
        'Request_ResourceNotFound',
        `Resource '${parts[1]}' does not exist or one of its queried reference-property objects are not present.`,
      );
    const mine = world.meetings.filter((m) => organiserOf(m.organiser) === organiser);

    if (parts[2] === 'calendarView' && parts.length === 3) {
      if (!granted('Calendars.Read')) return graphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
      const from = url.searchParams.get('startDateTime');
      const to = url.searchParams.get('endDateTime');
      if (!from || !to)
        return graphError(
          400,
          'ErrorInvalidParameter',
          'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.',
        );
      const events = [
        ...mine.flatMap((m) =>
          m.occurrences.map((o, i) => ({
            id: `${m.id}-occ-${i}`,
            subject: m.subject,
            isOnlineMeeting: true,
            isOrganizer: true,
            onlineMeeting: { joinUrl: m.joinUrl },
            start: o.start,
            end: o.end,
          })),
        ),
        ...(world.otherEvents ?? [])
          .filter((e) => organiserOf(e.organiser) === organiser)
          .map((e, i) => ({
            id: `other-${i}`,
            subject: e.subject,
            isOnlineMeeting: e.isOnlineMeeting,
            isOrganizer: e.isOrganizer,
            onlineMeeting: e.joinUrl ? { joinUrl: e.joinUrl } : null,
            start: e.start,
            end: e.end,
          })),
      ]
        .filter((e) => Date.parse(e.start) < Date.parse(to) && Date.parse(e.end) > Date.parse(from))
        .sort((a, b) => a.start.localeCompare(b.start));
      const top = Math.min(Number(url.searchParams.get('$top') ?? 10), options.pageSize?.events ?? 1000);
      return page(events, url, top, (e) => ({
        ...e,
        start: { dateTime: e.start.replace('Z', ''), timeZone: 'UTC' },
        end: { dateTime: e.end.replace('Z', ''), timeZone: 'UTC' },
      }));
    }

    if (parts[2] !== 'onlineMeetings') return graphError(400, 'BadRequest', `Unsupported segment ${parts[2] ?? ''}.`);
    if (!granted('OnlineMeetings.Read.All'))
      return graphError(403, 'Forbidden', 'Application does not have permission to read online meetings.');
    if (!organiser.hasAccessPolicy) return graphError(403, 'General', 'No application access policy found for this app.');
    if (parts.length === 3) {
      const filter = url.searchParams.get('$filter');
      const match = filter ? /^JoinWebUrl eq '(.*)'$/.exec(filter) : null;
      if (!match) return graphError(400, 'BadRequest', "Filter expression expected - /onlineMeetings?$filter=JoinWebUrl eq 'joinUrl'.");
      const meeting = mine.find((m) => m.joinUrl === match[1]);
      return { status: 200, body: { value: meeting ? [{ id: meeting.id, joinWebUrl: meeting.joinUrl, subject: meeting.subject }] : [] } };
    }
    const meeting = mine.find((m) => m.id === parts[3]);
    if (!meeting) return graphError(404, 'NotFound', 'The online meeting was not found.');
    if (parts[4] !== 'attendanceReports') return graphError(400, 'BadRequest', `Unsupported segment ${parts[4] ?? ''}.`);
    if (!granted('OnlineMeetingArtifact.Read.All'))
      return graphError(403, 'Forbidden', 'Application does not have permission to read meeting artifacts.');
    // Graph keeps only the 50 most recent reports of a meeting.
    const kept = [...meeting.reports].sort((a, b) => b.meetingStartDateTime.localeCompare(a.meetingStartDateTime)).slice(0, 50);
    const presentReport = (r: StandInReport) => ({
      id: r.id,
      meetingStartDateTime: r.meetingStartDateTime,
      meetingEndDateTime: r.meetingEndDateTime,
      totalParticipantCount: r.totalParticipantCount ?? r.records.length,
      attendanceRecords: [] as unknown[],
    });
    const presentRecord = (r: StandInRecord, i: number) => {
      stats.recordsServed++;
      return {
        id: r.id ?? `rec-${i}`,
        emailAddress: r.emailAddress,
        totalAttendanceInSeconds: r.totalAttendanceInSeconds,
        role: r.role,
        identity: r.identity,
        attendanceIntervals: [],
      };
    };
    if (parts.length === 5) return page(kept, url, options.pageSize?.reports ?? 50, presentReport);
    const report = kept.find((r) => r.id === parts[5]);
    if (!report) return graphError(404, 'NotFound', 'The attendance report was not found.');
    if (parts.length === 6) {
      const expand = url.searchParams.get('$expand') === 'attendanceRecords';
      return { status: 200, body: { ...presentReport(report), attendanceRecords: expand ? report.records.map(presentRecord) : [] } };
    }
    if (parts[6] === 'attendanceRecords' && parts.length === 7) {
      let i = 0;
      return page(report.records, url, options.pageSize?.records ?? 100, (r) => presentRecord(r, i++));
    }
    return graphError(400, 'BadRequest', 'Unsupported path.');
  };

  const presentUser = (u: StandInUser) => ({
    '@odata.type': '#microsoft.graph.user',
    id: u.id,
    displayName: u.displayName,
    mail: u.mail,
    userPrincipalName: u.userPrincipalName,
  });

  /** GET /users?$filter=mail eq '..' or userPrincipalName eq '..', and GET /groups/{id}/transitiveMembers. */
  const answerDirectory = (url: URL, parts: string[]): Answer | null => {
    const users = world.directory?.users ?? [];
    if (parts.length === 1 && parts[0] === 'users') {
      if (!granted('User.Read.All'))
        return graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
      const filter = url.searchParams.get('$filter') ?? '';
      const wanted = [...filter.matchAll(/(mail|userPrincipalName) eq '((?:[^']|'')*)'/gi)].map((m) => ({
        field: (m[1] ?? '').toLowerCase(),
        value: (m[2] ?? '').replace(/''/g, "'").toLowerCase(),
      }));
      if (wanted.length === 0) return graphError(400, 'Request_UnsupportedQuery', 'Unsupported or invalid query filter clause specified.');
      const found = users.filter((u) =>
        wanted.some((w) => (w.field === 'mail' ? (u.mail ?? '').toLowerCase() : u.userPrincipalName.toLowerCase()) === w.value),
      );
      return { status: 200, body: { value: found.map(presentUser) } };
    }
    if (parts[0] !== 'groups') return null;
    const group = world.directory?.groups.find((g) => g.id === parts[1]);
    if (!group)
      return graphError(
        404,
        'Request_ResourceNotFound',
        `Resource '${parts[1] ?? ''}' does not exist or one of its queried reference-property objects are not present.`,
      );
    if (group.readable === false || !granted('GroupMember.Read.All'))
      return graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    if (parts[2] !== 'transitiveMembers' || parts.length !== 3) return graphError(400, 'BadRequest', 'Unsupported path.');
    const seen = new Set<string>();
    const flat: unknown[] = [];
    const walk = (g: StandInGroup) => {
      for (const id of g.members) {
        if (seen.has(id)) continue;
        seen.add(id);
        const user = users.find((u) => u.id === id);
        const nested = world.directory?.groups.find((x) => x.id === id);
        if (user) flat.push(presentUser(user));
        else if (nested) {
          flat.push({ '@odata.type': '#microsoft.graph.group', id: nested.id, displayName: `Group ${nested.id}` });
          walk(nested);
        }
      }
    };
    walk(group);
    const top = Math.min(Number(url.searchParams.get('$top') ?? 100), options.pageSize?.members ?? 999);
    return page(flat, url, top, (m) => m);
  };

  const batch = (body: unknown): Answer => {
    const requests = (body as { requests?: Array<{ id?: string; method?: string; url?: string }> } | null)?.requests;
    if (!Array.isArray(requests) || requests.length === 0) return graphError(400, 'BadRequest', 'Invalid batch payload format.');
    if (requests.length > 20) return graphError(400, 'BadRequest', 'The number of batch requests exceeds the maximum of 20.');
    const ids = requests.map((r) => r.id);
    if (new Set(ids).size !== ids.length || ids.some((id) => !id))
      return graphError(400, 'BadRequest', 'Batch request ids must be present and unique.');
    stats.batchItems += requests.length;
    // Graph answers a batch in any order: reversed here so the client must match by id.
    const responses = requests.map((r) => ({ id: r.id, ...answer(r.method ?? 'GET', r.url ?? '', 'batch') })).reverse();
    return { status: 200, body: { responses } };
  };

  const token = async (form: URLSearchParams): Promise<Answer> => {
    if (form.get('client_id') !== world.clientId)
      return {
        status: 400,
        body: {
          error: 'unauthorized_client',
          error_description: `AADSTS700016: Application with identifier '${form.get('client_id')}' was not found in the directory '${world.tenantId}'.`,
        },
      };
    const assertion = form.get('client_assertion');
    let valid = form.get('client_secret') === world.clientSecret;
    if (assertion && world.clientCertificate) {
      try {
        await jwtVerify(assertion, createPublicKey(world.clientCertificate), {
          audience: `${base}/${world.tenantId}/oauth2/v2.0/token`,
          issuer: world.clientId,
          subject: world.clientId,
          clockTolerance: 300,
        });
        valid = true;
      } catch {
        valid = false;
      }
    }
    if (!valid)
      return {
        status: 401,
        body: {
          error: 'invalid_client',
          error_description:
            'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
          error_codes: [7000215],
        },
      };
    const accessToken = `standin-token-${++stats.tokensIssued}`;
    tokens.add(accessToken);
    return { status: 200, body: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: accessToken } };
  };

  const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const url = new URL(req.url ?? '/', base);
        if (playNetworkFault(options.networkFaults, faultTarget(url.pathname, url.search, raw), req, res)) return;
        let reply: Answer;
        if (url.pathname === `/${world.tenantId}/v2.0/.well-known/openid-configuration`) {
          const t = `${base}/${world.tenantId}`;
          reply = {
            status: 200,
            body: {
              token_endpoint: `${t}/oauth2/v2.0/token`,
              authorization_endpoint: `${t}/oauth2/v2.0/authorize`,
              issuer: `${t}/v2.0`,
              jwks_uri: `${t}/discovery/v2.0/keys`,
              response_types_supported: ['code', 'token'],
              subject_types_supported: ['pairwise'],
              id_token_signing_alg_values_supported: ['RS256'],
            },
          };
        } else if (url.pathname === `/${world.tenantId}/oauth2/v2.0/token` && req.method === 'POST') {
          reply = await token(new URLSearchParams(raw));
        } else if (url.pathname.startsWith('/v1.0/')) {
          stats.graphRequests++;
          const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
          const path = `${url.pathname.slice('/v1.0'.length)}${url.search}`;
          if (!bearer || !tokens.has(bearer)) reply = graphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
          else if (url.pathname === '/v1.0/$batch' && req.method === 'POST') {
            stats.batchEnvelopes++;
            const fault = options.faults?.find((f) => f.times > 0 && f.pathIncludes === '$batch' && f.where !== 'batch');
            if (fault) {
              fault.times--;
              stats.throttled++;
              reply = graphError(
                fault.status,
                'TooManyRequests',
                'Too many requests.',
                fault.retryAfter ? { 'Retry-After': fault.retryAfter } : undefined,
              );
            } else if ((options.throttleRate ?? 0) > 0 && random() < (options.throttleRate ?? 0)) {
              stats.throttled++;
              reply = graphError(429, 'TooManyRequests', 'Too many requests.', { 'Retry-After': String(options.retryAfterSeconds ?? 1) });
            } else {
              let parsed: unknown = null;
              try {
                parsed = JSON.parse(raw);
              } catch {
                parsed = null;
              }
              reply = batch(parsed);
            }
          } else reply = answer(req.method ?? 'GET', path, 'direct');
        } else {
          reply = { status: 404, body: { error: 'not_found' } };
        }
        res.writeHead(reply.status, { 'content-type': 'application/json', ...(reply.headers ?? {}) });
        res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl: base,
    authorityHost: base,
    ca: tls.cert,
    world,
    options,
    stats,
    resetStats() {
      Object.assign(stats, {
        graphRequests: 0,
        batchEnvelopes: 0,
        batchItems: 0,
        throttled: 0,
        recordsServed: 0,
        paths: [],
      });
      random = seeded(options.throttleSeed ?? 1);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
