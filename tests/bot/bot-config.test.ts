import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfig } from '../../bot/config';
import { UNIVERSITY_CONTACTS_ENV } from '../support/app';

describe('bot settings', () => {
  it('when support contacts are not valid JSON and Graph install lacks its app id, then both problems are reported together', () => {
    const error = (() => {
      try {
        parseConfig({ SUPPORT_CONTACTS: 'Wellbeing: 01234', GRAPH_INSTALL_ENABLED: 'true' });
      } catch (e) {
        return e;
      }
      return null;
    })() as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.problems.join('\n')).toMatch(/SUPPORT_CONTACTS: expected JSON/);
    expect(error.problems.join('\n')).toMatch(/TEAMS_APP_EXTERNAL_ID: required when GRAPH_INSTALL_ENABLED=true/);
  });

  it('when urgent terms are configured, then they are trimmed, lower-cased and added to the risk phrases', () => {
    expect(parseConfig({ URGENT_TERMS: ' Overdose , end it ,' }).support.phrases.risk).toEqual(['overdose', 'end it']);
  });

  it('when nothing is set, then escalation waits 3 working days and the wellbeing role is the Student Experience Officer', () => {
    const config = parseConfig({});
    expect(config.alerts.escalationWorkingDays).toBe(3);
    expect(config.support.wellbeingRole).toBe('student_experience_officer');
    expect(config.support.urgentContacts.length).toBeGreaterThan(0);
  });
});

describe('wellbeing settings', () => {
  const production = {
    APP_MODE: 'production',
    MICROSOFT_APP_ID: '11111111-2222-4333-8444-555555555555',
    MICROSOFT_APP_PASSWORD: 'secret',
    MICROSOFT_APP_TENANT_ID: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
    PUBLIC_URL: 'https://engagement.uni.ac.uk',
    PRIVACY_NOTICE_URL: 'https://www.uni.ac.uk/privacy/engagement-monitoring',
  };
  const problemsOf = (env: Record<string, string>): string[] => {
    try {
      parseConfig(env);
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
    return [];
  };
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'em-phrases-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('when production starts without support or urgent contacts, then each variable is named in one line', () => {
    const problems = problemsOf(production);
    expect(problems.filter((p) => p.startsWith('SUPPORT_CONTACTS: required when APP_MODE=production'))).toHaveLength(1);
    expect(problems.filter((p) => p.startsWith('URGENT_CONTACTS: required when APP_MODE=production'))).toHaveLength(1);
  });

  it('when production is given the placeholder or README example contacts, then it refuses to start', () => {
    const problems = problemsOf({
      ...production,
      SUPPORT_CONTACTS: '[{"name":"Wellbeing Service","detail":"Set SUPPORT_CONTACTS to your university’s Wellbeing Service details."}]',
      URGENT_CONTACTS: '[{"name":"Wellbeing Service","detail":"01234 567890"}]',
    });
    expect(problems).toEqual([
      "SUPPORT_CONTACTS: still a placeholder; set your university's real contacts before running with APP_MODE=production",
      "URGENT_CONTACTS: still a placeholder; set your university's real contacts before running with APP_MODE=production",
    ]);
  });

  it('when production has real contacts, then it starts; local mode keeps the defaults', () => {
    const config = parseConfig({ ...production, ...UNIVERSITY_CONTACTS_ENV });
    expect(config.support.contacts[0]?.detail).toContain('wellbeing@engagement.ac.uk');
    expect(
      parseConfig({})
        .support.urgentContacts.map((c) => c.detail)
        .join(' '),
    ).toContain('116 123');
  });

  it('when a phrase file is set, then its phrases join the lists; a file of the wrong shape is named with its problem', () => {
    const good = join(dir, 'phrases.json');
    writeFileSync(good, JSON.stringify({ risk: ['jump in the cam'], distress: ['homesick'] }));
    expect(parseConfig({ WELLBEING_PHRASES_FILE: good, URGENT_TERMS: 'overdose' }).support.phrases).toEqual({
      risk: ['overdose', 'jump in the cam'],
      distress: ['homesick'],
    });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ risk: 'jump', ignore: ['x'] }));
    expect(problemsOf({ WELLBEING_PHRASES_FILE: bad })).toEqual([expect.stringMatching(/^WELLBEING_PHRASES_FILE: .*bad\.json must be/)]);
    expect(problemsOf({ WELLBEING_PHRASES_FILE: join(dir, 'missing.json') })).toEqual([
      expect.stringMatching(/^WELLBEING_PHRASES_FILE: cannot read .*missing\.json/),
    ]);
  });
});
