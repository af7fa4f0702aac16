import type { z } from 'zod';
import { FlagListResponseSchema, type FlagListResponse } from '../../shared/api/flags';
import { ApiErrorSchema, LocalStaffListResponseSchema, MeResponseSchema, type LocalStaffListResponse, type MeResponse } from '../../shared/api/session';

export class ApiFailure extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** Every response is parsed with the same zod contract the server answers with. */
async function getJson<T>(path: string, schema: z.ZodType<T>, authorization?: string): Promise<T> {
  const res = await fetch(path, { headers: authorization ? { authorization } : {} });
  const body: unknown = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = ApiErrorSchema.safeParse(body);
    throw new ApiFailure(res.status, err.success ? err.data.code : 'http_error', err.success ? err.data.message : `The server answered ${res.status}.`);
  }
  return schema.parse(body);
}

export const fetchLocalStaff = (): Promise<LocalStaffListResponse> => getJson('/api/local/staff', LocalStaffListResponseSchema);
export const fetchMe = (auth: string): Promise<MeResponse> => getJson('/api/me', MeResponseSchema, auth);
export const fetchFlags = (auth: string): Promise<FlagListResponse> => getJson('/api/flags', FlagListResponseSchema, auth);
