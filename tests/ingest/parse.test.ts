import { parseExport, type CountSource } from '../../bot/ingest/parse-export';
import type { ParseSettings } from '../../bot/ingest/formats/format';
import { fixture, parseSettings } from './support';

async function countsOf(source: CountSource, path: string, settings: Partial<ParseSettings> = {}) {
  const parsed = await parseExport(path, source, parseSettings(settings));
  const counts = [...parsed.tally.entries()].map((e) => `${e.identity} ${e.day} ${e.source} ${e.count}`).sort();
  return { parsed, counts };
}

describe('parsing the real export formats', () => {
  it('when a Moodle site log is read, then logins and submissions are counted per user and day and staff actions are ignored', async () => {
    const { parsed, counts } = await countsOf('moodle', fixture('moodle', 'site-log.csv'));
    expect(parsed.fatal).toBeNull();
    expect(parsed.format?.id).toBe('moodle-log');
    expect(parsed.read?.encoding).toBe('utf-8');
    expect(counts).toEqual([
      'moodle:2113 2023-10-28 moodle_submission 1',
      'moodle:2113 2023-10-29 moodle_login 1',
      'moodle:2113 2023-10-30 moodle_submission 1',
      'moodle:2114 2023-10-27 moodle_submission 1',
      'moodle:2114 2023-10-30 moodle_login 1',
      'moodle:2115 2023-10-28 moodle_login 1',
      'moodle:9999 2023-10-28 moodle_login 1',
    ]);
    expect({ read: parsed.tally.rowsRead, ignored: parsed.tally.rowsIgnored, rejected: parsed.tally.rowsRejected }).toEqual({
      read: 10,
      ignored: 3,
      rejected: 0,
    });
    expect([parsed.tally.firstDay, parsed.tally.lastDay]).toEqual(['2023-10-27', '2023-10-30']);
  });

  it('when the Moodle log was downloaded in UTC across the BST to GMT change, then each event lands on its London day', async () => {
    const { counts } = await countsOf('moodle', fixture('moodle', 'site-log.csv'), { sourceTimeZone: 'UTC' });
    // 23:59:59 UTC on 28 October 2023 was 00:59:59 BST on the 29th; 01:30 UTC on the 29th was 01:30 GMT.
    expect(counts).toContain('moodle:2115 2023-10-29 moodle_login 1');
    expect(counts).toContain('moodle:2113 2023-10-29 moodle_login 1');
  });

  it('when a course-level Moodle log has no logins, then login coverage is withdrawn with a warning', async () => {
    const { parsed, counts } = await countsOf('moodle', fixture('moodle', 'course-log.csv'));
    expect(counts).toEqual(['moodle:2113 2023-10-30 moodle_submission 1']);
    expect([...parsed.tally.sources]).toEqual(['moodle_submission']);
    expect(parsed.tally.warnings[0]).toMatch(/course-level download/);
  });

  it('when the logstore table export is read, then unix times become London days and "logged in as" is ignored', async () => {
    const { parsed, counts } = await countsOf('moodle', fixture('moodle', 'logstore.csv'));
    expect(parsed.format?.id).toBe('moodle-logstore');
    expect(counts).toEqual(['moodle:2113 2023-10-29 moodle_login 2', 'moodle:2114 2023-10-30 moodle_submission 1']);
    expect(parsed.tally.rowsIgnored).toBe(2);
  });

  it('when a Panopto System Views report is read, then each view row counts and Pacific times cross the differing DST changes onto the right London day', async () => {
    const { parsed, counts } = await countsOf('panopto', fixture('panopto', 'system-views.csv'), { sourceTimeZone: 'America/Los_Angeles' });
    expect(parsed.format?.id).toBe('panopto-system-views');
    expect(counts).toEqual([
      'email:ola.nordmann@example.ac.uk 2023-10-09 panopto_view 1',
      'panopto:moodle-prod\\ab123\u001emoodle_username:ab123\u001eemail:sian.obriain@example.ac.uk 2023-10-29 panopto_view 2',
      'panopto:moodle-prod\\cd456\u001emoodle_username:cd456\u001eemail:zoe.jones@example.ac.uk 2023-10-30 panopto_view 1',
      'panopto:moodle-prod\\zz999\u001emoodle_username:zz999 2023-10-10 panopto_view 1',
    ]);
    expect(parsed.tally.rowsIgnored).toBe(0);
  });

  it('when a Panopto Sessions Views report comes without a period, then it is refused with what to add', async () => {
    const { parsed } = await countsOf('panopto', fixture('panopto', 'session-views.csv'));
    expect(parsed.fatal).toMatch(/--from and --to/);
  });

  it('when a Panopto Sessions Views report comes with a period, then each session viewed counts on its last day', async () => {
    const { parsed, counts } = await countsOf('panopto', fixture('panopto', 'session-views.csv'), {
      period: { start: '2023-10-23', end: '2023-10-29' },
    });
    expect(parsed.fatal).toBeNull();
    expect(counts).toEqual([
      'panopto:moodle-prod\\ab123\u001emoodle_username:ab123\u001eemail:sian.obriain@example.ac.uk 2023-10-29 panopto_view 2',
      'panopto:moodle-prod\\cd456\u001emoodle_username:cd456\u001eemail:zoe.jones@example.ac.uk 2023-10-29 panopto_view 1',
    ]);
  });

  it('when a UTF-16LE Teams attendance report is read, then each participant counts once, the organiser and guests are not counted', async () => {
    const { parsed, counts } = await countsOf('teams', fixture('teams', 'attendance-uk.csv'), { locale: 'en-GB' });
    expect(parsed.read?.encoding).toBe('utf-16le');
    expect(parsed.read?.delimiter).toBe('\t');
    expect(parsed.fatal).toBeNull();
    expect(counts).toEqual([
      'email:pat@partner.example.org 2022-11-15 teams_attendance 1',
      'email:sian.obriain@example.ac.uk 2022-11-15 teams_attendance 1',
      'email:zoe.jones@example.ac.uk 2022-11-15 teams_attendance 1',
    ]);
    expect(parsed.scope).toMatch(/^teams-meeting:[0-9a-f]{16}$/);
    expect(parsed.tally.warnings.join(' ')).toMatch(/1 participant row\(s\) had no e-mail/);
  });

  it('when a US Teams report is read with the US locale, then its twelve-hour times give the right day', async () => {
    const { counts } = await countsOf('teams', fixture('teams', 'attendance-us.csv'), { locale: 'en-US' });
    expect(counts).toEqual(['email:sian.obriain@example.ac.uk 2026-09-22 teams_attendance 1']);
  });

  it('when Teams dates read two ways and no locale is set, then every such row is rejected saying how to set it', async () => {
    const { parsed } = await countsOf('teams', fixture('teams', 'attendance-ambiguous.csv'));
    expect(parsed.tally.rowsRejected).toBe(2);
    expect(parsed.tally.rejections[0]?.reason).toMatch(
      /"11\/10\/23, 10:01:00" could be read day-first or month-first; set TEAMS_LOCALE or pass --locale/,
    );
    const uk = await countsOf('teams', fixture('teams', 'attendance-ambiguous.csv'), { locale: 'en-GB' });
    expect(uk.counts[0]).toContain('2023-10-11');
  });

  it('when the 2021 Teams list is read, then a person who rejoined counts once and the UPN stands in for a missing e-mail', async () => {
    const { parsed, counts } = await countsOf('teams', fixture('teams', 'attendance-2021.csv'), { locale: 'en-US' });
    expect(parsed.format?.id).toBe('teams-attendance-2021');
    expect(counts).toEqual([
      'email:ola.nordmann@example.ac.uk 2021-03-02 teams_attendance 1',
      'email:sian.obriain@example.ac.uk 2021-03-02 teams_attendance 1',
    ]);
  });

  it('when the 2020 Teams list is read, then it is refused because display names are never used to identify anyone', async () => {
    const { parsed } = await countsOf('teams', fixture('teams', 'attendance-2020.csv'), { locale: 'en-US' });
    expect(parsed.format?.id).toBe('teams-attendance-2020');
    expect(parsed.fatal).toMatch(/display name is never used/);
  });

  it('when a Samis login export is read, then ISO and UK times both count per student code', async () => {
    const { counts } = await countsOf('samis-logins', fixture('samis', 'logins.csv'));
    expect(counts).toEqual([
      'samis:S1000001 2026-11-20 samis_login 2',
      'samis:S1000002 2026-11-21 samis_login 1',
      'samis:S9999999 2026-11-20 samis_login 1',
    ]);
  });

  it('when the Samis login columns are renamed in config, then a file with the default names is refused naming the expected columns', async () => {
    const { parsed } = await countsOf('samis-logins', fixture('samis', 'logins.csv'), {
      samisLoginColumns: { studentCode: 'Student', time: 'When' },
    });
    expect(parsed.fatal).toMatch(/needs the columns "Student" and "When"/);
  });
});

describe('parsing broken files', () => {
  it.each([
    ['empty.csv', /the file is empty/],
    ['header-only.csv', /a header but no rows/],
    ['report.zip', /zip archive/],
    ['random.bin', /looks binary/],
    // It starts with UTF-8's byte-order mark, so it is not read as Windows-1252: the refusal names the line and what is there.
    [
      'moodle-latin1.csv',
      /not valid UTF-8, although it starts with the UTF-8 byte-order mark: line 2 has byte 0xEB, .*"Jones, Zo\uFFFD".*save the export as "CSV UTF-8"/,
    ],
    ['moodle-french.csv', /header is not one this tool reads for moodle\. Expected Moodle site log download \(Time, User full name/],
    ['does-not-exist.csv', /does not exist/],
  ])('when %s is imported, then the whole file is refused with a clear reason', async (name, message) => {
    const { parsed } = await countsOf('moodle', fixture('broken', name));
    expect(parsed.fatal).toMatch(message);
  });

  it('when the last line is cut inside a quoted field, then that line is rejected and called cut short', async () => {
    const { parsed } = await countsOf('moodle', fixture('broken', 'moodle-truncated.csv'));
    expect(parsed.fatal).toBeNull();
    expect(parsed.tally.rejections).toEqual([
      { line: 12, reason: 'a quoted field is never closed (the file ends in the middle of this line: it looks cut short)' },
    ]);
    expect(parsed.tally.rowsCounted).toBe(7);
  });

  it('when the last line is cut between fields, then it is rejected with its field count and called cut short', async () => {
    const { parsed } = await countsOf('moodle', fixture('broken', 'moodle-truncated-unquoted.csv'));
    expect(parsed.tally.rejections).toEqual([
      { line: 12, reason: 'has 4 fields where the header has 9 (the file ends in the middle of this line: it looks cut short)' },
    ]);
  });

  it('when a row has an impossible date, then it is rejected with its line number and the date', async () => {
    const { parsed } = await countsOf('moodle', fixture('broken', 'moodle-bad-date.csv'));
    expect(parsed.tally.rejections).toEqual([
      { line: 3, reason: 'Time "31/02/23, 08:01:40" is not a Moodle date such as 4/11/23, 11:18:42' },
    ]);
  });
});
