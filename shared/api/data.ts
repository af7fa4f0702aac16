import { z } from 'zod';
import { SOURCE_LABELS, SourceSchema } from '../domain';
import { UnmatchedPersonSchema } from './people';

export const SourceFreshnessSchema = z.object({
  source: SourceSchema,
  label: z.string(),
  /** When the newest successful import or collection finished; null if there has never been one. */
  lastSuccessAt: z.string().nullable(),
  /** The last day known complete for this source. */
  coveredUntil: z.string().nullable(),
  /** Term days so far this term that this source has complete data for, out of `termDaysSoFar`. */
  termDaysCovered: z.number().int(),
  termDaysSoFar: z.number().int(),
  state: z.enum(['fresh', 'stale', 'missing']),
});
export type SourceFreshness = z.infer<typeof SourceFreshnessSchema>;

/** What each kind of run in the import history is called: the count sources, then the files and pulls that have none of their own. */
export const IMPORT_KIND_LABELS: Readonly<Record<string, string>> = {
  ...SOURCE_LABELS,
  'moodle-users': 'Moodle users (who is who)',
  'samis-roster': 'Samis roster',
  'staff-csv': 'Staff list',
  'moodle-db': 'Moodle database',
};

export const ImportSummarySchema = z.object({
  id: z.string(),
  /** A count source, or another kind of run named in IMPORT_KIND_LABELS. */
  source: z.string(),
  label: z.string(),
  fileName: z.string(),
  status: z.enum(['running', 'succeeded', 'failed', 'interrupted']),
  periodStart: z.string().nullable(),
  periodEnd: z.string().nullable(),
  rowsRead: z.number().int(),
  rowsCounted: z.number().int(),
  rowsIgnored: z.number().int(),
  rowsRejected: z.number().int(),
  /** Why rows were rejected; only department administrators receive these (they may quote a row). */
  errors: z.array(z.string()),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type ImportSummary = z.infer<typeof ImportSummarySchema>;

/**
 * A message the bot gave up on (a dead letter), a person Teams will not let it write to, or a message
 * sent again after a send interrupted by a crash (it may have arrived twice).
 */
export const DeliveryProblemSchema = z.object({
  problem: z.enum(['gave_up', 'unreachable', 'maybe_repeated']),
  recipientName: z.string(),
  /** What was being sent: a digest, a check-in, a reply notice...; null for an unreachable person. */
  what: z.string().nullable(),
  attempts: z.number().int(),
  /** The last error in plain words, as the Bot Connector gave it. */
  reason: z.string(),
  at: z.string(),
});
export type DeliveryProblem = z.infer<typeof DeliveryProblemSchema>;

export const DataStatusSchema = z.object({
  /** A source is stale when its data stops more than this many days before yesterday. */
  staleAfterDays: z.number().int(),
  sources: z.array(SourceFreshnessSchema),
  imports: z.array(ImportSummarySchema),
  /** Only for roles that see the whole department; empty for a personal tutor. */
  deliveryProblems: z.array(DeliveryProblemSchema),
  /** Staff and students not matched to Microsoft Entra yet, and why; only for roles that see the whole department. */
  unmatchedPeople: z.array(UnmatchedPersonSchema),
});
export type DataStatus = z.infer<typeof DataStatusSchema>;

/** The largest export the tab uploads (a term of a large Moodle site log); bigger files go through the CLI. */
export const MAX_UPLOAD_BYTES = 200 * 1024 * 1024;

/** The export kinds an administrator can upload; the same names as `engagement import <source>`. */
export const UPLOAD_SOURCES = ['moodle', 'panopto', 'teams', 'samis-logins'] as const;
export const UploadSourceSchema = z.enum(UPLOAD_SOURCES, { message: `expected one of ${UPLOAD_SOURCES.join(', ')}` });
export type UploadSource = z.infer<typeof UploadSourceSchema>;

export const UploadQuerySchema = z.object({
  source: UploadSourceSchema,
  fileName: z.string().trim().min(1, 'name the file').max(200, 'at most 200 characters'),
});

/** What an upload did, in the import's own terms: nothing is stored when it failed. */
export const UploadResultSchema = z.object({
  status: z.enum(['succeeded', 'failed', 'already_imported', 'skipped', 'dry_run']),
  fileName: z.string(),
  format: z.string().nullable(),
  period: z.object({ start: z.string(), end: z.string() }).nullable(),
  rowsRead: z.number().int(),
  rowsCounted: z.number().int(),
  rowsIgnored: z.number().int(),
  rowsRejected: z.number().int(),
  unresolved: z.number().int(),
  rejections: z.array(z.object({ line: z.number().int(), reason: z.string() })),
  errors: z.array(z.string()),
  warnings: z.array(z.string()),
});
export type UploadResult = z.infer<typeof UploadResultSchema>;
