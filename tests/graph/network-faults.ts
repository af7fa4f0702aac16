import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Faults a real network produces, below HTTP: the Graph stand-in plays them on the connection of a
 * matching request, `times` times, then answers normally again.
 * - hang: the request is accepted and never answered (no status, no headers);
 * - stall: 200 and the start of the body are sent, then nothing more;
 * - reset: 200 and the start of the body, then the connection is torn down (a TCP reset);
 * - drop: the connection is torn down before anything is answered.
 */
export interface NetworkFault {
  kind: 'hang' | 'stall' | 'reset' | 'drop';
  /**
   * Matched against the path and query of a Graph request under /v1.0, or of any request inside a
   * $batch envelope (the fault then hits the envelope); or against the path of any other request,
   * such as the token endpoint's /oauth2/v2.0/token.
   */
  pathIncludes: string;
  /** How many matching requests the fault hits; then it is spent. */
  times: number;
  /** Counted by the stand-in: hung or stalled connections the client gave up on and closed. */
  abandoned?: number;
}

/** What a request is matched on: its own path, and for a $batch every path it carries. */
export function faultTarget(pathname: string, search: string, rawBody: string): string {
  if (!pathname.startsWith('/v1.0/')) return pathname;
  const path = `${pathname.slice('/v1.0'.length)}${search}`;
  if (path !== '/$batch') return path;
  try {
    const requests = (JSON.parse(rawBody) as { requests?: Array<{ url?: string }> }).requests ?? [];
    return [path, ...requests.map((r) => r.url ?? '')].join('\n');
  } catch {
    return path;
  }
}

/** Plays the first unspent matching fault on this request; false when none applies (answer normally). */
export function playNetworkFault(faults: NetworkFault[] | undefined, target: string, req: IncomingMessage, res: ServerResponse): boolean {
  const fault = faults?.find((f) => f.times > 0 && target.includes(f.pathIncludes));
  if (!fault) return false;
  fault.times--;
  if (fault.kind === 'hang' || fault.kind === 'stall') req.socket.once('close', () => (fault.abandoned = (fault.abandoned ?? 0) + 1));
  if (fault.kind === 'hang') return true;
  if (fault.kind === 'drop') {
    reset(req.socket);
    return true;
  }
  // Enough of a real answer that fetch resolves with a 200 and the failure comes while reading the body.
  res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
  res.write('{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata","value":[');
  if (fault.kind === 'reset') setTimeout(() => reset(req.socket), 20);
  return true;
}

/** A TCP reset under the TLS layer when Node allows it, else an abrupt close. */
function reset(socket: Socket): void {
  const raw = (socket as Socket & { _parent?: Socket | null })._parent;
  if (raw && typeof raw.resetAndDestroy === 'function') raw.resetAndDestroy();
  else socket.destroy();
}
