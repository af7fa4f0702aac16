import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases';
import { loadDepartmentCounts } from '../../bot/store/activity.repository';
import { importExport, type ImportOptions } from '../../bot/ingest/import.command';
import type { Db } from '../../bot/store/database';
import { CAMPUS, FRENCH_MOODLE_HEADERS, OLA, SIAN, ZOE, fixture, ingestConfig, seedFixturePeople } from './support';

const NOW = new Date('2026-11-28T10:00:00Z');
const french = fixture('languages', 'moodle-log-fr.csv');

/** What an administrator writes for the French pack: the header copied from the file's first line, and the counted event names. */
const FRENCH = {
  headers: FRENCH_MOODLE_HEADERS,
  events: {
    'User has logged in': 'Utilisateur connecté',
    'A submission has been submitted.': 'Travail de devoir remis',
    'Submission created.': 'Travail de devoir créé',
    'Submission updated.': 'Travail de devoir modifié',
  },
};

async function countsOf(db: Db): Promise<string[]> {
  const out: string[] = [];
  for (const [student, days] of await loadDepartmentCounts(db, 'dept-a', '2000-01-01', '2100-01-01'))
    for (const [day, sources] of days) for (const [source, n] of Object.entries(sources)) out.push(`${student} ${day} ${source} ${n}`);
  return out.sort();
}

describe.each(DATABASE_KINDS)('Moodle logs downloaded in another language pack, on %s', (kind) => {
  let t: TestDatabase;
  let dir: string;
  const run = (options: ImportOptions, env: Record<string, string> = {}) =>
    importExport({ db: t.db, ingest: ingestConfig(env), campusTimeZone: CAMPUS, now: () => NOW }, options);

  beforeEach(async () => {
    t = await createTestDatabase(kind);
    await seedFixturePeople(t.db);
    dir = mkdtempSync(join(tmpdir(), 'em-lang-'));
  });
  afterEach(async () => {
    await t.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when a French log is imported without MOODLE_LOG_STRINGS, then it is refused naming the setting', async () => {
    const summary = await run({ source: 'moodle', path: french });

    expect(summary.status).toBe('failed');
    expect(summary.errors[0]).toMatch(
      /Found: heure, nom complet de l'utilisateur, .* needs its header and event names in MOODLE_LOG_STRINGS/,
    );
    expect(await countsOf(t.db)).toEqual([]);
  });

  it('when MOODLE_LOG_STRINGS gives the French names, then logins and one submission per module and day count as in English', async () => {
    const summary = await run({ source: 'moodle', path: french }, { MOODLE_LOG_STRINGS: JSON.stringify(FRENCH) });

    expect(summary).toMatchObject({ status: 'succeeded', format: 'moodle-log', rowsRead: 7, rowsRejected: 0, rowsUnresolved: 0 });
    expect(await countsOf(t.db)).toEqual(
      [
        `${SIAN.id} 2023-11-17 moodle_login 1`,
        `${SIAN.id} 2023-11-17 moodle_submission 1`,
        `${ZOE.id} 2023-11-16 moodle_login 1`,
        `${OLA.id} 2023-11-13 moodle_login 1`,
      ].sort(),
    );
    // Counted in parts on worker threads, the translated names reach every part.
    const before = await countsOf(t.db);
    const inParts = await run({ source: 'moodle', path: french, parts: 2, force: true }, { MOODLE_LOG_STRINGS: JSON.stringify(FRENCH) });
    expect(inParts).toMatchObject({ status: 'succeeded', rowsCounted: summary.rowsCounted, rowsIgnored: summary.rowsIgnored });
    expect(await countsOf(t.db)).toEqual(before);
  });

  it('when the event names are added to MOODLE_LOG_STRINGS after a first import, then the same file imported again applies them', async () => {
    const loginsOnly = { ...FRENCH, events: { 'User has logged in': 'Utilisateur connecté' } };
    const first = await run({ source: 'moodle', path: french }, { MOODLE_LOG_STRINGS: JSON.stringify(loginsOnly) });
    expect(first.countsBySource).toEqual({ moodle_login: 3 });

    const again = await run({ source: 'moodle', path: french }, { MOODLE_LOG_STRINGS: JSON.stringify(FRENCH) });

    expect(again.status).toBe('succeeded');
    expect(again.warnings.join(' ')).toMatch(/with other settings/);
    expect(await countsOf(t.db)).toContain(`${SIAN.id} 2023-11-17 moodle_submission 1`);
  });

  it('when a pack prints the month first (English US), then dateOrder month-first reads it and day-first would not guess', async () => {
    const us = join(dir, 'logs_us.csv');
    writeFileSync(
      us,
      '\uFEFFTime,"User full name","Affected user","Event context",Component,"Event name",Description,Origin,"IP address"\n' +
        '"11/17/23, 17:59:00","Siân Ó Briain",-,System,System,"User has logged in","The user with id \'2113\' has logged in.",web,203.0.113.20\n' +
        '"11/13/23, 09:30:00","Ola Nordmann",-,System,System,"User has logged in","The user with id \'2115\' has logged in.",web,192.0.2.33\n',
    );
    const dayFirst = await run({ source: 'moodle', path: us });
    expect(dayFirst.status).toBe('failed');

    const monthFirst = await run({ source: 'moodle', path: us }, { MOODLE_LOG_STRINGS: '{"dateOrder":"month-first"}' });
    expect(monthFirst.status).toBe('succeeded');
    expect(await countsOf(t.db)).toEqual([`${SIAN.id} 2023-11-17 moodle_login 1`, `${OLA.id} 2023-11-13 moodle_login 1`].sort());
  });

  it('when MOODLE_LOG_STRINGS is set, then a logstore_standard_log dump and an English download still import as before', async () => {
    const env = { MOODLE_LOG_STRINGS: JSON.stringify(FRENCH) };
    const dump = await run({ source: 'moodle', path: fixture('moodle', 'logstore.csv') }, env);
    const english = await run({ source: 'moodle', path: fixture('moodle', 'site-log.csv') }, env);

    expect([dump.status, dump.format, english.status, english.format]).toEqual(['succeeded', 'moodle-logstore', 'succeeded', 'moodle-log']);
  });

  it('when MOODLE_LOG_STRINGS names an event that is not counted, then the configuration is refused at start', () => {
    expect(() => ingestConfig({ MOODLE_LOG_STRINGS: '{"events":{"Course viewed":"Cours consulté"}}' })).toThrow(/MOODLE_LOG_STRINGS/);
  });
});
