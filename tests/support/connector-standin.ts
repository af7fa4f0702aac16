import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

/** What the stand-in accepted: one entry per successful POST or PUT. */
export interface ReceivedActivity {
  method: 'POST' | 'PUT';
  conversationId: string;
  activityId: string;
  at: number;
  body: { type?: string; text?: string; attachments?: Array<{ contentType: string; content: unknown }> };
}

export interface ScriptedFailure {
  status: number;
  /** Only for the requests this accepts (e.g. replies to one incoming activity, or all but those); any request when unset. */
  when?: (request: { method: string; replyToId?: string }) => boolean;
  retryAfterSeconds?: number;
  body?: unknown;
}

/** Requests the stand-in keeps waiting before it answers, as a slow connector does. */
export interface HeldRequests {
  /** Only requests this accepts are held; any request to the conversation when unset. */
  when?: (request: { method: string; replyToId?: string }) => boolean;
  /** Answered (as usual) after this long; held until `releaseHeld()` when unset. */
  ms?: number;
}

export interface ConnectorStandIn {
  serviceUrl: string;
  received: ReceivedActivity[];
  /** Every request, including refused ones, with its answer; `replyToId` for a POST naming the activity it answers. */
  requests: Array<{ method: string; conversationId: string; status: number; at: number; replyToId?: string }>;
  /** The next `count` requests to a conversation (or any, with '*') get this answer. */
  failNext(conversationId: string, count: number, failure: ScriptedFailure): void;
  /**
   * Keeps the next `count` requests to a conversation waiting before they are answered. A request whose
   * sender goes away meanwhile (killed) is dropped unanswered and never accepted (status 0 in `requests`).
   */
  holdNext(conversationId: string, count: number, hold?: HeldRequests): void;
  /** How many requests are being held now. */
  held(): number;
  /** Answers every request held now (as usual) and stops holding. */
  releaseHeld(): void;
  /** Answers every write to the conversation with 403 MessageWritesBlocked, as Teams does after a block or uninstall. */
  block(conversationId: string): void;
  close(): Promise<void>;
}

/** Teams' documented limits the stand-in enforces with 429s: per conversation and per tenant. */
export interface StandInLimits {
  perConversation: Array<{ count: number; windowMs: number }>;
  perTenantPerSecond: number;
}

export const TEAMS_LIMITS: StandInLimits = {
  perConversation: [
    { count: 7, windowMs: 1000 },
    { count: 8, windowMs: 2000 },
    { count: 60, windowMs: 30_000 },
  ],
  perTenantPerSecond: 50,
};

export const BLOCKED_BODY = {
  error: {
    code: 'Forbidden',
    message: 'The bot is not permitted to send messages to this conversation.',
    innerHttpError: {
      statusCode: 403,
      body: { errorCode: 209, message: '{"subCode":"MessageWritesBlocked","message":"Thread is blocked from message writes"}' },
    },
  },
};

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (data += chunk));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

/**
 * A local Bot Connector that answers as the Teams service does: 201 with an id for a new activity,
 * 200 for an update, 429 with Retry-After past the rate limits, scripted 412 / 5xx, and 403
 * MessageWritesBlocked for a blocked chat. The sender under test is the production code.
 */
export async function startConnectorStandIn(limits: StandInLimits | null = TEAMS_LIMITS): Promise<ConnectorStandIn> {
  const received: ReceivedActivity[] = [];
  const requests: ConnectorStandIn['requests'] = [];
  const scripted = new Map<string, ScriptedFailure[]>();
  const blocked = new Set<string>();
  const perConversation = new Map<string, number[]>();
  const tenant: number[] = [];
  const holds = new Map<string, HeldRequests[]>();
  const waiting = new Set<() => void>();
  // Faults a remote test sets through /_standin/faults and /_standin/outage (the stand-in runs in its own process).
  let faults = { rate429: 0, rate503: 0 };
  let downUntil = 0;

  const overLimit = (conversationId: string, now: number): boolean => {
    if (!limits) return false;
    while (tenant.length > 0 && (tenant[0] ?? 0) <= now - 1000) tenant.shift();
    if (tenant.length >= limits.perTenantPerSecond) return true;
    const times = perConversation.get(conversationId) ?? [];
    const longest = Math.max(...limits.perConversation.map((l) => l.windowMs));
    while (times.length > 0 && (times[0] ?? 0) <= now - longest) times.shift();
    perConversation.set(conversationId, times);
    return limits.perConversation.some((l) => times.filter((t) => t > now - l.windowMs).length >= l.count);
  };

  const answer = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const now = Date.now();
      const url = new URL(req.url ?? '/', 'http://localhost');
      const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      // For a stand-in running in its own process (the benchmark): what it accepted and refused.
      if (req.method === 'GET' && url.pathname === '/_standin/log') return answer(res, 200, { received, requests });
      if (req.method === 'POST' && url.pathname === '/_standin/faults') {
        const body = JSON.parse(raw || '{}') as { rate429?: number; rate503?: number };
        faults = { rate429: body.rate429 ?? 0, rate503: body.rate503 ?? 0 };
        return answer(res, 200, faults);
      }
      if (req.method === 'POST' && url.pathname === '/_standin/outage') {
        downUntil = now + Number((JSON.parse(raw || '{}') as { ms?: number }).ms ?? 0);
        return answer(res, 200, { downUntil });
      }
      // Down: the connection drops with no answer, as when the service cannot be reached.
      if (now < downUntil) {
        requests.push({ method: req.method ?? '', conversationId: parts[2] ?? '', status: 0, at: now });
        return req.socket.destroy();
      }
      // /v3/conversations/{id}/activities[/{activityId}]
      if (parts[0] !== 'v3' || parts[1] !== 'conversations')
        return answer(res, 404, { error: { code: 'NotFound', message: 'unknown path' } });
      if (parts.length === 2 && req.method === 'POST') {
        const id = `a:${randomUUID()}`;
        return answer(res, 201, { id });
      }
      const conversationId = parts[2] ?? '';
      const replyToId = req.method === 'POST' && parts[3] === 'activities' ? parts[4] : undefined;
      const request = { method: req.method ?? '', ...(replyToId ? { replyToId } : {}) };
      const holdQueue = holds.get(conversationId);
      const holdAt = holdQueue?.findIndex((h) => h.when === undefined || h.when(request)) ?? -1;
      const hold = holdQueue && holdAt >= 0 ? holdQueue.splice(holdAt, 1)[0] : undefined;
      if (hold) {
        let release = () => {};
        const released = new Promise<void>((resolve) => (release = resolve));
        waiting.add(release);
        const timer = hold.ms !== undefined ? setTimeout(release, hold.ms) : undefined;
        // The sender went away (its process was killed) before an answer: nothing was accepted.
        res.once('close', () => !res.writableEnded && release());
        await released;
        waiting.delete(release);
        clearTimeout(timer);
        if (res.destroyed || req.socket.destroyed) {
          requests.push({ method: req.method ?? '', conversationId, status: 0, at: Date.now(), ...(replyToId ? { replyToId } : {}) });
          return;
        }
      }
      const at = hold ? Date.now() : now;
      const record = (status: number) =>
        requests.push({ method: req.method ?? '', conversationId, status, at, ...(replyToId ? { replyToId } : {}) });
      const queue = scripted.get(conversationId)?.length ? scripted.get(conversationId) : scripted.get('*');
      const failAt = queue?.findIndex((f) => f.when === undefined || f.when(request)) ?? -1;
      const failure = queue && failAt >= 0 ? queue.splice(failAt, 1)[0] : undefined;
      if (failure) {
        record(failure.status);
        return answer(
          res,
          failure.status,
          failure.body ?? { error: { code: 'ServiceError', message: `scripted ${failure.status}` } },
          failure.retryAfterSeconds !== undefined ? { 'retry-after': String(failure.retryAfterSeconds) } : {},
        );
      }
      const dice = Math.random();
      if (req.method === 'POST' && dice < faults.rate429 + faults.rate503) {
        const status = dice < faults.rate429 ? 429 : 503;
        record(status);
        return answer(
          res,
          status,
          { error: { code: status === 429 ? 'Throttled' : 'ServiceUnavailable', message: `injected ${status}` } },
          status === 429 ? { 'retry-after': '1' } : {},
        );
      }
      if (blocked.has(conversationId)) {
        record(403);
        return answer(res, 403, BLOCKED_BODY);
      }
      if (overLimit(conversationId, at)) {
        record(429);
        return answer(res, 429, { error: { code: 'Throttled', message: 'Too many requests' } }, { 'retry-after': '1' });
      }
      tenant.push(at);
      perConversation.set(conversationId, [...(perConversation.get(conversationId) ?? []), at]);
      const body = (raw ? JSON.parse(raw) : {}) as ReceivedActivity['body'];
      if (req.method === 'POST' && parts[3] === 'activities') {
        const activityId = randomUUID();
        received.push({ method: 'POST', conversationId, activityId, at, body });
        record(201);
        return answer(res, 201, { id: activityId });
      }
      if (req.method === 'PUT' && parts[3] === 'activities' && parts[4]) {
        received.push({ method: 'PUT', conversationId, activityId: parts[4], at, body });
        record(200);
        return answer(res, 200, { id: parts[4] });
      }
      record(405);
      return answer(res, 405, { error: { code: 'MethodNotAllowed', message: 'not supported by the stand-in' } });
    })().catch((error: unknown) => answer(res, 500, { error: { code: 'StandInError', message: String(error) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    serviceUrl: `http://127.0.0.1:${port}/`,
    received,
    requests,
    failNext(conversationId, count, failure) {
      const queue = scripted.get(conversationId) ?? [];
      for (let i = 0; i < count; i++) queue.push(failure);
      scripted.set(conversationId, queue);
    },
    holdNext(conversationId, count, hold = {}) {
      const queue = holds.get(conversationId) ?? [];
      for (let i = 0; i < count; i++) queue.push(hold);
      holds.set(conversationId, queue);
    },
    held: () => waiting.size,
    releaseHeld() {
      holds.clear();
      for (const release of [...waiting]) release();
    },
    block(conversationId) {
      blocked.add(conversationId);
    },
    close() {
      for (const release of [...waiting]) release();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
