import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases';
import { upsertCounts, loadDepartmentCounts } from '../../bot/store/activity.repository';
import { loadCoverage } from '../../bot/store/import.repository';
import { importExport, type ImportOptions } from '../../bot/ingest/import.command';
import type { Db } from '../../bot/store/database';
import { insertIdentities } from '../../bot/store/identity.repository';
import { CAMPUS, OLA, SIAN, ZOE, fixture, ingestConfig, seedFixturePeople } from './support';

const NOW = new Date('2026-11-28T10:00:00Z');

function run(db: Db, options: ImportOptions, env: Record<string, string> = {}) {
  return importExport({ db, ingest: ingestConfig(env), campusTimeZone: CAMPUS, now: () => NOW }, options);
}

async function countsOf(db: Db, from = '2000-01-01', to = '2100-01-01'): Promise<string[]> {
  const byStudent = await loadDepartmentCounts(db, 'dept-a', from, to);
  const out: string[] = [];
  for (const [student, days] of byStudent)
    for (const [day, sources] of days) for (const [source, n] of Object.entries(sources)) out.push(`${student} ${day} ${source} ${n}`);
  return out.sort();
}

const importRows = (db: Db) => db.selectFrom('imports').selectAll().orderBy('started_at').orderBy('id').execute();

describe.each(DATABASE_KINDS)('importing exports on %s', (kind) => {
  let t: TestDatabase;
  let dir: string;
  beforeEach(async () => {
    t = await createTestDatabase(kind);
    await seedFixturePeople(t.db);
    dir = mkdtempSync(join(tmpdir(), 'em-import-'));
  });
  afterEach(async () => {
    await t.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when a Moodle site log is imported, then each student gets daily counts, unknown users are listed and the import is recorded with its period', async () => {
    const summary = await run(t.db, { source: 'moodle', path: fixture('moodle', 'site-log.csv') });

    expect(summary.status).toBe('succeeded');
    expect(await countsOf(t.db)).toEqual([
      `${SIAN.id} 2023-10-28 moodle_submission 1`,
      `${SIAN.id} 2023-10-29 moodle_login 1`,
      `${SIAN.id} 2023-10-30 moodle_submission 1`,
      `${ZOE.id} 2023-10-27 moodle_submission 1`,
      `${ZOE.id} 2023-10-30 moodle_login 1`,
      `${OLA.id} 2023-10-28 moodle_login 1`,
    ]);
    expect(summary).toMatchObject({
      rowsRead: 10,
      rowsCounted: 6,
      rowsIgnored: 3,
      rowsRejected: 0,
      rowsUnresolved: 1,
      studentsAffected: 3,
      daysCovered: 4,
      period: { start: '2023-10-27', end: '2023-10-30' },
    });
    expect(summary.unresolved).toEqual({ total: 1, keys: ['moodle:9999'] });
    const rows = await importRows(t.db);
    expect(rows.map((r) => [r.source, r.status, r.period_start, r.period_end, r.rows_counted, r.scope, r.format])).toEqual(
      expect.arrayContaining([
        ['moodle_login', 'succeeded', '2023-10-27', '2023-10-30', 3, 'site', 'moodle-log'],
        ['moodle_submission', 'succeeded', '2023-10-27', '2023-10-30', 3, 'site', 'moodle-log'],
      ]),
    );
    const coverage = await loadCoverage(t.db, '2023-10-26', '2023-10-31');
    expect([...(coverage.get('moodle_login') ?? [])].sort()).toEqual(['2023-10-27', '2023-10-28', '2023-10-29', '2023-10-30']);
    expect(coverage.get('panopto_view')?.size).toBe(0);
  });

  it('when the same file is imported twice, then the second import changes nothing', async () => {
    await run(t.db, { source: 'moodle', path: fixture('moodle', 'site-log.csv') });
    const before = { counts: await countsOf(t.db), imports: (await importRows(t.db)).length };

    const again = await run(t.db, { source: 'moodle', path: fixture('moodle', 'site-log.csv'), fileName: 'renamed.csv' });

    expect(again.status).toBe('already_imported');
    expect({ counts: await countsOf(t.db), imports: (await importRows(t.db)).length }).toEqual(before);
  });

  it('when identities are added after an import, then importing the same file again counts the newly known rows once', async () => {
    await run(t.db, { source: 'moodle', path: fixture('moodle', 'site-log.csv') });
    await insertIdentities(t.db, [{ sourceSystem: 'moodle', externalKey: '9999', studentId: OLA.id }]);

    const again = await run(t.db, { source: 'moodle', path: fixture('moodle', 'site-log.csv') });

    expect(again.status).toBe('succeeded');
    expect(await countsOf(t.db, '2023-10-28', '2023-10-28')).toEqual([
      `${SIAN.id} 2023-10-28 moodle_submission 1`,
      `${OLA.id} 2023-10-28 moodle_login 2`,
    ]);
    expect((await run(t.db, { source: 'moodle', path: fixture('moodle', 'site-log.csv') })).status).toBe('already_imported');
  });

  it('when a later export overlaps an earlier one, then the overlapping days are replaced, never added, and earlier days stay', async () => {
    await run(t.db, { source: 'moodle', path: fixture('moodle', 'site-log.csv') });
    const later = await run(t.db, { source: 'moodle', path: fixture('moodle', 'site-log-later.csv') });

    expect(later.status).toBe('succeeded');
    expect(await countsOf(t.db)).toEqual([
      `${SIAN.id} 2023-10-28 moodle_submission 1`,
      `${SIAN.id} 2023-10-29 moodle_login 1`,
      `${SIAN.id} 2023-10-30 moodle_login 1`,
      `${SIAN.id} 2023-10-30 moodle_submission 1`,
      `${ZOE.id} 2023-10-27 moodle_submission 1`,
      `${ZOE.id} 2023-10-30 moodle_login 1`,
      `${OLA.id} 2023-10-28 moodle_login 1`,
      `${OLA.id} 2023-10-31 moodle_login 1`,
    ]);
    // Zoë's submission on the 27th is outside the later period, and her absence from it on the 29th to 31st is now known.
    const coverage = await loadCoverage(t.db, '2023-10-27', '2023-10-31');
    expect(coverage.get('moodle_submission')?.size).toBe(5);
  });

  it('when counts came from elsewhere (Graph, the demo), then an import adds to them and a replacement takes back only its own', async () => {
    await upsertCounts(t.db, [{ studentId: SIAN.id, day: '2023-10-30', source: 'moodle_login', count: 5 }]);
    await run(t.db, { source: 'moodle', path: fixture('moodle', 'site-log-later.csv') });
    expect(await countsOf(t.db, '2023-10-30', '2023-10-30')).toContain(`${SIAN.id} 2023-10-30 moodle_login 6`);

    await run(t.db, { source: 'moodle', path: fixture('moodle', 'site-log.csv'), period: { start: '2023-10-29', end: '2023-10-31' } });

    expect(await countsOf(t.db, '2023-10-30', '2023-10-30')).toContain(`${SIAN.id} 2023-10-30 moodle_login 5`);
  });

  it('when two Teams meetings on one day are imported and one is downloaded again, then each meeting counts once', async () => {
    const uk = readFileSync(fixture('teams', 'attendance-uk.csv'));
    const other = join(dir, 'other-meeting.csv');
    writeFileSync(other, Buffer.from(uk.toString('utf16le').replace('Physics tutorial, group B', 'Maths clinic'), 'utf16le'));
    const redownload = join(dir, 'same-meeting-again.csv');
    writeFileSync(redownload, Buffer.from(uk.toString('utf16le').replace('41m 3s', '41m 4s'), 'utf16le'));

    await run(t.db, { source: 'teams', path: fixture('teams', 'attendance-uk.csv'), locale: 'en-GB' });
    await run(t.db, { source: 'teams', path: other, locale: 'en-GB' });
    const again = await run(t.db, { source: 'teams', path: redownload, locale: 'en-GB' });

    expect(again.status).toBe('succeeded');
    expect(await countsOf(t.db)).toEqual([`${SIAN.id} 2022-11-15 teams_attendance 2`, `${ZOE.id} 2022-11-15 teams_attendance 2`]);
    expect(again.unresolved.keys).toEqual(['email:pat@partner.example.org']);
  });

  it('when more rows are bad than the configured share allows, then the import fails, is recorded, and stores no counts', async () => {
    const summary = await run(
      t.db,
      { source: 'moodle', path: fixture('broken', 'moodle-bad-date.csv') },
      { IMPORT_MAX_REJECTED_SHARE: '0.05' },
    );

    expect(summary.status).toBe('failed');
    expect(summary.errors[0]).toMatch(/1 of 10 rows \(10%\) could not be read, more than the 5% allowed/);
    expect(await countsOf(t.db)).toEqual([]);
    const rows = await importRows(t.db);
    expect(rows.every((r) => r.status === 'failed')).toBe(true);
    expect(JSON.parse(rows[0]?.details ?? '{}').rejections).toEqual([
      { line: 3, reason: 'Time "31/02/23, 08:01:40" is not a Moodle date such as 4/11/23, 11:18:42' },
    ]);
  });

  it('when a share of bad rows within the limit is imported, then the good rows count and the bad lines are reported', async () => {
    const summary = await run(
      t.db,
      { source: 'moodle', path: fixture('broken', 'moodle-bad-date.csv') },
      { IMPORT_MAX_REJECTED_SHARE: '0.2' },
    );
    expect(summary.status).toBe('succeeded');
    expect(summary.rejections).toHaveLength(1);
    expect(await countsOf(t.db)).toHaveLength(5);
  });

  it('when a binary file is imported, then a failed import is recorded with the reason and nothing else changes', async () => {
    const summary = await run(t.db, { source: 'panopto', path: fixture('broken', 'report.zip') });
    expect(summary.status).toBe('failed');
    expect(summary.errors[0]).toMatch(/zip archive/);
    const rows = await importRows(t.db);
    expect(rows.map((r) => [r.source, r.status])).toEqual([['panopto', 'failed']]);
  });

  it('when an import is a dry run, then it reports the figures and stores nothing', async () => {
    const summary = await run(t.db, { source: 'moodle', path: fixture('moodle', 'site-log.csv'), dryRun: true });
    expect(summary).toMatchObject({ status: 'dry_run', rowsCounted: 6, studentsAffected: 3 });
    expect(await countsOf(t.db)).toEqual([]);
    expect(await importRows(t.db)).toEqual([]);
  });

  it('when every kind of export has been imported, then no IP address, description, page, session or meeting name reaches the database', async () => {
    await run(t.db, { source: 'moodle', path: fixture('moodle', 'site-log.csv') });
    await run(t.db, { source: 'moodle', path: fixture('moodle', 'logstore.csv') });
    await run(t.db, { source: 'panopto', path: fixture('panopto', 'system-views.csv') });
    await run(t.db, {
      source: 'panopto',
      path: fixture('panopto', 'session-views.csv'),
      period: { start: '2023-10-23', end: '2023-10-29' },
    });
    await run(t.db, { source: 'teams', path: fixture('teams', 'attendance-uk.csv'), locale: 'en-GB' });
    await run(t.db, { source: 'teams', path: fixture('teams', 'attendance-2021.csv'), locale: 'en-US' });
    await run(t.db, { source: 'samis-logins', path: fixture('samis', 'logins.csv') });
    await run(t.db, { source: 'moodle', path: fixture('broken', 'moodle-bad-date.csv') });

    const tables = ['imports', 'import_counts', 'activity_counts', 'identities', 'students', 'audit_log'] as const;
    const stored = (await Promise.all(tables.map((table) => t.db.selectFrom(table).selectAll().execute())))
      .map((rows) => JSON.stringify(rows))
      .join('\n');
    expect(stored).toContain('2023-10-29');
    for (const secret of [
      '192.0.2.',
      '198.51.100.',
      '203.0.113.',
      'has logged in',
      'submitted the',
      'Essay 1',
      'Physics, Year 1',
      'Waves, part 1',
      'Diffraction',
      'PH10001',
      'Physics tutorial',
      'Dr Staff Member',
      'Unknown Person',
      'username',
    ]) {
      expect(stored).not.toContain(secret);
    }
  });
});
