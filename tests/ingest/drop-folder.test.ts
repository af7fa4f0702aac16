import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASE_KINDS, buildTestConfig, createTestDatabase, silentLogger, type TestDatabase } from '../support/databases';
import { importDropFolder } from '../../bot/ingest/drop-folder.command';
import { createApp } from '../../bot/app';
import { CAMPUS, fixture, ingestConfig, seedFixturePeople } from './support';

function drop(root: string, source: string, file: string, ageMs: number): string {
  mkdirSync(join(root, source), { recursive: true });
  const target = join(root, source, file.split('/').pop() as string);
  copyFileSync(file, target);
  const when = new Date(Date.now() - ageMs);
  utimesSync(target, when, when);
  return target;
}

describe.each(DATABASE_KINDS)('drop folder on %s', (kind) => {
  let t: TestDatabase;
  let root: string;
  beforeEach(async () => {
    t = await createTestDatabase(kind);
    await seedFixturePeople(t.db);
    root = mkdtempSync(join(tmpdir(), 'em-drop-'));
  });
  afterEach(async () => {
    await t.drop();
    rmSync(root, { recursive: true, force: true });
  });

  it('when settled files are in the drop folder, then good ones move to processed, bad ones to failed, each with a report, and files still arriving stay', async () => {
    drop(root, 'moodle', fixture('moodle', 'site-log.csv'), 120_000);
    drop(root, 'moodle', fixture('broken', 'moodle-french.csv'), 120_000);
    const arriving = drop(root, 'teams', fixture('teams', 'attendance-uk.csv'), 0);

    const results = await importDropFolder({
      db: t.db,
      ingest: ingestConfig({ IMPORT_DROP_FOLDER: root, TEAMS_LOCALE: 'en-GB' }),
      campusTimeZone: CAMPUS,
      logger: silentLogger,
      now: () => new Date(),
    });

    expect(results.map((r) => [r.file, r.status])).toEqual([
      ['moodle-french.csv', 'failed'],
      ['site-log.csv', 'succeeded'],
    ]);
    const processed = readdirSync(join(root, 'moodle', 'processed'));
    expect(processed.filter((n) => n.endsWith('site-log.csv'))).toHaveLength(1);
    const failed = readdirSync(join(root, 'moodle', 'failed'));
    const report = failed.find((n) => n.endsWith('moodle-french.csv.report.txt')) as string;
    expect(readFileSync(join(root, 'moodle', 'failed', report), 'utf8')).toMatch(
      /NOT imported[\s\S]*the header is not one this tool reads for moodle/,
    );
    expect(
      JSON.parse(
        readFileSync(join(root, 'moodle', 'processed', `${processed.find((n) => n.endsWith('site-log.csv'))}.report.json`), 'utf8'),
      ),
    ).toMatchObject({ status: 'succeeded', rowsCounted: 6 });
    expect(existsSync(arriving)).toBe(true);
    expect(readdirSync(join(root, 'moodle')).sort()).toEqual(['failed', 'processed']);
  });
});

describe('the import-watch job', () => {
  it('when the service has a drop folder configured, then its declared job imports what is dropped', async () => {
    const root = mkdtempSync(join(tmpdir(), 'em-drop-app-'));
    const app = createApp(buildTestConfig({ IMPORT_DROP_FOLDER: root }), { logger: silentLogger });
    try {
      await app.prepare();
      await seedFixturePeople(app.db);
      drop(root, 'samis-logins', fixture('samis', 'logins.csv'), 120_000);

      await app.scheduler.trigger('import-watch');

      const processed = readdirSync(join(root, 'samis-logins', 'processed'));
      expect(processed.some((n) => n.endsWith('logins.csv.report.json'))).toBe(true);
      const rows = await app.db.selectFrom('imports').select(['source', 'status']).where('format', '=', 'samis-logins').execute();
      expect(rows).toEqual([{ source: 'samis_login', status: 'succeeded' }]);
    } finally {
      await app.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
