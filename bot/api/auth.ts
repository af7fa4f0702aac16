import type { Request } from 'restify';
import type { Config } from '../config';
import type { Db } from '../store/database';
import { findStaff, findStaffByEntraId, type Staff } from '../store/staff.repository';
import { forbidden, unauthenticated } from '../errors';
import type { TeamsTokenValidator } from './teams-token';

export interface AuthDeps {
  db: Db;
  config: Config;
  validateTeamsToken: TeamsTokenValidator;
  /** Remembers who is who for a moment (see createStaffCache); without it every request looks staff up. */
  staffCache?: StaffCache;
}

export interface StaffCache {
  /** The staff member under `key`, loaded at most once per `ttlMs`; an unknown key is never remembered. */
  get(key: string, load: () => Promise<Staff | undefined>): Promise<Staff | undefined>;
  /** Forgets everyone, e.g. after a roster change made through this process. */
  clear(): void;
}

/**
 * Every API request resolves its viewer, and on the busiest endpoint that lookup (two queries) cost
 * as much as the rest of the request. Entries live `ttlMs` (default 2 s): a change to a member of
 * staff made elsewhere (a role removed, a department changed) applies to their requests at most that
 * much later. Made once per app by the routes; never a module-level instance.
 */
export function createStaffCache(opts: { ttlMs?: number; clock?: () => number; maxEntries?: number } = {}): StaffCache {
  const ttlMs = opts.ttlMs ?? 2000;
  const clock = opts.clock ?? (() => performance.now());
  const maxEntries = opts.maxEntries ?? 10_000;
  const held = new Map<string, { staff: Staff; at: number }>();
  return {
    async get(key, load) {
      const hit = held.get(key);
      if (hit && clock() - hit.at < ttlMs) return hit.staff;
      const at = clock();
      const staff = await load();
      if (!staff) {
        held.delete(key);
        return undefined;
      }
      if (held.size >= maxEntries) held.clear();
      held.set(key, { staff, at });
      return staff;
    },
    clear() {
      held.clear();
    },
  };
}

/**
 * Finds the staff member behind a request: a Teams SSO token (`Authorization: Bearer <token>`),
 * validated and matched by Entra object id, or, in local mode only, an explicit sign-in as a demo
 * staff member (`Authorization: Local <staffId>`).
 */
export async function resolveViewer(req: Request, deps: AuthDeps): Promise<Staff> {
  const header = req.header('authorization') ?? '';
  const [scheme, credential] = header.split(/\s+/, 2);
  if (!scheme || !credential) throw unauthenticated();
  if (scheme === 'Local') {
    if (deps.config.mode !== 'local')
      throw unauthenticated('Local sign-in is only available when the server runs in local mode. Open this app in Teams.');
    const staff = deps.staffCache
      ? await deps.staffCache.get(`id:${credential}`, () => findStaff(deps.db, credential))
      : await findStaff(deps.db, credential);
    if (!staff) throw unauthenticated('No staff member with that id.');
    return staff;
  }
  if (scheme.toLowerCase() === 'bearer') {
    const identity = await deps.validateTeamsToken(credential);
    const staff = deps.staffCache
      ? await deps.staffCache.get(`entra:${identity.oid}`, () => findStaffByEntraId(deps.db, identity.oid))
      : await findStaffByEntraId(deps.db, identity.oid);
    if (!staff)
      throw forbidden(
        'You are signed in to Teams, but you are not registered as staff in Engagement Monitor. Please contact your department administrator.',
      );
    return staff;
  }
  throw unauthenticated('Unsupported sign-in method.');
}
