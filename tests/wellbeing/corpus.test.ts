import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createWellbeingClassifier, tierRank } from '../../shared/wellbeing/classify';
import { confusionTable } from './confusion';
import { DISTRESS_MESSAGES } from './corpus/distress';
import { ACCEPTED_HIGHER_TIER, ORDINARY_MESSAGES } from './corpus/ordinary';
import { RISK_MESSAGES } from './corpus/risk';

const classify = createWellbeingClassifier();

describe('the wellbeing corpus', () => {
  it('when the corpus is counted, then it holds at least 200 risk or distress messages and 100 ordinary ones, none repeated', () => {
    expect(RISK_MESSAGES.length + DISTRESS_MESSAGES.length).toBeGreaterThanOrEqual(200);
    expect(ORDINARY_MESSAGES.length).toBeGreaterThanOrEqual(100);
    const all = [...RISK_MESSAGES, ...DISTRESS_MESSAGES, ...ORDINARY_MESSAGES];
    expect(new Set(all).size).toBe(all.length);
  });

  it('when a risk message is classified, then every one is risk and names the phrase that decided it', () => {
    const missed = RISK_MESSAGES.map((m) => ({ m, r: classify(m) })).filter(({ r }) => r.tier !== 'risk' || !r.phrase);
    expect(missed.map(({ m, r }) => `${r.tier}: ${m}`)).toEqual([]);
  });

  it('when a distress message is classified, then every one is at least distress', () => {
    const missed = DISTRESS_MESSAGES.map((m) => ({ m, r: classify(m) })).filter(({ r }) => tierRank(r.tier) < tierRank('distress'));
    expect(missed.map(({ m }) => m)).toEqual([]);
  });

  it('when the corpus is rewritten the way phones and hurried thumbs write it, then no risk or distress message drops a tier', () => {
    const variants = (m: string) => [
      m.toLowerCase().replace(/['’]/g, ''),
      m.toUpperCase(),
      m.replace(/'/g, '’'),
      m.replace(/([a-z])(\W*)$/i, '$1$1$1$1$2'),
      `${m.replace(/[.,!?]/g, '')}...`,
      `${m} 😔`,
    ];
    const dropped = [
      ...RISK_MESSAGES.flatMap((m) => variants(m).filter((v) => classify(v).tier !== 'risk')),
      ...DISTRESS_MESSAGES.flatMap((m) => variants(m).filter((v) => tierRank(classify(v).tier) < tierRank('distress'))),
    ];
    expect(dropped).toEqual([]);
  });

  it('when an ordinary message or idiom is classified, then it is none, apart from the documented higher-tier cases', () => {
    const wrong = ORDINARY_MESSAGES.map((m) => ({ m, r: classify(m) })).filter(
      ({ m, r }) => r.tier !== (ACCEPTED_HIGHER_TIER[m] ?? 'none'),
    );
    expect(wrong.map(({ m, r }) => `${r.tier} (${r.phrase}): ${m}`)).toEqual([]);
    for (const m of Object.keys(ACCEPTED_HIGHER_TIER)) expect(ORDINARY_MESSAGES).toContain(m);
  });

  it('when docs/wellbeing.md is read, then its confusion table is the one the corpus gives today', () => {
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'wellbeing.md'), 'utf8');
    // Regenerate with: npx tsx tests/wellbeing/write-confusion-table.ts
    expect(doc).toContain(confusionTable());
  });
});
