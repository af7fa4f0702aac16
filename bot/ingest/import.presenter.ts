import type { ImportSummary } from './import.command';

const LISTED = 20;

const STATUS_WORDS: Record<ImportSummary['status'], string> = {
  succeeded: 'imported',
  failed: 'NOT imported',
  already_imported: 'already imported, nothing changed',
  skipped: 'skipped, nothing changed',
  dry_run: 'dry run, nothing stored',
};

/** The end-of-import table for a terminal: figures first, then what needs a person's attention. */
export function presentImportSummary(s: ImportSummary): string {
  const lines: string[] = [`${s.fileName}: ${STATUS_WORDS[s.status]}${s.format ? ` (${s.format})` : ''}`];
  for (const error of s.errors) lines.push(`  error: ${error}`);
  const rows: Array<[string, string]> = [
    ['rows read', String(s.rowsRead)],
    ['counted', String(s.rowsCounted)],
    ['ignored (other events)', String(s.rowsIgnored)],
    ['rejected', String(s.rowsRejected)],
    ['unresolved identities', s.unresolved.total === 0 ? '0' : `${s.unresolved.total} (${s.rowsUnresolved} rows not counted)`],
    ['staff, ignored', s.rowsStaff ? `${s.rowsStaff} row(s) of ${s.staff?.total ?? 0} staff key(s)` : '0'],
    [
      'days covered',
      s.period
        ? `${s.daysCovered} (${s.period.start} to ${s.period.end})${s.complete ? '' : ', partial: adds counts, claims no complete day'}`
        : '-',
    ],
    ['students affected', String(s.studentsAffected)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) lines.push(`  ${k.padEnd(width)}  ${v}`);
  if (s.rejections.length > 0) {
    lines.push('  rejected lines:');
    for (const r of s.rejections.slice(0, LISTED)) lines.push(`    line ${r.line}: ${r.reason}`);
    if (s.rowsRejected > LISTED) lines.push(`    ... and ${s.rowsRejected - LISTED} more (--json lists up to ${s.rejections.length})`);
  }
  if (s.unresolved.keys.length > 0) {
    lines.push('  not in the identity map:');
    for (const key of s.unresolved.keys.slice(0, LISTED)) lines.push(`    ${key}`);
    if (s.unresolved.total > LISTED)
      lines.push(`    ... and ${s.unresolved.total - LISTED} more (--json lists up to ${s.unresolved.keys.length})`);
  }
  if (s.staff && s.staff.keys.length > 0) {
    lines.push('  staff, ignored (not students, nothing to import):');
    for (const key of s.staff.keys.slice(0, LISTED)) lines.push(`    ${key}`);
    if (s.staff.total > LISTED) lines.push(`    ... and ${s.staff.total - LISTED} more`);
  }
  for (const w of s.warnings) lines.push(`  note: ${w}`);
  return lines.join('\n');
}
