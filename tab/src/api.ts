import type { z } from 'zod';
import { FlagPageSchema, type FlagPage, type FlagQuery } from '../../shared/api/flags';
import { CaseActionResponseSchema, type CaseActionResponse } from '../../shared/api/cases';
import type { CaseAction } from '../../shared/api/case-actions';
import { StudentViewSchema, type StudentView } from '../../shared/api/student';
import { DataStatusSchema, UploadResultSchema, type DataStatus, type UploadResult, type UploadSource } from '../../shared/api/data';
import {
  StudentSearchResponseSchema,
  TuteeSummarySchema,
  type StudentSearchResponse,
  type TuteeSummary,
} from '../../shared/api/student-search';
import { OverviewSchema, type Overview } from '../../shared/api/overview';
import { AuditPageSchema, type AuditPage } from '../../shared/api/audit';
import { PeopleOverviewSchema, type PeopleOverview } from '../../shared/api/people';
import {
  RulesPreviewSchema,
  SettingsSchema,
  type NewExemption,
  type RulesChange,
  type RulesPreview,
  type Settings,
} from '../../shared/api/settings';
import {
  UrgentActedResponseSchema,
  UrgentListResponseSchema,
  type UrgentActedResponse,
  type UrgentListResponse,
} from '../../shared/api/urgent';
import {
  ApiErrorSchema,
  LocalStaffListResponseSchema,
  MeResponseSchema,
  type LocalStaffListResponse,
  type MeResponse,
} from '../../shared/api/session';

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Yields the Authorization header value for each request: a fresh Teams token, or the local sign-in. */
export type Authorize = () => Promise<string>;

async function send(path: string, authorize: Authorize | null, init: RequestInit = {}): Promise<Response> {
  const headers: Record<string, string> = {
    ...(init.body ? { 'content-type': 'application/json' } : {}),
    ...((init.headers as Record<string, string> | undefined) ?? {}),
  };
  if (authorize) headers.authorization = await authorize();
  const res = await fetch(path, { ...init, headers });
  if (!res.ok) {
    const body: unknown = await res.json().catch(() => ({}));
    const err = ApiErrorSchema.safeParse(body);
    throw new ApiFailure(
      res.status,
      err.success ? err.data.code : 'http_error',
      err.success ? err.data.message : `The server answered ${res.status}.`,
    );
  }
  return res;
}

/** Every response is parsed with the same zod contract the server answers with. */
async function getJson<T>(path: string, schema: z.ZodType<T>, authorize: Authorize | null, init?: RequestInit): Promise<T> {
  return schema.parse(await (await send(path, authorize, init)).json());
}

export function queryString(query: Partial<FlagQuery>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '' && v !== null) params.set(k, String(v));
  const text = params.toString();
  return text ? `?${text}` : '';
}

export const fetchLocalStaff = (): Promise<LocalStaffListResponse> => getJson('/api/local/staff', LocalStaffListResponseSchema, null);
export const fetchMe = (auth: Authorize): Promise<MeResponse> => getJson('/api/me', MeResponseSchema, auth);
export const fetchFlagPage = (auth: Authorize, query: Partial<FlagQuery>): Promise<FlagPage> =>
  getJson(`/api/flags${queryString(query)}`, FlagPageSchema, auth);
export const fetchStudent = (auth: Authorize, studentId: string): Promise<StudentView> =>
  getJson(`/api/students/${encodeURIComponent(studentId)}`, StudentViewSchema, auth);
export const fetchDataStatus = (auth: Authorize): Promise<DataStatus> => getJson('/api/data', DataStatusSchema, auth);
export const postCaseAction = (auth: Authorize, caseId: string, action: CaseAction): Promise<CaseActionResponse> =>
  getJson(`/api/cases/${encodeURIComponent(caseId)}/actions`, CaseActionResponseSchema, auth, {
    method: 'POST',
    body: JSON.stringify(action),
  });
export const fetchUrgent = (auth: Authorize): Promise<UrgentListResponse> => getJson('/api/urgent', UrgentListResponseSchema, auth);
export const postUrgentActed = (auth: Authorize, id: string, note: string): Promise<UrgentActedResponse> =>
  getJson(`/api/urgent/${encodeURIComponent(id)}/acted`, UrgentActedResponseSchema, auth, {
    method: 'POST',
    body: JSON.stringify({ note }),
  });

/** Downloads the current view as CSV; the header carries the sign-in, so a plain link cannot be used. */
export async function downloadFlagsCsv(auth: Authorize, query: Partial<FlagQuery>): Promise<void> {
  const { page: _page, pageSize: _size, ...view } = query;
  const res = await send(`/api/flags/export${queryString(view)}`, auth);
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'flagged-students.csv';
  const url = URL.createObjectURL(await res.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Fetches a file with the sign-in header and hands it to the browser as a download named as the server says. */
export async function downloadFile(auth: Authorize, path: string, fallbackName: string): Promise<void> {
  const res = await send(path, auth);
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await res.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The audit page's filters, as its URL and the API name them. */
export interface AuditFilters {
  person?: string;
  student?: string;
  from?: string;
  to?: string;
  page?: number;
}
export function auditQueryString(f: AuditFilters): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v !== undefined && v !== '') params.set(k, String(v));
  const text = params.toString();
  return text ? `?${text}` : '';
}
export const fetchAuditPage = (auth: Authorize, f: AuditFilters): Promise<AuditPage> =>
  getJson(`/api/audit${auditQueryString(f)}`, AuditPageSchema, auth);
/** Every entry the filters match (not just this page) as CSV; the server audits the export. */
export const downloadAuditCsv = (auth: Authorize, f: AuditFilters): Promise<void> => {
  const { page: _page, ...filters } = f;
  return downloadFile(auth, `/api/audit/export${auditQueryString(filters)}`, 'audit.csv');
};
export const fetchOverview = (auth: Authorize): Promise<Overview> => getJson('/api/overview', OverviewSchema, auth);
export const fetchPeople = (auth: Authorize, department?: string): Promise<PeopleOverview> =>
  getJson(`/api/people${department ? `?department=${encodeURIComponent(department)}` : ''}`, PeopleOverviewSchema, auth);
/** `?department=` names another department; only an institution administrator may. */
const inDepartment = (department?: string) => (department ? `?department=${encodeURIComponent(department)}` : '');
export const fetchSettings = (auth: Authorize, department?: string): Promise<Settings> =>
  getJson(`/api/settings${inDepartment(department)}`, SettingsSchema, auth);
/** Who today's data would flag with the changed settings (only the changes, grouped by rule), by name. */
export const fetchRulesPreview = (auth: Authorize, rules: RulesChange['rules'], department?: string): Promise<RulesPreview> =>
  getJson(`/api/settings/preview${inDepartment(department)}`, RulesPreviewSchema, auth, {
    method: 'POST',
    body: JSON.stringify({ rules }),
  });
export const postRules = (auth: Authorize, rules: RulesChange['rules'], department?: string): Promise<Settings> =>
  getJson(`/api/settings/rules${inDepartment(department)}`, SettingsSchema, auth, { method: 'POST', body: JSON.stringify({ rules }) });
export const postExemption = (auth: Authorize, e: NewExemption, department?: string): Promise<Settings> =>
  getJson(`/api/settings/exemptions${inDepartment(department)}`, SettingsSchema, auth, { method: 'POST', body: JSON.stringify(e) });

/** Uploads an export file as the raw request body; the server imports it with the CLI's import code. */
export const uploadExport = (auth: Authorize, source: UploadSource, file: File): Promise<UploadResult> =>
  getJson(`/api/data/imports?source=${encodeURIComponent(source)}&fileName=${encodeURIComponent(file.name)}`, UploadResultSchema, auth, {
    method: 'POST',
    body: file,
    headers: { 'content-type': 'application/octet-stream' },
  });
export const fetchStudentSearch = (auth: Authorize, q: string, limit = 10): Promise<StudentSearchResponse> =>
  getJson(`/api/student-search?q=${encodeURIComponent(q)}&limit=${limit}`, StudentSearchResponseSchema, auth);
export const fetchTutees = (auth: Authorize): Promise<TuteeSummary> => getJson('/api/tutees', TuteeSummarySchema, auth);
