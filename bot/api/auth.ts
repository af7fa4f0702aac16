import type { Request } from 'restify';
import type { Config } from '../config';
import type { Db } from '../store/database';
import { findStaff, type Staff } from '../store/staff.repository';
import { unauthenticated } from '../errors';

/**
 * Finds the staff member behind a request. In local mode the tab signs in explicitly as a demo
 * staff member (`Authorization: Local <staffId>`); Teams SSO tokens are validated by the tab issue's
 * token validator, which plugs in here.
 */
export async function resolveViewer(req: Request, deps: { db: Db; config: Config }): Promise<Staff> {
  const header = req.header('authorization') ?? '';
  const [scheme, credential] = header.split(/\s+/, 2);
  if (!scheme || !credential) throw unauthenticated();
  if (scheme === 'Local') {
    if (deps.config.mode !== 'local') throw unauthenticated('Local sign-in is only available when the server runs in local mode. Open this app in Teams.');
    const staff = await findStaff(deps.db, credential);
    if (!staff) throw unauthenticated('No staff member with that id.');
    return staff;
  }
  throw unauthenticated('Sign-in through Teams is not configured on this server yet.');
}
