import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases';
import { loadDepartmentCounts } from '../../bot/store/activity.repository';
import { loadCoverage } from '../../bot/store/import.repository';
import { recordAttendanceReport } from '../../bot/store/graph-collection.repository';
import { importExport, type ImportOptions } from '../../bot/ingest/import.command';
import { presentImportSummary } from '../../bot/ingest/import.presenter';
import type { Db } from '../../bot/store/database';
import { insertIdentities } from '../../bot/store/identity.repository';
import { CAMPUS, FRENCH_MOODLE_HEADERS, OLA, SIAN, ZOE, fixture, ingestConfig, seedFixturePeople, submissionAcrossParts } from './support';
import { buildStaff, seedPeople } from '../support/factories';

const trust = (name: string) => fixture('trust', name);
const WEEK = { start: '2023-10-09', end: '2023-10-13' };

/** A clock that moves on a minute per import, so "later" means what it says. */
function clock() {
  let t = Date.parse('2026-11-03T09:00:00Z');
  return () => new Date((t += 60_000));
}

async function countsOf(db: Db, from = '2000-01-01', to = '2100-01-01'): Promise<string[]> {
  const out: string[] = [];
  for (const [student, days] of await loadDepartmentCounts(db, 'dept-a', from, to))
    for (const [day, sources] of days) for (const [source, n] of Object.entries(sources)) out.push(`${student} ${day} ${source} ${n}`);
  return out.sort();
}

const coveredDays = async (db: Db, source: Parameters<Awaited<ReturnType<typeof loadCoverage>>['get']>[0], from: string, to: string) =>
  [...((await loadCoverage(db, from, to)).get(source) ?? [])].sort();

/** The Graph collector's writer, given one meeting session as the collector would after reading a report. */
function collectFromGraph(db: Db, report: { id: string; organiser: string; start: string; day: string; students: string[] }) {
  return recordAttendanceReport(db, {
    reportId: report.id,
    organiser: report.organiser,
    meetingId: `meeting-${report.id}`,
    sessionStart: report.start,
    day: report.day,
    studentIds: report.students,
    collectedAt: '2026-11-03T09:00:00Z',
  });
}

describe.each(DATABASE_KINDS)('imports a university can trust, on %s', (kind) => {
  let t: TestDatabase;
  let dir: string;
  let now: () => Date;
  const run = (options: ImportOptions, env: Record<string, string> = {}) =>
    importExport({ db: t.db, ingest: ingestConfig(env), campusTimeZone: CAMPUS, now }, options);

  beforeEach(async () => {
    t = await createTestDatabase(kind);
    await seedFixturePeople(t.db);
    dir = mkdtempSync(join(tmpdir(), 'em-trust-'));
    now = clock();
  });
  afterEach(async () => {
    await t.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const DAY_LEVEL_VIEWS = [
    `${SIAN.id} 2023-10-09 panopto_view 2`,
    `${SIAN.id} 2023-10-13 panopto_view 1`,
    `${ZOE.id} 2023-10-10 panopto_view 1`,
    `${OLA.id} 2023-10-13 panopto_view 1`,
  ];

  it('when a Panopto report without days follows a System Views report of the same week, then it is skipped and the day-level views stay', async () => {
    await run({ source: 'panopto', path: trust('panopto-system-views-week.csv') });
    const lump = await run({ source: 'panopto', path: trust('panopto-session-views-week.csv'), period: WEEK });

    expect(lump.status).toBe('skipped');
    expect(lump.warnings.join(' ')).toMatch(/already held day by day \(from "panopto-system-views-week.csv"/);
    expect(await countsOf(t.db)).toEqual(DAY_LEVEL_VIEWS);
  });

  it('when a System Views report follows a report without days for the same week, then it replaces the lump whole, giving the same counts', async () => {
    await run({ source: 'panopto', path: trust('panopto-session-views-week.csv'), period: WEEK });
    expect(await countsOf(t.db)).toEqual([
      `${SIAN.id} 2023-10-13 panopto_view 2`,
      `${ZOE.id} 2023-10-13 panopto_view 1`,
      `${OLA.id} 2023-10-13 panopto_view 1`,
    ]);

    const dated = await run({ source: 'panopto', path: trust('panopto-system-views-week.csv') });

    expect(dated.status).toBe('succeeded');
    expect(dated.warnings).toContain(
      'Times read as America/Los_Angeles (PANOPTO_TIME_ZONE or --timezone): the first, 10/9/2023 9:05:11 AM, became 2023-10-09 and the last, 10/13/2023 8:00:00 AM, became 2023-10-13 in Europe/London.',
    );
    expect(await countsOf(t.db)).toEqual(DAY_LEVEL_VIEWS);
    expect(await coveredDays(t.db, 'panopto_view', '2023-10-01', '2023-10-31')).toEqual([
      '2023-10-09',
      '2023-10-10',
      '2023-10-11',
      '2023-10-12',
      '2023-10-13',
    ]);
  });

  const TEAMS_UNION = [
    `${SIAN.id} 2023-11-21 teams_attendance 2`,
    `${ZOE.id} 2023-11-21 teams_attendance 1`,
    `${OLA.id} 2023-11-21 teams_attendance 1`,
  ];
  // The same seminar as the download (organiser by UPN, Graph's start a fraction later), then another meeting.
  const graphSeminar = { id: 'r-seminar', organiser: 'l.organiser@example.ac.uk', start: '2023-11-21T10:00:04.5Z', day: '2023-11-21' };
  const graphOther = { id: 'r-lab', organiser: 'l.organiser@example.ac.uk', start: '2023-11-21T14:00:00Z', day: '2023-11-21' };

  it('when Teams attendance arrives from a download and then from Graph for the same day, then the union is kept and the shared meeting counts once', async () => {
    await run({ source: 'teams', path: trust('teams-seminar.csv') });
    await collectFromGraph(t.db, { ...graphSeminar, students: [SIAN.id, OLA.id] });
    await collectFromGraph(t.db, { ...graphOther, students: [SIAN.id] });

    expect(await countsOf(t.db)).toEqual(TEAMS_UNION);
  });

  it('when Teams attendance arrives from Graph first and the download of the same meeting after, then the counts are the same', async () => {
    await collectFromGraph(t.db, { ...graphOther, students: [SIAN.id] });
    await collectFromGraph(t.db, { ...graphSeminar, students: [SIAN.id, OLA.id] });
    const summary = await run({ source: 'teams', path: trust('teams-seminar.csv') });

    expect(summary.status).toBe('succeeded');
    expect(await countsOf(t.db)).toEqual(TEAMS_UNION);
  });

  it('when no row of a file names a known student, then it is refused with the reason and what was stored stays', async () => {
    await run({ source: 'moodle', path: trust('moodle-1-10-nov.csv') });
    const before = await countsOf(t.db);

    const summary = await run({ source: 'moodle', path: trust('moodle-other-site.csv') });

    expect(summary.status).toBe('failed');
    expect(summary.errors[0]).toMatch(
      /^none of the 2 row\(s\) that would count names a known student \(for example moodle:88001, moodle:88002\)/,
    );
    expect(await countsOf(t.db)).toEqual(before);
    expect(await coveredDays(t.db, 'moodle_login', '2023-11-01', '2023-11-10')).toHaveLength(10);
  });

  it('when fewer rows than IMPORT_MIN_RESOLVED_SHARE name a known student, then the file is refused; at or above it, imported', async () => {
    // Five logins of known students and two of another site's users, as one download.
    const mixed = join(dir, 'mixed.csv');
    const other = readFileSync(trust('moodle-other-site.csv'), 'utf8').split('\n').slice(1).join('\n');
    writeFileSync(mixed, readFileSync(trust('moodle-1-10-nov.csv'), 'utf8') + other);

    const refused = await run({ source: 'moodle', path: mixed }, { IMPORT_MIN_RESOLVED_SHARE: '0.8' });
    expect(refused.status).toBe('failed');
    expect(refused.errors[0]).toMatch(/^only 5 of 7 row\(s\) that would count \(71.4%\) name a known student, fewer than the 80% required/);
    expect(await countsOf(t.db)).toEqual([]);

    const accepted = await run({ source: 'moodle', path: mixed }, { IMPORT_MIN_RESOLVED_SHARE: '0.7' });
    expect(accepted.status).toBe('succeeded');
    expect(await countsOf(t.db)).toHaveLength(5);
  });

  it("when one meeting's attendance file is imported, then no Teams day becomes known; with --complete, its day does", async () => {
    await run({ source: 'teams', path: trust('teams-seminar.csv') });
    expect(await coveredDays(t.db, 'teams_attendance', '2023-11-20', '2023-11-22')).toEqual([]);

    const complete = await run({ source: 'teams', path: trust('teams-seminar.csv'), complete: true });

    expect(complete.status).toBe('succeeded');
    expect(complete.warnings.join(' ')).toMatch(/with other settings/);
    expect(await coveredDays(t.db, 'teams_attendance', '2023-11-20', '2023-11-22')).toEqual(['2023-11-21']);
    expect(await countsOf(t.db)).toEqual([`${SIAN.id} 2023-11-21 teams_attendance 1`, `${ZOE.id} 2023-11-21 teams_attendance 1`]);
    expect(presentImportSummary(await run({ source: 'teams', path: trust('teams-seminar.csv') }))).toMatch(/partial: adds counts/);
  });

  it('when the same file and settings are imported again, then the message says so with the first date and name; --force applies it again', async () => {
    await run({ source: 'moodle', path: trust('moodle-1-10-nov.csv'), fileName: 'moodle-logs.csv' });

    const again = await run({ source: 'moodle', path: trust('moodle-1-10-nov.csv'), fileName: 'again.csv' });
    expect(again.status).toBe('already_imported');
    expect(again.warnings).toContain(
      'skipped: identical file and settings, imported on 3 Nov 2026 as moodle-logs.csv; nothing was changed (use --force to apply it again).',
    );

    const forced = await run({ source: 'moodle', path: trust('moodle-1-10-nov.csv'), force: true });
    expect(forced.status).toBe('succeeded');
    expect(await countsOf(t.db)).toHaveLength(5);
  });

  it('when a file is imported with another time zone or a narrower period, then it is applied with the new settings', async () => {
    await run({ source: 'moodle', path: trust('moodle-1-10-nov.csv') });
    // Read as Tokyo time, Ola's 08:30 on the 8th is 23:30 on the 7th in London.
    const tokyo = await run({ source: 'moodle', path: trust('moodle-1-10-nov.csv'), timeZone: 'Asia/Tokyo' });
    expect(tokyo.status).toBe('succeeded');
    expect(tokyo.warnings).toContain(
      'This file was imported on 3 Nov 2026 as moodle-1-10-nov.csv with other settings (the time zone: Europe/London, now Asia/Tokyo); it is applied again with the current ones.',
    );
    expect(await countsOf(t.db)).toContain(`${OLA.id} 2023-11-07 moodle_login 1`);
    expect(await countsOf(t.db)).not.toContain(`${OLA.id} 2023-11-08 moodle_login 1`);

    const narrow = await run({ source: 'moodle', path: trust('moodle-1-10-nov.csv'), period: { start: '2023-11-06', end: '2023-11-10' } });
    expect(narrow.status).toBe('succeeded');
    expect(narrow.period).toEqual({ start: '2023-11-06', end: '2023-11-10' });
    expect(narrow.warnings).toContain(
      'This file was imported on 3 Nov 2026 as moodle-1-10-nov.csv with other settings (the period: the whole file, now 2023-11-06 to 2023-11-10; the time zone: Asia/Tokyo, now Europe/London); it is applied again with the current ones, replacing only 2023-11-06 to 2023-11-10.',
    );
  });

  it('when a narrower --from/--to replaced part of a file, then the full file imported again is re-applied with that reason and gives its counts back', async () => {
    await run({ source: 'moodle', path: trust('moodle-1-10-nov.csv'), fileName: 'moodle-logs.csv' });
    const full = await countsOf(t.db);
    // Read again for 6-10 November as Tokyo time (by mistake): Ola's login of the 8th moves to the 7th.
    const narrow = await run({
      source: 'moodle',
      path: trust('moodle-1-10-nov.csv'),
      period: { start: '2023-11-06', end: '2023-11-10' },
      timeZone: 'Asia/Tokyo',
    });
    expect(narrow.warnings.join(' ')).toMatch(
      /\(the period: the whole file, now 2023-11-06 to 2023-11-10; the time zone: Europe\/London, now Asia\/Tokyo\)/,
    );
    expect(await countsOf(t.db)).not.toEqual(full);

    const again = await run({ source: 'moodle', path: trust('moodle-1-10-nov.csv'), fileName: 'moodle-logs.csv' });

    expect(again.status).toBe('succeeded');
    expect(again.warnings).toContain(
      're-applied: this file was imported on 3 Nov 2026 as moodle-logs.csv, but "moodle-1-10-nov.csv" imported since replaced part of its period.',
    );
    expect(await countsOf(t.db)).toEqual(full);
    const same = await run({ source: 'moodle', path: trust('moodle-1-10-nov.csv') });
    expect(same.status).toBe('already_imported');
    expect(same.warnings[0]).toMatch(/^skipped: identical file and settings, imported on 3 Nov 2026 as moodle-logs.csv/);
  });

  it("when a later import replaced part of a file's period, then the file imported again is re-applied with that reason", async () => {
    await run({ source: 'moodle', path: trust('moodle-1-10-nov.csv') });
    await run({ source: 'moodle', path: trust('moodle-6-14-nov.csv') });

    const again = await run({ source: 'moodle', path: trust('moodle-1-10-nov.csv') });

    expect(again.status).toBe('succeeded');
    expect(again.warnings.join(' ')).toMatch(/re-applied: .* "moodle-6-14-nov.csv" imported since replaced part of its period/);
  });

  it('when the same set of files is imported in several orders, then the counts are identical', async () => {
    // A tutor whose Samis logins are in one export (staff, ignored), and the settings each file needs.
    await seedPeople(t.db, { staff: [buildStaff({ id: 'TUT01', email: 'tut01@example.ac.uk' })] });
    const env = {
      SAMIS_LOGIN_COLUMNS: JSON.stringify({ date: 'LOGIN_DATE', time: 'LOGIN_TIME' }),
      MOODLE_LOG_STRINGS: JSON.stringify({
        headers: FRENCH_MOODLE_HEADERS,
        events: { 'User has logged in': 'Utilisateur connecté', 'A submission has been submitted.': 'Travail de devoir remis' },
      }),
    };
    const files: Array<ImportOptions | 'graph'> = [
      { source: 'moodle', path: trust('moodle-1-10-nov.csv') },
      { source: 'moodle', path: trust('moodle-6-14-nov.csv') },
      { source: 'panopto', path: trust('panopto-system-views-week.csv') },
      { source: 'panopto', path: trust('panopto-session-views-week.csv'), period: WEEK },
      { source: 'teams', path: trust('teams-seminar.csv') },
      'graph',
      { source: 'teams', path: trust('teams-2021-with-summary.csv') },
      { source: 'moodle', path: trust('moodle-submissions.csv'), parts: 2 },
      { source: 'moodle', path: fixture('languages', 'moodle-log-fr.csv'), period: { start: '2023-11-17', end: '2023-11-17' } },
      { source: 'samis-logins', path: trust('samis-logins-split.csv') },
      { source: 'samis-logins', path: fixture('staff', 'samis-logins-staff.csv'), fileName: 'staff.csv' },
    ];
    const orders = [
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
      [3, 8, 5, 10, 1, 4, 7, 0, 9, 2, 6],
    ];
    const results: string[][] = [];
    for (const order of orders) {
      await t.db.deleteFrom('teams_attendance_sessions').execute();
      await t.db.deleteFrom('graph_attendance_reports').execute();
      await t.db.deleteFrom('teams_meeting_attendance').execute();
      await t.db.deleteFrom('import_counts').execute();
      await t.db.deleteFrom('imports').execute();
      await t.db.deleteFrom('activity_counts').execute();
      for (const i of order) {
        const f = files[i] as ImportOptions | 'graph';
        if (f === 'graph') {
          await collectFromGraph(t.db, { ...graphSeminar, students: [SIAN.id, OLA.id] });
          await collectFromGraph(t.db, { ...graphOther, students: [SIAN.id] });
        } else {
          // The Samis split export names its date column in the setting; the other login export has one time column.
          const settings = f.fileName === 'staff.csv' ? { MOODLE_LOG_STRINGS: env.MOODLE_LOG_STRINGS } : env;
          expect({ file: f.path, status: (await run(f, settings)).status }).toEqual({
            file: f.path,
            status: expect.stringMatching(/succeeded|skipped/),
          });
        }
      }
      results.push(await countsOf(t.db));
    }
    expect(results[0]).toEqual(
      expect.arrayContaining([
        ...DAY_LEVEL_VIEWS,
        ...TEAMS_UNION,
        `${SIAN.id} 2023-11-17 moodle_submission 1`,
        `${SIAN.id} 2023-11-15 moodle_submission 1`,
        `${ZOE.id} 2023-11-22 teams_attendance 1`,
        `${SIAN.id} 2023-10-10 samis_login 2`,
        `${SIAN.id} 2023-11-20 samis_login 1`,
      ]),
    );
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });

  it('when a Teams 2021 list starts with a "Meeting Summary" block, then the format is found by its header further down and each participant counts once', async () => {
    const summary = await run({ source: 'teams', path: trust('teams-2021-with-summary.csv') });

    expect(summary).toMatchObject({ status: 'succeeded', format: 'teams-attendance-2021', rowsCounted: 2 });
    expect(await countsOf(t.db)).toEqual([`${ZOE.id} 2023-11-22 teams_attendance 1`, `${OLA.id} 2023-11-22 teams_attendance 1`]);
  });

  it('when a Samis login export has separate SITS date and time columns, then the configured columns combine into the login time', async () => {
    const env = { SAMIS_LOGIN_COLUMNS: JSON.stringify({ date: 'LOGIN_DATE', time: 'LOGIN_TIME' }) };
    const summary = await run({ source: 'samis-logins', path: trust('samis-logins-split.csv') }, env);

    expect(summary).toMatchObject({ status: 'succeeded', rowsRejected: 0, period: { start: '2023-10-09', end: '2023-10-10' } });
    expect(await countsOf(t.db)).toEqual([
      `${SIAN.id} 2023-10-09 samis_login 1`,
      `${SIAN.id} 2023-10-10 samis_login 2`,
      `${ZOE.id} 2023-10-09 samis_login 1`,
    ]);
    const refused = await run({ source: 'samis-logins', path: trust('samis-logins-split.csv'), fileName: 'without-date-column.csv' });
    expect(refused.status).toBe('failed');
  });

  it('when Panopto names viewers by provider and Moodle username with no e-mail, then they resolve through the Moodle username', async () => {
    await insertIdentities(t.db, [
      { sourceSystem: 'moodle_username', externalKey: 'tst0013', studentId: SIAN.id },
      { sourceSystem: 'moodle_username', externalKey: 'tst0014', studentId: OLA.id },
    ]);

    const summary = await run({
      source: 'panopto',
      path: trust('panopto-provider-names.csv'),
      period: { start: '2023-11-20', end: '2023-11-24' },
    });

    expect(summary.status).toBe('succeeded');
    expect(await countsOf(t.db)).toEqual([`${SIAN.id} 2023-11-24 panopto_view 1`, `${OLA.id} 2023-11-24 panopto_view 1`]);
    expect(summary.unresolved.keys).toEqual(['panopto:bathmoodle\\zz9999 or moodle_username:zz9999']);
  });

  it('when a site emits created, updated and submitted for one piece of work, then it is one submission per student, course module and day', async () => {
    const summary = await run({ source: 'moodle', path: trust('moodle-submissions.csv') });

    expect(summary.status).toBe('succeeded');
    expect(await countsOf(t.db)).toEqual([
      `${SIAN.id} 2023-11-15 moodle_submission 1`,
      `${SIAN.id} 2023-11-16 moodle_submission 1`,
      `${ZOE.id} 2023-11-15 moodle_submission 1`,
      `${OLA.id} 2023-11-15 moodle_login 1`,
      `${OLA.id} 2023-11-15 moodle_submission 1`,
    ]);
  });

  it("when a log is counted in parts and one submission's created and submitted events fall in different parts, then it is stored once", async () => {
    const path = join(dir, 'moodle-split-submission.csv');
    writeFileSync(path, submissionAcrossParts());

    for (const parts of [1, 2, 3]) {
      const summary = await run({ source: 'moodle', path, parts, force: true });
      expect({ parts, status: summary.status, submissions: summary.countsBySource.moodle_submission }).toEqual({
        parts,
        status: 'succeeded',
        submissions: 1,
      });
      expect(await countsOf(t.db)).toEqual([`${SIAN.id} 2023-11-15 moodle_submission 1`]);
    }
  });

  it('when a Teams file with day-first dates is read with a US locale, then the top-line error says to pass --locale en-GB', async () => {
    // A newer client's download (its own header casing), from a UK desktop: UTF-16LE with BOM, tabs, CRLF, 13/10/2023.
    const lines = [
      '1. Summary',
      'Meeting title\tTutorial: Optics',
      'Attended participants\t2',
      'Start time\t13/10/2023, 14:00:00',
      'End time\t13/10/2023, 14:50:00',
      '',
      '2. Participants',
      'Name\tFirst join\tLast leave\tIn-meeting duration\tEmail\tParticipant ID (UPN)\tRole',
      'Dr Lena Organiser\t13/10/2023, 14:00:00\t13/10/2023, 14:50:00\t50m\tl.organiser@example.ac.uk\tl.organiser@example.ac.uk\tOrganizer',
      'Siân Ó Briain\t13/10/2023, 14:01:10\t13/10/2023, 14:49:00\t47m 50s\tsian.obriain@example.ac.uk\tsian.obriain@example.ac.uk\tAttendee',
      'Jones, Zoë\t13/10/2023, 14:02:00\t13/10/2023, 14:45:00\t43m\tzoe.jones@example.ac.uk\tzoe.jones@example.ac.uk\tAttendee',
      '',
    ];
    const path = join(dir, 'Tutorial - Attendance report 13-10-23.csv');
    writeFileSync(path, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(lines.join('\r\n'), 'utf16le')]));

    const summary = await run({ source: 'teams', path }, { TEAMS_LOCALE: 'en-US' });

    expect(summary.status).toBe('failed');
    expect(summary.errors[0]).toBe(
      'no row in the file has a usable date in the locale given: 3 date(s) read only day first, so the file was downloaded with en-GB dates. Pass --locale en-GB (or set TEAMS_LOCALE=en-GB) and import the file again',
    );
    expect(await countsOf(t.db)).toEqual([]);

    const fixed = await run({ source: 'teams', path, locale: 'en-GB' }, { TEAMS_LOCALE: 'en-US' });
    expect(fixed.status).toBe('succeeded');
    expect(await countsOf(t.db)).toEqual([`${SIAN.id} 2023-10-13 teams_attendance 1`, `${ZOE.id} 2023-10-13 teams_attendance 1`]);
  });

  it('when no date in a Teams file reads only one way, then the top-line error says to pass --locale', async () => {
    const summary = await run({ source: 'teams', path: fixture('teams', 'attendance-ambiguous.csv') });

    expect(summary.status).toBe('failed');
    expect(summary.errors[0]).toMatch(/could be read day-first or month-first .* Pass --locale en-GB \(day first\) or --locale en-US/);
  });
});
