import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases';
import { importExport, importKeyOf } from '../../bot/ingest/import.command';
import { loadDepartmentCounts } from '../../bot/store/activity.repository';
import { CAMPUS, fixture, identityOfBytes, ingestConfig, seedFixturePeople } from './support';

const NOW = new Date('2026-11-28T10:00:00Z');

/**
 * A file's identity decides "imported before" (bot/ingest/file-identity.ts). Imports stored by versions before it carry the
 * file's SHA-256: on an upgraded database the same file is applied once more, replacing its days with the same counts, and is
 * known from then on.
 */
describe.each(DATABASE_KINDS)('the identity of an imported file on %s', (kind) => {
  let t: TestDatabase;
  const run = () =>
    importExport(
      { db: t.db, ingest: ingestConfig(), campusTimeZone: CAMPUS, now: () => NOW },
      { source: 'moodle', path: fixture('moodle', 'site-log.csv') },
    );
  const counts = async () => {
    const out: string[] = [];
    for (const [student, days] of await loadDepartmentCounts(t.db, 'dept-a', '2000-01-01', '2100-01-01'))
      for (const [day, sources] of days) for (const [source, n] of Object.entries(sources)) out.push(`${student} ${day} ${source} ${n}`);
    return out.sort();
  };
  const history = () =>
    t.db.selectFrom('imports').select(['status', 'file_hash', 'import_key']).orderBy('started_at').orderBy('id').execute();
  beforeEach(async () => {
    t = await createTestDatabase(kind);
    await seedFixturePeople(t.db);
  });
  afterEach(async () => t.drop());

  it('when a file is imported, then its identity is stored, and the same file again is skipped', async () => {
    const first = await run();
    expect(first.status).toBe('succeeded');
    expect(first.fileHash).toBe(await identityOfBytes(readFileSync(fixture('moodle', 'site-log.csv'))));
    // One record for each source the log holds (logins and submissions).
    expect((await history()).map((r) => r.file_hash)).toEqual([first.fileHash, first.fileHash]);

    const again = await run();
    expect(again.status).toBe('already_imported');
  });

  it('when a file imported by an earlier version (SHA-256) is imported after the upgrade, then it is applied once more with the same counts, and skipped after that', async () => {
    const first = await run();
    const before = await counts();
    expect(before.length).toBeGreaterThan(2);
    // As the version before this one stored it: the SHA-256 of the bytes, and the import key made from it.
    const sha256 = createHash('sha256')
      .update(readFileSync(fixture('moodle', 'site-log.csv')))
      .digest('hex');
    const [row] = await history();
    const settings = JSON.parse((await t.db.selectFrom('imports').select('details').executeTakeFirstOrThrow()).details ?? '{}').settings;
    expect(settings).toBeDefined();
    await t.db
      .updateTable('imports')
      .set({ file_hash: sha256, import_key: importKeyOf({ ...settings, fileHash: sha256, format: first.format ?? '' }) })
      .where('import_key', '=', row?.import_key ?? '')
      .execute();

    const upgraded = await run();
    expect(upgraded.status).toBe('succeeded');
    expect(await counts()).toEqual(before);
    expect((await run()).status).toBe('already_imported');
    expect(await counts()).toEqual(before);
    expect((await history()).map((r) => [r.status, r.file_hash?.slice(0, 10)])).toEqual([
      ['succeeded', sha256.slice(0, 10)],
      ['succeeded', sha256.slice(0, 10)],
      ['succeeded', 'xxh128-8m:'],
      ['succeeded', 'xxh128-8m:'],
    ]);
  });
});
