import type { Db } from './database';

export interface GroupSyncRow {
  groupId: string;
  role: string;
  departmentId: string | null;
  members: number;
  lastRunAt: string;
  lastStatus: string;
  lastError: string | null;
}

export async function saveGroupSync(db: Db, r: GroupSyncRow): Promise<void> {
  const values = {
    group_id: r.groupId,
    role: r.role,
    department_id: r.departmentId,
    members: r.members,
    last_run_at: r.lastRunAt,
    last_status: r.lastStatus,
    last_error: r.lastError,
  };
  await db
    .insertInto('entra_group_syncs')
    .values(values)
    .onConflict((oc) => oc.column('group_id').doUpdateSet(values))
    .execute();
}

export async function listGroupSyncs(db: Db): Promise<GroupSyncRow[]> {
  const rows = await db.selectFrom('entra_group_syncs').selectAll().orderBy('group_id').execute();
  return rows.map((r) => ({
    groupId: r.group_id,
    role: r.role,
    departmentId: r.department_id,
    members: r.members,
    lastRunAt: r.last_run_at,
    lastStatus: r.last_status,
    lastError: r.last_error,
  }));
}
