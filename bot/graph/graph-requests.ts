import { GraphError, type Client } from '@microsoft/microsoft-graph-client';
import { AppError } from '../errors';
import type { GraphConfig } from '../config';
import { GRAPH_VERSION, signedIn } from './graph-client';
import { REAL_TIMERS, type Timers } from '../clock';

/** Graph's limit on the requests in one JSON $batch. */
export const BATCH_LIMIT = 20;
const RETRYABLE = new Set([429, 503, 504]);
/** A list longer than this many pages is treated as a broken next link rather than followed forever. */
const MAX_PAGES = 10_000;

export interface GraphFailure {
  status: number;
  code: string;
  message: string;
  url: string;
}

export type GraphResult<T> = { ok: true; body: T } | { ok: false; failure: GraphFailure };
export type GraphListResult<T> = { ok: true; items: T[] } | { ok: false; failure: GraphFailure };

export interface RetryPolicy {
  /** Attempts per request, the first included. */
  maxAttempts: number;
  /** Backoff base when Graph gives no Retry-After: base, 2 x base, 4 x base... */
  baseDelayMs: number;
  /** No single wait is longer than this (the SDK's own cap is 180 s). */
  maxDelayMs: number;
  /**
   * The longest one attempt may take, sign-in, headers and whole body included (undici's own limit is
   * 300 s per phase). A slower attempt is abandoned and retried like a dropped connection.
   */
  requestTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 2_000, maxDelayMs: 180_000, requestTimeoutMs: 60_000 };

/** The default policy with the configured per-request timeout (GRAPH_REQUEST_TIMEOUT_SECONDS). */
export const graphRetryPolicy = (graph: Pick<GraphConfig, 'requestTimeoutSeconds'>): RetryPolicy => ({
  ...DEFAULT_RETRY_POLICY,
  requestTimeoutMs: graph.requestTimeoutSeconds * 1000,
});

export interface GraphRequestStats {
  /** HTTP requests sent to Graph, retries and $batch envelopes included. */
  httpRequests: number;
  /** Requests that travelled inside a $batch. */
  batchedRequests: number;
  /** Responses (whole or inside a batch) that asked us to slow down: 429, 503 or 504. */
  throttled: number;
  /** Attempts that got no whole answer: timed out, refused, or the connection dropped part-way. */
  unanswered: number;
}

/**
 * How long to wait before retrying: Graph's Retry-After (seconds or an HTTP date) when given,
 * otherwise exponential backoff; plus up to 20% (at least 100 ms) of jitter so that clients told the
 * same Retry-After do not all come back in the same instant.
 */
export function retryDelayMs(
  retryAfter: string | null | undefined,
  attempt: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  now: number,
  random: () => number,
): number {
  let base = policy.baseDelayMs * 2 ** Math.max(0, attempt - 1);
  if (retryAfter != null && retryAfter.trim() !== '') {
    const seconds = Number(retryAfter);
    const date = Date.parse(retryAfter);
    if (Number.isFinite(seconds)) base = Math.max(0, seconds * 1000);
    else if (Number.isFinite(date)) base = Math.max(0, date - now);
  }
  return Math.min(base + random() * Math.max(100, base * 0.2), policy.maxDelayMs);
}

function headerValue(headers: unknown, name: string): string | null {
  if (!headers) return null;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name);
  const entry = Object.entries(headers as Record<string, string>).find(([k]) => k.toLowerCase() === name.toLowerCase());
  return entry ? String(entry[1]) : null;
}

interface Pending {
  index: number;
  url: string;
  attempt: number;
}

interface BatchItemResponse {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * Reads from Graph the way the collector needs: single GETs, many GETs as JSON $batch of 20, and
 * whole lists by following every @odata.nextLink. Throttling (429/503/504) is retried here, also for
 * single items inside a batch, which the SDK never retries. Per-request failures come back as values
 * so one bad meeting or organiser does not stop the others; failures that concern the whole run
 * (sign-in refused, Graph unreachable) are thrown.
 */
export class GraphRequester {
  readonly stats: GraphRequestStats = { httpRequests: 0, batchedRequests: 0, throttled: 0, unanswered: 0 };
  private readonly versionRoot: string;

  constructor(
    private readonly client: Client,
    baseUrl: string,
    private readonly policy: RetryPolicy = DEFAULT_RETRY_POLICY,
    private readonly timers: Timers = REAL_TIMERS,
  ) {
    this.versionRoot = `${baseUrl.replace(/\/+$/, '')}/${GRAPH_VERSION}`;
  }

  /** One GET (a path under the version root, or an absolute next link), retried while throttled or unanswered. */
  get<T>(url: string): Promise<GraphResult<T>> {
    return this.send<T>('GET', url);
  }

  /** Many GETs, 20 to a $batch; results come back in the order of `urls`. */
  async getMany<T>(urls: readonly string[]): Promise<Array<GraphResult<T>>> {
    const results: Array<GraphResult<T> | undefined> = new Array(urls.length);
    let pending: Pending[] = [];
    for (const [index, url] of urls.entries()) {
      const relative = this.relativeUrl(url);
      // A next link on another host cannot travel in our $batch: fetch it on its own.
      if (relative === null) results[index] = await this.get<T>(url);
      else pending.push({ index, url: relative, attempt: 1 });
    }
    while (pending.length > 0) {
      const again: Array<Pending & { retryAfter: string | null }> = [];
      for (let i = 0; i < pending.length; i += BATCH_LIMIT) {
        const group = pending.slice(i, i + BATCH_LIMIT);
        if (group.length === 1 && group[0]) {
          results[group[0].index] = await this.get<T>(group[0].url);
          continue;
        }
        for (const item of await this.sendBatch(group)) {
          if (item.retry) again.push({ ...item.pending, attempt: item.pending.attempt + 1, retryAfter: item.retryAfter });
          else results[item.pending.index] = item.result as GraphResult<T>;
        }
      }
      if (again.length > 0) {
        const now = this.timers.clockMs();
        await this.timers.sleep(
          Math.max(...again.map((p) => retryDelayMs(p.retryAfter, p.attempt - 1, this.policy, now, this.timers.random))),
        );
      }
      pending = again.map(({ retryAfter: _retryAfter, ...p }) => p);
    }
    return results.map(
      (r, i) =>
        r ?? {
          ok: false,
          failure: { status: 0, code: 'no_response', message: 'Graph gave no response for this request.', url: urls[i] ?? '' },
        },
    );
  }

  /** Whole lists: the first page of each, then every @odata.nextLink, batched across the lists. */
  async getAllPages<T>(urls: readonly string[]): Promise<Array<GraphListResult<T>>> {
    const out: Array<GraphListResult<T>> = urls.map(() => ({ ok: true, items: [] }));
    let cursor = urls.map((url, index) => ({ index, url, pages: 0 }));
    while (cursor.length > 0) {
      const pages = await this.getMany<{ value?: T[]; '@odata.nextLink'?: string }>(cursor.map((c) => c.url));
      const next: typeof cursor = [];
      for (const [k, page] of pages.entries()) {
        const c = cursor[k];
        const list = c && out[c.index];
        if (!c || !list || !list.ok) continue;
        if (!page.ok) {
          out[c.index] = { ok: false, failure: page.failure };
          continue;
        }
        list.items.push(...(page.body.value ?? []));
        const link = page.body['@odata.nextLink'];
        if (link && c.pages + 1 >= MAX_PAGES)
          out[c.index] = {
            ok: false,
            failure: {
              status: 0,
              code: 'too_many_pages',
              message: `Stopped after ${MAX_PAGES} pages: the next links never end.`,
              url: urls[c.index] ?? '',
            },
          };
        else if (link) next.push({ index: c.index, url: link, pages: c.pages + 1 });
      }
      cursor = next;
    }
    return out;
  }

  private async sendBatch(
    group: Pending[],
  ): Promise<Array<{ pending: Pending; retry: boolean; retryAfter: string | null; result?: GraphResult<unknown> }>> {
    const body = { requests: group.map((p, k) => ({ id: String(k + 1), method: 'GET', url: p.url })) };
    this.stats.batchedRequests += group.length;
    const envelope = await this.post<{ responses?: BatchItemResponse[] }>('/$batch', body);
    if (!envelope.ok)
      return group.map((pending) => ({
        pending,
        retry: false,
        retryAfter: null,
        result: { ok: false, failure: { ...envelope.failure, url: pending.url } },
      }));
    const byId = new Map((envelope.body.responses ?? []).map((r) => [String(r.id), r]));
    return group.map((pending, k) => {
      const response = byId.get(String(k + 1));
      if (!response)
        return {
          pending,
          retry: false,
          retryAfter: null,
          result: {
            ok: false,
            failure: { status: 0, code: 'no_response', message: 'The $batch response left this request out.', url: pending.url },
          },
        };
      if (response.status >= 200 && response.status < 300)
        return { pending, retry: false, retryAfter: null, result: { ok: true, body: response.body } };
      if (RETRYABLE.has(response.status)) this.stats.throttled++;
      const retryAfter = headerValue(response.headers, 'retry-after');
      if (RETRYABLE.has(response.status) && pending.attempt < this.policy.maxAttempts) return { pending, retry: true, retryAfter };
      const error = (response.body as { error?: { code?: string; message?: string } } | undefined)?.error;
      return {
        pending,
        retry: false,
        retryAfter,
        result: {
          ok: false,
          failure: {
            status: response.status,
            code: error?.code ?? '',
            message: error?.message ?? `HTTP ${response.status}`,
            url: pending.url,
          },
        },
      };
    });
  }

  private post<T>(url: string, body: unknown): Promise<GraphResult<T>> {
    return this.send<T>('POST', url, body);
  }

  /**
   * One request with its retries: throttling (429/503/504) and attempts that got no whole answer
   * (timed out, refused, dropped) wait the same bounded backoff. Throttling that outlasts the attempts
   * comes back as a failure of this request; no answer at all is thrown, as it concerns the whole run.
   */
  private async send<T>(method: 'GET' | 'POST', url: string, body?: unknown): Promise<GraphResult<T>> {
    for (let attempt = 1; ; attempt++) {
      this.stats.httpRequests++;
      let error: unknown;
      try {
        return { ok: true, body: await this.attempt<T>(method, url, body) };
      } catch (caught) {
        error = caught;
      }
      const failure = this.toFailure(error, url);
      if (failure) {
        if (RETRYABLE.has(failure.status)) this.stats.throttled++;
        if (!RETRYABLE.has(failure.status) || attempt >= this.policy.maxAttempts) return { ok: false, failure };
        await this.wait(headerValue((error as GraphError).headers, 'retry-after'), attempt);
      } else {
        this.stats.unanswered++;
        if (attempt >= this.policy.maxAttempts) throw this.unanswered(error, method, url, attempt);
        await this.wait(null, attempt);
      }
    }
  }

  /** One attempt, abandoned (its connection aborted) once it has taken longer than the policy allows. */
  private async attempt<T>(method: 'GET' | 'POST', url: string, body: unknown): Promise<T> {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const timedOut = new RequestTimedOut(signedIn(abort.signal) ? 'graph' : 'sign-in');
        reject(timedOut);
        abort.abort(timedOut);
      }, this.policy.requestTimeoutMs);
    });
    // The signal ends the fetch (headers and body); the race also ends a wait the signal does not reach, such as sign-in.
    const request = this.client.api(url).option('signal', abort.signal);
    try {
      return (await Promise.race([method === 'GET' ? request.get() : request.post(body), deadline])) as T;
    } finally {
      clearTimeout(timer);
    }
  }

  private wait(retryAfter: string | null, attempt: number): Promise<void> {
    return this.timers.sleep(retryDelayMs(retryAfter, attempt, this.policy, this.timers.clockMs(), this.timers.random));
  }

  /** A path relative to the version root, as $batch wants it; null for a URL on another host. */
  private relativeUrl(url: string): string | null {
    if (url.startsWith('/')) return url;
    return url.startsWith(`${this.versionRoot}/`) ? url.slice(this.versionRoot.length) : null;
  }

  /** An HTTP answer as a failure value; null when there was no whole answer. A refused sign-in is thrown. */
  private toFailure(error: unknown, url: string): GraphFailure | null {
    if (error instanceof RequestTimedOut) return null;
    // A status of 2xx on an error means the answer began and its body then broke off (reset, or aborted).
    if (error instanceof GraphError && error.statusCode > 0 && (error.statusCode < 200 || error.statusCode > 299))
      return { status: error.statusCode, code: error.code ?? '', message: error.message, url };
    const name = error instanceof GraphError ? (error.code ?? '') : error instanceof Error ? error.name : '';
    const message = error instanceof Error ? error.message : String(error);
    if (/Authentication|Credential/i.test(name)) throw new AppError(502, 'graph_sign_in_failed', message, { cause: name });
    return null;
  }

  /** The run-ending error once every attempt went unanswered, saying what happened in words. */
  private unanswered(error: unknown, method: string, url: string, attempts: number): AppError {
    const request = `${method} ${url.startsWith(this.versionRoot) ? url.slice(this.versionRoot.length) : url}`;
    if (error instanceof RequestTimedOut) {
      const seconds = this.policy.requestTimeoutMs / 1000;
      const what =
        error.stage === 'sign-in'
          ? `Signing in to Microsoft Graph (the token endpoint) did not finish within ${seconds} s (${attempts} attempts) before ${request}.`
          : `Microsoft Graph did not answer within ${seconds} s (${attempts} attempts) for ${request}.`;
      return new AppError(502, 'graph_timeout', what, { cause: 'timeout', stage: error.stage });
    }
    // The SDK keeps an error from another realm (fetch's, under jest) as the body of an empty GraphError.
    const original = error instanceof GraphError && !error.message ? (error.body as unknown) : error;
    const message = messageOf(original);
    const name = error instanceof GraphError ? (error.code ?? '') : error instanceof Error ? error.name : '';
    return new AppError(
      502,
      'graph_unreachable',
      `Microsoft Graph could not be reached (${attempts} attempts) for ${request}: ${describeTransport(message)}.`,
      { cause: name },
    );
  }
}

/** Our own deadline for one attempt, told apart from everything the SDK or fetch may throw. */
class RequestTimedOut extends Error {
  constructor(readonly stage: 'sign-in' | 'graph') {
    super('The request took longer than allowed.');
    this.name = 'RequestTimedOut';
  }
}

function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message !== '' ? message : String(error);
}

/** Node's terse transport errors, said plainly; the original kept in brackets for searching logs. */
function describeTransport(message: string): string {
  if (/ECONNREFUSED/.test(message)) return `the connection was refused (${message})`;
  if (/terminated|other side closed|socket hang up|ECONNRESET|EPIPE/i.test(message))
    return `the connection was closed before the answer was complete (${message})`;
  if (/ENOTFOUND|EAI_AGAIN/.test(message)) return `the host name could not be resolved (${message})`;
  return message;
}
