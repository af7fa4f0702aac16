import type { Db } from '../store/database';
import { findEntraHolders, findPeopleByEmail, recordEntraMatch, recordEntraNote } from '../store/entra.repository';

/** What the Teams roster says about the person talking to the bot (botbuilder's TeamsInfo.getMember). */
export interface TeamsMemberDetails {
  email?: string | null;
  userPrincipalName?: string | null;
}

/**
 * The first time someone talks to the bot, their Teams channel account carries their Entra object id
 * and the Teams roster their e-mail and UPN. When exactly one person without an object id has that
 * e-mail or UPN, they are matched; two or more are noted and left for an administrator, never guessed.
 * Returns whether a match was recorded.
 */
export async function learnEntraIdFromTeams(db: Db, aadObjectId: string, member: TeamsMemberDetails, now: string): Promise<boolean> {
  if ((await findEntraHolders(db, [aadObjectId])).size > 0) return false;
  const addresses = [...new Set([member.email, member.userPrincipalName].filter((a): a is string => !!a).map((a) => a.toLowerCase()))];
  const candidates = new Map<string, { kind: 'staff' | 'student'; id: string; entraId: string | null }>();
  for (const address of addresses) for (const p of await findPeopleByEmail(db, address)) candidates.set(`${p.kind}:${p.id}`, p);
  const open = [...candidates.values()].filter((p) => p.entraId === null);
  const only = open[0];
  if (open.length === 1 && only) {
    await recordEntraMatch(db, only.kind, only.id, aadObjectId, member.userPrincipalName ?? null, now);
    return true;
  }
  for (const p of open)
    await recordEntraNote(
      db,
      p.kind,
      p.id,
      `${open.length} people share the e-mail or UPN ${addresses.join(' / ')} that Teams gave for ${aadObjectId}; none was chosen.`,
    );
  return false;
}
