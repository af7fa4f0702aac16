import { ConfigError, parseConfig } from '../../bot/config';

const base = { DATABASE_URL: 'sqlite::memory:' };

describe('import settings', () => {
  it('when nothing is set, then Samis columns default to the SITS names and Panopto to Pacific time', () => {
    const ingest = parseConfig(base).ingest;
    expect(ingest).toMatchObject({
      maxRejectedShare: 0.02,
      timeZones: { moodle: 'Europe/London', panopto: 'America/Los_Angeles', teams: 'Europe/London', samis: 'Europe/London' },
      teamsLocale: null,
      samisLoginColumns: { studentCode: 'STU_CODE', time: 'LOGIN_TIME' },
      samisRosterColumns: { studentCode: 'STU_CODE', status: 'SCE_STAC', tutor: 'PRS_CODE', year: 'SCE_BLOK', programme: 'CRS_CODE' },
      dropFolder: null,
    });
  });

  it('when a university overrides some roster columns, then the others keep their defaults', () => {
    const ingest = parseConfig({ ...base, SAMIS_ROSTER_COLUMNS: '{"studentCode":"Student number","status":"Enrolment"}' }).ingest;
    expect(ingest.samisRosterColumns).toMatchObject({ studentCode: 'Student number', status: 'Enrolment', familyName: 'STU_SURN' });
  });

  it('when import settings are wrong, then every problem is reported together by name', () => {
    let problems: string[] = [];
    try {
      parseConfig({
        ...base,
        SAMIS_STATUS_MAP: '{"EN":"enrolled"}',
        SAMIS_LOGIN_COLUMNS: 'not json',
        TEAMS_LOCALE: 'fr-FR',
        IMPORT_MAX_REJECTED_SHARE: '2',
      });
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems.join('\n')).toMatch(/SAMIS_STATUS_MAP: EN: /);
    expect(problems.join('\n')).toMatch(/SAMIS_LOGIN_COLUMNS: expected a JSON object/);
    expect(problems.join('\n')).toMatch(/TEAMS_LOCALE: expected en-GB \(day first\) or en-US/);
    expect(problems.join('\n')).toMatch(/IMPORT_MAX_REJECTED_SHARE/);
  });

  it('when a source time zone is not a real zone, then it is named', () => {
    expect(() => parseConfig({ ...base, PANOPTO_TIME_ZONE: 'Pacific Time' })).toThrow(
      'PANOPTO_TIME_ZONE: unknown time zone "Pacific Time"',
    );
  });
});
