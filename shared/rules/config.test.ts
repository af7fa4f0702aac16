import { DEFAULT_RULES_CONFIG, RulesConfigError, parseRulesConfig, requiredWindows } from './config';

describe('rule configuration', () => {
  it('when nothing is stored, then the issue defaults apply', () => {
    const config = parseRulesConfig(undefined);
    expect(config).toEqual(DEFAULT_RULES_CONFIG);
    expect(config.noEngagement).toEqual({ enabled: true, severity: 'high', days: 14 });
    expect(config.lowEngagement).toMatchObject({ severity: 'medium', days: 21, cohortPercentile: 10 });
    expect(config.sharpDrop).toMatchObject({ severity: 'medium', recentDays: 7, baselineDays: 21, ratio: 0.25 });
    expect(config.silentSource).toMatchObject({ severity: 'low', days: 14 });
  });

  it('when a department changes one setting, then the others keep their defaults', () => {
    const config = parseRulesConfig({ sharpDrop: { ratio: 0.3 }, cases: { closeAfterRecoveryDays: null } });
    expect(config.sharpDrop).toEqual({ ...DEFAULT_RULES_CONFIG.sharpDrop, ratio: 0.3 });
    expect(config.cases).toEqual({ coolDownDays: 14, closeAfterRecoveryDays: null });
    expect(config.noEngagement).toEqual(DEFAULT_RULES_CONFIG.noEngagement);
  });

  it('when several settings are wrong, then one error names every one of them in plain words', () => {
    const attempt = () => parseRulesConfig({ noEngagment: {}, noEngagement: { days: 0, severity: 'urgent' }, sharpDrop: { ratio: 2 } });
    expect(attempt).toThrow(RulesConfigError);
    try {
      attempt();
    } catch (error) {
      expect((error as RulesConfigError).problems).toEqual([
        'noEngagement.severity must be one of high, medium, low',
        'noEngagement.days must be at least 1 term day',
        'sharpDrop.ratio must be below 1',
        'unknown setting "noEngagment"',
      ]);
    }
  });

  it('when the drop baseline is shorter than the recent period, then it is refused as not meaningful', () => {
    expect(() => parseRulesConfig({ sharpDrop: { recentDays: 14, baselineDays: 7 } })).toThrow(
      'sharpDrop.baselineDays must be at least sharpDrop.recentDays',
    );
  });

  it('when the stored configuration is not an object, then the error says so', () => {
    expect(() => parseRulesConfig('14')).toThrow('Invalid rule configuration: the rule configuration must be a JSON object');
  });

  it('when windows are configured, then the summed windows are exactly those the rules and explanations read', () => {
    expect(requiredWindows(DEFAULT_RULES_CONFIG)).toEqual([7, 14, 21, 28]);
    expect(requiredWindows(parseRulesConfig({ noEngagement: { days: 10 }, sharpDrop: { recentDays: 5, baselineDays: 15 } }))).toEqual([
      5, 7, 10, 14, 20, 21,
    ]);
  });
});
