import type { Request } from 'restify';
import { AppError, badRequest } from '../errors';

/** The largest JSON body any route takes (a settings change, a case action, a bot activity). */
export const MAX_JSON_BODY_BYTES = 1_048_576;

const tooLarge = (limit: number) =>
  new AppError(413, 'body_too_large', `The request body is larger than ${Math.round(limit / 1024)} KB, the most this service accepts.`);

/**
 * Refuses a compressed body. No client of ours compresses what it sends, and inflating one is how a
 * small request becomes gigabytes in memory, so a body must arrive as the bytes it means.
 */
export function assertIdentityEncoding(req: Request): void {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== '')
    throw new AppError(415, 'unsupported_encoding', 'Send the request body uncompressed (no Content-Encoding).');
}

/**
 * Bytes of request bodies held before anyone is known, across all requests at once. The Bot Framework
 * endpoint must read an activity before its token can be checked against it, so without a shared
 * ceiling anyone could hold a megabyte per socket for as long as Node lets a request last (five
 * minutes): 500 sockets held half a gigabyte. Made once per server (app.ts), never per module.
 */
export interface BodyBudget {
  /** A share of the budget for one request: it takes as the body arrives, and gives all back on release. */
  lease(): BodyLease;
  held(): number;
}

export interface BodyLease {
  /** Takes `bytes`, or returns false (taking nothing) when they would pass the budget's ceiling. */
  take(bytes: number): boolean;
  /** Gives back everything taken; again is harmless. */
  release(): void;
}

export function createBodyBudget(maxBytes: number): BodyBudget {
  let held = 0;
  return {
    lease() {
      let taken = 0;
      return {
        take(bytes) {
          if (held + bytes > maxBytes) return false;
          held += bytes;
          taken += bytes;
          return true;
        },
        release() {
          held -= taken;
          taken = 0;
        },
      };
    },
    held: () => held,
  };
}

export interface BodyReadOptions {
  /** The most one body may hold (default MAX_JSON_BODY_BYTES). */
  maxBytes?: number;
  /** This request's share of a budget shared with every other unsigned request; a body that would pass it is refused (503) unread. The caller releases it. */
  lease?: Pick<BodyLease, 'take'>;
  /** The whole body must have arrived this long after reading starts, or it is refused (408). */
  deadlineMs?: number;
}

const busy = () => new AppError(503, 'busy', 'The service is receiving more than it can hold just now. Please send this again shortly.');
const tooSlow = () => new AppError(408, 'body_too_slow', 'The request body did not arrive in time; send it again in one go.');

/**
 * Reads a JSON request body, at most `maxBytes` of it: a declared length over the limit is refused
 * before a byte is read, and an undeclared one as soon as the bytes received pass it. Routes call this
 * only after sign-in, so nobody unknown can make the service hold a body in memory; the one exception,
 * the Bot Framework endpoint, passes a lease on a shared budget and a deadline.
 */
export async function readJsonBody(req: Request, options: BodyReadOptions = {}): Promise<unknown> {
  const { maxBytes = MAX_JSON_BODY_BYTES, lease, deadlineMs } = options;
  assertIdentityEncoding(req);
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  let timer: NodeJS.Timeout | undefined;
  const chunks = await new Promise<Buffer[]>((resolve, reject) => {
    const held: Buffer[] = [];
    let received = 0;
    // Stop holding and let the rest drain unread, so the refusal still reaches the caller.
    const refuse = (error: AppError) => {
      req.off('data', onData);
      held.length = 0;
      req.resume();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) return refuse(tooLarge(maxBytes));
      if (lease && !lease.take(chunk.length)) return refuse(busy());
      held.push(chunk);
    };
    if (deadlineMs !== undefined) timer = setTimeout(() => refuse(tooSlow()), deadlineMs);
    req.on('data', onData);
    req.once('end', () => resolve(held));
    req.once('error', reject);
    req.once('close', () => reject(badRequest('The request body was cut off before it ended.')));
  }).finally(() => clearTimeout(timer));
  const received = chunks.reduce((n, c) => n + c.length, 0);
  if (received === 0) return undefined;
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (!type.startsWith('application/json')) throw new AppError(415, 'unsupported_media_type', 'Send the request body as application/json.');
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw badRequest('The request body is not valid JSON.');
  }
}
