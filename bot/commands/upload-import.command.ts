import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_UPLOAD_BYTES, type UploadResult, type UploadSource } from '../../shared/api/data';
import type { Config } from '../config';
import type { Db } from '../store/database';
import type { Staff } from '../store/staff.repository';
import { writeAudit } from '../store/audit.repository';
import { importExport } from '../ingest/import.command';
import { AppError, badRequest, forbidden } from '../errors';

/** Rejection reasons listed back to the administrator; the import history keeps the rest. */
const LISTED = 20;

/**
 * A department administrator's upload of an export file, imported by the same code as
 * `engagement import`: written to a private temporary file, imported, then removed. The upload is
 * audited with its outcome.
 */
export async function uploadImport(
  deps: { db: Db; config: Config; now: () => Date },
  viewer: Staff,
  upload: { source: UploadSource; fileName: string; body: Readable },
): Promise<UploadResult> {
  if (!viewer.roles.includes('department_admin')) throw forbidden('Only department administrators can upload export files.');
  const dir = await mkdtemp(join(tmpdir(), 'em-upload-'));
  try {
    const path = join(dir, 'upload');
    let bytes = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        if (bytes > MAX_UPLOAD_BYTES)
          callback(
            new AppError(
              413,
              'file_too_large',
              `The file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB; please import it with "engagement import" or the drop folder.`,
            ),
          );
        else callback(null, chunk);
      },
    });
    // Streamed to disk, so a large export never sits in memory; the import code reads it from there.
    await pipeline(upload.body, limit, createWriteStream(path, { mode: 0o600 }));
    if (bytes === 0) throw badRequest('The file is empty: choose the export file again.');
    const s = await importExport(
      { db: deps.db, ingest: deps.config.ingest, campusTimeZone: deps.config.timeZone, now: deps.now },
      { source: upload.source, path, fileName: upload.fileName, departmentId: viewer.departmentId, recordFailure: false },
    );
    await writeAudit(
      deps.db,
      {
        actorId: viewer.id,
        action: 'uploaded_import',
        subjectKind: 'import',
        subjectId: s.importIds[0] ?? null,
        detail: { source: upload.source, fileName: upload.fileName, status: s.status, rowsCounted: s.rowsCounted },
      },
      deps.now().toISOString(),
    );
    const result: UploadResult = {
      status: s.status,
      fileName: s.fileName,
      format: s.format,
      period: s.period,
      rowsRead: s.rowsRead,
      rowsCounted: s.rowsCounted,
      rowsIgnored: s.rowsIgnored,
      rowsRejected: s.rowsRejected,
      unresolved: s.unresolved.total,
      rejections: s.rejections.slice(0, LISTED).map((r) => ({ line: r.line, reason: r.reason })),
      errors: s.errors,
      warnings: s.warnings,
    };
    // A file that could not be imported is the uploader's to fix: a 422 that says why, with the summary.
    if (s.status === 'failed')
      throw new AppError(
        422,
        'import_failed',
        `The file was not imported, and nothing was stored: ${s.errors.join(' ') || 'see the rejected lines.'}`,
        result,
      );
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
