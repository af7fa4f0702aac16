import type { Db } from './database';

export async function markUnreachable(
  db: Db,
  who: { userAadId: string; staffId: string | null; studentId: string | null; reason: string },
  now: string,
): Promise<void> {
  await db
    .insertInto('unreachable_recipients')
    .values({ user_aad_id: who.userAadId, staff_id: who.staffId, student_id: who.studentId, reason: who.reason, since: now })
    .onConflict((oc) => oc.column('user_aad_id').doUpdateSet({ reason: who.reason }))
    .execute();
}

/** A person who messages or installs the bot again is reachable again. */
export async function clearUnreachable(db: Db, userAadId: string): Promise<void> {
  await db.deleteFrom('unreachable_recipients').where('user_aad_id', '=', userAadId).execute();
}

/** People in a department whom Teams will not let the bot write to (blocked or uninstalled), with their names. */
export async function listUnreachableInDepartment(
  db: Db,
  departmentId: string,
): Promise<Array<{ name: string; reason: string; since: string }>> {
  const rows = await db
    .selectFrom('unreachable_recipients')
    .leftJoin('staff', 'staff.id', 'unreachable_recipients.staff_id')
    .leftJoin('students', 'students.id', 'unreachable_recipients.student_id')
    .select([
      'unreachable_recipients.reason',
      'unreachable_recipients.since',
      'staff.display_name',
      'students.given_name',
      'students.family_name',
    ])
    .where((eb) => eb.or([eb('staff.department_id', '=', departmentId), eb('students.department_id', '=', departmentId)]))
    .orderBy('unreachable_recipients.since', 'desc')
    .execute();
  return rows.map((r) => ({
    name: r.display_name ?? `${r.given_name ?? ''} ${r.family_name ?? ''}`.trim(),
    reason: r.reason,
    since: r.since,
  }));
}
