import type { Db } from '../../bot/store/database';
import { insertIdentities } from '../../bot/store/identity.repository';
import { buildStaff, buildStudent, seedDepartment, seedPeople } from './factories';
import type { SiteEvent } from './moodle-site';

/** The roster the Moodle-database tests pull into; the three students are Moodle users 2113-2115 of the generated site. */
export const SIAN = buildStudent({ id: 'S1000001', email: 'sian.obriain@example.ac.uk' });
export const ZOE = buildStudent({ id: 'S1000002', email: 'zoe.jones@example.ac.uk' });
export const OLA = buildStudent({ id: 'S1000003', email: 'ola.nordmann@example.ac.uk' });
const STUDENT_OF: Record<number, string> = { 2113: SIAN.id, 2114: ZOE.id, 2115: OLA.id };
export const ADMIN = buildStaff({ roles: ['department_admin'] });

/** Our roster: three students, known by Samis code and e-mail only; Moodle ids are learnt from Moodle. */
export async function seedRoster(db: Db): Promise<void> {
  await seedDepartment(db);
  await seedPeople(db, { students: [SIAN, ZOE, OLA], staff: [ADMIN] });
  await insertIdentities(
    db,
    [SIAN, ZOE, OLA].flatMap((s) => [
      { sourceSystem: 'samis', externalKey: s.id, studentId: s.id },
      { sourceSystem: 'email', externalKey: s.email ?? '', studentId: s.id },
    ]),
  );
}

export async function countsOf(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('activity_counts').selectAll().where('count', '>', 0).execute();
  return rows.map((r) => `${r.student_id} ${r.day} ${r.source} ${r.count}`).sort();
}

/**
 * What the generator meant to count, per linked student and London day (GMT in November): every
 * login, and one submission per course module and day however many of its events the site emitted.
 */
export function intendedCounts(events: readonly SiteEvent[]): string[] {
  const counts = new Map<string, number>();
  const submitted = new Set<string>();
  for (const e of events) {
    const student = STUDENT_OF[e.userid];
    if (!e.intent || !student) continue;
    const key = `${student} ${new Date(e.timecreated * 1000).toISOString().slice(0, 10)} ${e.intent}`;
    if (e.intent === 'moodle_submission') {
      const work = `${key} ${e.contextinstanceid}`;
      if (submitted.has(work)) continue;
      submitted.add(work);
    }
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k} ${n}`).sort();
}
