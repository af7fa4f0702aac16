import { normaliseMessage, normaliseMessageWithEmoji } from './normalise';
import { BUILT_IN_RULES, MACROS, type PhraseRule } from './phrases';

export const WELLBEING_TIERS = ['none', 'distress', 'risk'] as const;
export type WellbeingTier = (typeof WELLBEING_TIERS)[number];

/** Extra plain phrases per tier, as a university configures them (see docs/wellbeing.md). */
export interface ExtraPhrases {
  risk?: readonly string[];
  distress?: readonly string[];
}

export interface WellbeingClassification {
  tier: WellbeingTier;
  /** The phrase from the lists that decided the tier, e.g. "don't want to be here"; null for none. */
  phrase: string | null;
  /** The words of the message that matched, after normalisation. */
  excerpt: string | null;
  /** True when the deciding risk phrase was negated ("I'm not going to hurt myself"), which lowers it to distress, never further. */
  negated: boolean;
}

interface CompiledRule extends PhraseRule {
  regex: RegExp;
}

const WILDCARD = '(?:[^ ]+ ){0,3}';

/** Expands {macros}, normalises each literal run of words the way messages are, and turns ~ into "up to three words". */
function compilePattern(pattern: string): RegExp {
  let source = pattern;
  for (let depth = 0; source.includes('{') && depth < 5; depth++)
    source = source.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const body = MACROS[name];
      if (body === undefined) throw new Error(`Unknown macro ${whole} in wellbeing pattern "${pattern}"`);
      return `(?:${body})`;
    });
  source = source.replace(/[\p{L}\p{N}' ]+/gu, (run) => {
    const words = normaliseMessage(run);
    if (words === '') return run.includes(' ') ? ' ' : '';
    return `${run.startsWith(' ') ? ' ' : ''}${words}${run.endsWith(' ') ? ' ' : ''}`;
  });
  source = bindLookaheads(source).replace(/~/g, WILDCARD);
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${source})(?![\\p{L}\\p{N}])`, 'gu');
}

/** "(?! (a|in))" must refuse "a" and "in" as words, not as the start of "anymore" or "inside". */
function bindLookaheads(source: string): string {
  let out = '';
  for (let i = 0; i < source.length; i++) {
    if (!source.startsWith('(?!', i)) {
      out += source[i];
      continue;
    }
    let depth = 0;
    let end = i;
    for (; end < source.length; end++) {
      if (source[end] === '(') depth++;
      else if (source[end] === ')' && --depth === 0) break;
    }
    out += `(?!(?:${bindLookaheads(source.slice(i + 3, end))})(?![\\p{L}\\p{N}]))`;
    i = end;
  }
  return out;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A configured plain phrase: normalised like a message and matched as whole words, never as a pattern. */
function compilePlainPhrase(phrase: string): RegExp | null {
  const words = normaliseMessage(phrase);
  if (words === '') return null;
  return new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(words)}(?![\\p{L}\\p{N}])`, 'gu');
}

// A risk phrase directly after one of these is a denial ("I'm not going to hurt myself", "I'd never
// kill myself"); it still counts as distress. The fillers are the only words allowed in between.
const FILLERS = [
  'ever',
  'really',
  'actually',
  'going to',
  'plan to',
  'planning to',
  'intend to',
  'intending to',
  'feeling',
  'feel',
  'be',
  'been',
  'have been',
  'try to',
  'trying to',
];
const NEGATION = new RegExp(`(?:^| )(?:not|never|wont|wouldnt|no longer)(?: (?:${FILLERS.map((f) => normaliseMessage(f)).join('|')}))* $`);
// ...unless the sentence doubts the denial: "I'm not sure I won't hurt myself", "can't promise I won't".
const DOUBT = new RegExp(
  `(?:^| )(?:${['sure', 'know', 'promise', 'certain', 'if', 'whether', 'trust', 'might', 'maybe', 'think', 'stop', 'scared', 'afraid', 'worried'].map((w) => normaliseMessage(w)).join('|')})(?= )`,
);

function isNegated(normalised: string, index: number): boolean {
  // Only the last few words matter; cut at a word boundary so "cannot" never reads as "not".
  const start = Math.max(0, index - 160);
  const before = start === 0 ? normalised.slice(0, index) : normalised.slice(normalised.indexOf(' ', start) + 1, index);
  if (!NEGATION.test(before)) return false;
  const lastWords = before.trim().split(' ').slice(-8).join(' ');
  return !DOUBT.test(` ${lastWords} `);
}

interface Match {
  rule: CompiledRule;
  index: number;
  text: string;
}

/**
 * Builds a classifier from the built-in phrase lists and a university's extra phrases. The classifier
 * sorts a student's message into risk, distress or none and names the phrase that decided it; when in
 * doubt it chooses the higher tier, since signposting that was not needed costs little.
 */
export function createWellbeingClassifier(extra: ExtraPhrases = {}): (message: string) => WellbeingClassification {
  const rules: CompiledRule[] = BUILT_IN_RULES.map((rule) => ({ ...rule, regex: compilePattern(rule.pattern) }));
  for (const tier of ['risk', 'distress'] as const)
    for (const phrase of extra[tier] ?? []) {
      const regex = compilePlainPhrase(phrase);
      if (regex) rules.push({ tier, label: phrase.trim(), pattern: phrase, kind: 'configured', regex });
    }

  const classifyText = (text: string): WellbeingClassification => {
    const matches: Match[] = [];
    for (const rule of rules)
      for (const m of text.matchAll(rule.regex)) if (m[0].trim() !== '') matches.push({ rule, index: m.index, text: m[0] });
    matches.sort((a, b) => a.index - b.index);

    const risks = matches.filter((m) => m.rule.tier === 'risk');
    const affirmed = risks.find((m) => !isNegated(text, m.index));
    if (affirmed) return decided('risk', affirmed, false);

    // Hopelessness adds up: two different signs of it together are treated as risk.
    const hopeless = [...new Map(matches.filter((m) => m.rule.hopeless).map((m) => [m.rule.label, m])).values()];
    if (hopeless.length >= 2)
      return {
        tier: 'risk',
        phrase: hopeless
          .slice(0, 2)
          .map((m) => m.rule.label)
          .join(' + '),
        excerpt: hopeless
          .slice(0, 2)
          .map((m) => m.text)
          .join(' … '),
        negated: false,
      };

    const distress = matches.find((m) => m.rule.tier === 'distress');
    if (distress) return decided('distress', distress, false);
    const denied = risks[0];
    if (denied) return decided('distress', denied, true);
    return { tier: 'none', phrase: null, excerpt: null, negated: false };
  };

  return (message) => {
    const text = normaliseMessage(message);
    const plain = classifyText(text);
    const withEmoji = normaliseMessageWithEmoji(message);
    if (plain.tier === 'risk' || withEmoji === text) return plain;
    const read = classifyText(withEmoji);
    return tierRank(read.tier) > tierRank(plain.tier) ? read : plain;
  };
}

function decided(tier: WellbeingTier, match: Match, negated: boolean): WellbeingClassification {
  return { tier, phrase: match.rule.label, excerpt: match.text.trim(), negated };
}

/** Orders tiers: risk above distress above none. */
export function tierRank(tier: WellbeingTier): number {
  return WELLBEING_TIERS.indexOf(tier);
}
