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
 * Reads a JSON request body, at most `maxBytes` of it: a declared length over the limit is refused
 * before a byte is read, and an undeclared one as soon as the bytes received pass it. Routes call this
 * only after sign-in, so nobody unknown can make the service hold a body in memory.
 */
export async function readJsonBody(req: Request, maxBytes = MAX_JSON_BODY_BYTES): Promise<unknown> {
  assertIdentityEncoding(req);
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const chunks = await new Promise<Buffer[]>((resolve, reject) => {
    const held: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received <= maxBytes) return void held.push(chunk);
      // Stop holding and let the rest drain unread, so the 413 still reaches the caller.
      req.off('data', onData);
      held.length = 0;
      req.resume();
      reject(tooLarge(maxBytes));
    };
    req.on('data', onData);
    req.once('end', () => resolve(held));
    req.once('error', reject);
    req.once('close', () => reject(badRequest('The request body was cut off before it ended.')));
  });
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
