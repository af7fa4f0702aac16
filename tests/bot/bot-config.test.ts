import { ConfigError, parseConfig } from '../../bot/config';

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
