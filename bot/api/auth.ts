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
    if (deps.config.mode !== 'local') throw unauthenticated('Local sign-in is only available when the server runs in local mode. Open this app in Teams.');
    const staff = await findStaff(deps.db, credential);
    if (!staff) throw unauthenticated('No staff member with that id.');
    return staff;
  }
  if (scheme.toLowerCase() === 'bearer') {
    const identity = await deps.validateTeamsToken(credential);
    const staff = await findStaffByEntraId(deps.db, identity.oid);
    if (!staff) throw forbidden('You are signed in to Teams, but you are not registered as staff in Engagement Monitor. Please contact your department administrator.');
    return staff;
  }
  throw unauthenticated('Unsupported sign-in method.');
}
