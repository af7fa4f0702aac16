import { z } from 'zod';
import { RoleSourceSchema, StaffRoleSchema } from '../domain';

/** One role a member of staff holds, and where it came from (roster, staff CSV, Entra group with its id). */
export const RoleGrantSchema = z.object({ role: StaffRoleSchema, source: RoleSourceSchema, sourceRef: z.string() });
export type RoleGrant = z.infer<typeof RoleGrantSchema>;

export const PeopleStaffSchema = z.object({
  id: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  departmentId: z.string(),
  /** Matched to a Microsoft Entra user, so they can sign in and be messaged. */
  entraMatched: z.boolean(),
  /** Has opened the app in Teams, so the bot can reach them. */
  appInstalled: z.boolean(),
  roles: z.array(RoleGrantSchema),
});
export type PeopleStaff = z.infer<typeof PeopleStaffSchema>;

export const UnmatchedPersonSchema = z.object({
  kind: z.enum(['staff', 'student']),
  id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  departmentId: z.string(),
  /** Why the last look-up found no one (or more than one); null when none was tried yet. */
  note: z.string().nullable(),
});
export type UnmatchedPerson = z.infer<typeof UnmatchedPersonSchema>;

export const DepartmentPeopleSchema = z.object({ id: z.string(), name: z.string(), students: z.number().int(), staff: z.number().int() });

export const GroupSyncSchema = z.object({
  groupId: z.string(),
  role: z.string(),
  departmentId: z.string().nullable(),
  members: z.number().int(),
  lastRunAt: z.string(),
  lastStatus: z.string(),
  lastError: z.string().nullable(),
});

/** The People page: institution administrators see every department, department administrators their own. */
export const PeopleOverviewSchema = z.object({
  scope: z.enum(['institution', 'department']),
  departments: z.array(DepartmentPeopleSchema),
  staff: z.array(PeopleStaffSchema),
  unmatched: z.array(UnmatchedPersonSchema),
  /** Personal tutors who have not opened the app in Teams yet: their digests wait until they do. */
  tutorsWithoutApp: z.array(PeopleStaffSchema),
  groups: z.array(GroupSyncSchema),
});
export type PeopleOverview = z.infer<typeof PeopleOverviewSchema>;

export const PeopleQuerySchema = z.object({ department: z.string().min(1).max(100).optional() });
export type PeopleQuery = z.infer<typeof PeopleQuerySchema>;
