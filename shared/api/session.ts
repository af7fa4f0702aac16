import { z } from 'zod';
import { StaffRoleSchema } from '../domain';

export const StaffSummarySchema = z.object({
  id: z.string(),
  displayName: z.string(),
  roles: z.array(StaffRoleSchema),
  departmentId: z.string(),
});
export type StaffSummary = z.infer<typeof StaffSummarySchema>;

export const MeResponseSchema = z.object({ staff: StaffSummarySchema, departmentName: z.string(), isDemo: z.boolean() });
export type MeResponse = z.infer<typeof MeResponseSchema>;

/** Offered only when the server runs in local mode: an explicit sign-in as one of the demo staff. */
export const LocalStaffListResponseSchema = z.object({ staff: z.array(StaffSummarySchema) });
export type LocalStaffListResponse = z.infer<typeof LocalStaffListResponseSchema>;

export const ApiErrorSchema = z.object({ code: z.string(), message: z.string() });
export type ApiError = z.infer<typeof ApiErrorSchema>;
