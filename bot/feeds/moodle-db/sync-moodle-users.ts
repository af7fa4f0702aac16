import { insertIdentities, resolveIdentities } from '../../store/identity.repository';
import { insertStaffIdentities } from '../../store/staff-identity.repository';
import { matchMoodleUsers, matchStaffMoodleUsers, type MoodleUser } from '../../ingest/moodle-users.import';
import type { MoodleConnection } from './moodle-connection';
import type { MoodlePullDeps, MoodlePullSummary } from './pull-moodle.types';

const USER_PAGE = 20_000;

/** Reads Moodle's user table (all of it, in pages by id) and links every user who is one of our students. */
export async function syncMoodleUsers(deps: MoodlePullDeps, conn: MoodleConnection): Promise<MoodlePullSummary['users']> {
  const figures = { read: 0, linked: 0, deleted: 0, suspended: 0, unmatched: 0 };
  const users: MoodleUser[] = [];
  let after = 0;
  for (;;) {
    const rows = await conn.query(
      `select id, username, email, idnumber, deleted, suspended from ${conn.table('user')} where id > ? order by id limit ${USER_PAGE}`,
      [after],
    );
    for (const [id, username, email, idnumber, deleted, suspended] of rows) {
      figures.read++;
      // A deleted user's name and address are overwritten by Moodle; their old events keep the link they had.
      if (Number(deleted) === 1) {
        figures.deleted++;
        continue;
      }
      if (Number(suspended) === 1) figures.suspended++;
      users.push({
        id: String(id),
        username: String(username ?? '').toLowerCase(),
        email: String(email ?? '')
          .trim()
          .toLowerCase(),
        idnumber: String(idnumber ?? '').trim(),
      });
    }
    if (rows.length < USER_PAGE) break;
    after = Number(rows.at(-1)?.[0]);
  }
  const { links, unresolved } = await matchMoodleUsers(deps.db, users);
  figures.unmatched = unresolved.length;
  // Staff matched by e-mail: their events are then reported as staff, not as unlinked users.
  await insertStaffIdentities(deps.db, await matchStaffMoodleUsers(deps.db, users, unresolved));
  // Only links that are new or changed are written: the user table is read on every run.
  const known = new Map<string, string>();
  for (const system of ['moodle', 'moodle_username']) {
    const keys = links.filter((l) => l.sourceSystem === system).map((l) => l.externalKey);
    for (const [key, student] of await resolveIdentities(deps.db, system, keys)) known.set(`${system}:${key}`, student);
  }
  const changed = links.filter((l) => known.get(`${l.sourceSystem}:${l.externalKey}`) !== l.studentId);
  await insertIdentities(deps.db, changed);
  figures.linked = links.filter((l) => l.sourceSystem === 'moodle').length;
  return figures;
}
