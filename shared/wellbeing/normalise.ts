/**
 * Text normalisation for the wellbeing classifier. Messages and phrase patterns pass through the same
 * steps, so a phrase written "can't go on" matches "cant go onnn", "CAN’T go on" and "cannot go on".
 *
 * Repeated letters collapse to one everywhere ("kill" and "kiiill" both become "kil"), which also
 * absorbs the commonest doubled-letter misspellings; the spelling and text-speak tables below are
 * keyed in that collapsed form.
 */

const collapse = (word: string): string => word.replace(/(\p{L})\1+/gu, '$1');

/** Contractions that would become other words once the apostrophe goes ("i'll" is not "ill"). */
const APOSTROPHE_FORMS: readonly [RegExp, string][] = [
  [/\bi'll\b/g, 'i will'],
  [/\bi'd\b/g, 'i would'],
  [/\bwe'll\b/g, 'we will'],
  [/\bshe'll\b/g, 'she will'],
  [/\bhe'll\b/g, 'he will'],
  [/\bit'll\b/g, 'it will'],
  // "od'd" would read as "odd"
  [/\bod'd\b/g, 'overdosed'],
  [/\bod'ing\b/g, 'overdosing'],
  // "sh'd", "sh'ing": self-harm, as it is written in the communities students read
  [/\bsh'd\b/g, 'self harmed'],
  [/\bsh'ing\b/g, 'self harming'],
];

/** One word to one or more words: text-speak, phone-keyboard slips and common misspellings. */
const WORDS: Readonly<Record<string, string>> = {
  u: 'you',
  ur: 'your',
  r: 'are',
  n: 'and',
  '2': 'to',
  wanna: 'want to',
  wana: 'want to',
  wan2: 'want to',
  wnt: 'want',
  gonna: 'going to',
  gona: 'going to',
  gunna: 'going to',
  goin: 'going',
  gotta: 'got to',
  kinda: 'kind of',
  sorta: 'sort of',
  rn: 'right now',
  atm: 'at the moment',
  idk: 'i dont know',
  dunno: 'dont know',
  idc: 'i dont care',
  cba: 'cant be bothered',
  // "to be honest" would read as "to …" after a phrase ("not ok tbh" is not "not ok to …")
  tbh: 'honestly',
  tbf: 'honestly',
  ngl: 'not going to lie',
  pls: 'please',
  plz: 'please',
  ppl: 'people',
  bc: 'because',
  cos: 'because',
  coz: 'because',
  cuz: 'because',
  becuase: 'because',
  tho: 'though',
  thru: 'through',
  nothin: 'nothing',
  somethin: 'something',
  everythin: 'everything',
  evrything: 'everything',
  everyting: 'everything',
  eveything: 'everything',
  anythin: 'anything',
  nemore: 'anymore',
  anymor: 'anymore',
  anymroe: 'anymore',
  anyomre: 'anymore',
  no1: 'no one',
  noone: 'no one',
  nobdy: 'nobody',
  // negations without apostrophes or with slips
  cnt: 'cant',
  carnt: 'cant',
  cannot: 'cant',
  dnt: 'dont',
  aint: 'am not',
  iam: 'im',
  // "everything's too much" written without the apostrophe
  everythings: 'everything is',
  nothings: 'nothing is',
  lifes: 'life is',
  shd: 'self harmed',
  shing: 'self harming',
  // words that matter most
  kms: 'kill myself',
  kys: 'kill yourself',
  unaliving: 'unalive',
  unalived: 'unalive',
  sewerslide: 'suicide',
  suicde: 'suicide',
  sucide: 'suicide',
  suiside: 'suicide',
  suacide: 'suicide',
  suicid: 'suicide',
  suicidel: 'suicidal',
  suicidle: 'suicidal',
  sucidal: 'suicidal',
  suicidial: 'suicidal',
  suisidal: 'suicidal',
  suicdal: 'suicidal',
  myslef: 'myself',
  myselfe: 'myself',
  meself: 'myself',
  mysef: 'myself',
  myseld: 'myself',
  selfharm: 'self harm',
  selfharming: 'self harming',
  selfharmed: 'self harmed',
  overdoes: 'overdose',
  overdosing: 'overdose',
  overdosed: 'overdose',
  pils: 'pills',
  tabs: 'tablets',
  dieing: 'dying',
  ded: 'dead',
  hurtin: 'hurting',
  killin: 'killing',
  cuttin: 'cutting',
  livin: 'living',
  tierd: 'tired',
  tird: 'tired',
  overwelmed: 'overwhelmed',
  overwhelmd: 'overwhelmed',
  ovewhelmed: 'overwhelmed',
  overwhlemed: 'overwhelmed',
  strugling: 'struggling',
  struggeling: 'struggling',
  strugglin: 'struggling',
  copeing: 'coping',
  copin: 'coping',
  depresed: 'depressed',
  deppressed: 'depressed',
  hopless: 'hopeless',
  worthles: 'worthless',
  alon: 'alone',
  lonley: 'lonely',
  givin: 'giving',
  giveup: 'give up',
  wat: 'what',
  wats: 'whats',
  wots: 'whats',
  whts: 'whats',
  pont: 'point',
  pnt: 'point',
  tommorow: 'tomorrow',
  tomorow: 'tomorrow',
  tmrw: 'tomorrow',
  tonite: 'tonight',
  '2nite': 'tonight',
  '2day': 'today',
  b4: 'before',
  bf: 'boyfriend',
  gf: 'girlfriend',
  m8: 'mate',
  lyf: 'life',
  lif: 'life',
  lfe: 'life',
};

/** Several words to one canonical form, applied to the whole normalised text. */
const PHRASES: readonly [string, string][] = [
  ['do not', 'dont'],
  ['can not', 'cant'],
  ['will not', 'wont'],
  ['did not', 'didnt'],
  ['does not', 'doesnt'],
  ['would not', 'wouldnt'],
  ['could not', 'couldnt'],
  ['should not', 'shouldnt'],
  ['have not', 'havent'],
  ['is not', 'isnt'],
  ['are not', 'arent'],
  ['was not', 'wasnt'],
  ['i am', 'im'],
  ['i m', 'im'],
  ['i have', 'ive'],
  ['any more', 'anymore'],
  ['any longer', 'anymore'],
  ['my self', 'myself'],
  ['self harm', 'self harm'],
  ['sewer slide', 'suicide'],
  ['un alive', 'unalive'],
  ['no body', 'nobody'],
  ['every thing', 'everything'],
  ['what is the', 'whats the'],
  ['what s the', 'whats the'],
  ['over whelmed', 'overwhelmed'],
];

const WORD_TABLE = new Map(Object.entries(WORDS).map(([from, to]) => [collapse(from), splitWords(to).map(collapse).join(' ')]));

function splitWords(text: string): string[] {
  return text.split(' ').filter((w) => w !== '');
}

/** Words whose doubled-letter twin means something else ("od" is an overdose, "odd" is not). */
const EXACT_WORDS = new Map([
  ['od', 'overdose'],
  ['ods', 'overdose'],
  ['oded', 'overdose'],
  ['oding', 'overdose'],
]);

function replaceWords(text: string): string {
  return splitWords(text)
    .map((word) => EXACT_WORDS.get(word) ?? WORD_TABLE.get(collapse(word)) ?? collapse(word))
    .join(' ');
}

// Phrase rewrites are themselves normalised word by word, so their keys meet the text in the same form.
const PHRASE_TABLE: readonly [RegExp, string][] = PHRASES.map(([from, to]) => [
  new RegExp(`(?<=^| )${replaceWords(from)}(?= |$)`, 'g'),
  replaceWords(to),
]);

/**
 * "ill" and "id" are "I'll" and "I'd" typed without the apostrophe when a verb follows ("ill be gone
 * soon", "id rather not wake up"); otherwise they stay words ("I feel ill", "my id card").
 */
const BARE_CONTRACTIONS: readonly [string, string, readonly string[]][] = [
  [
    'ill',
    'i will',
    ['be', 'never', 'just', 'probably', 'prob', 'kill', 'end', 'do', 'go', 'try', 'take', 'make', 'have', 'not', 'always', 'get'],
  ],
  ['ill', 'i will', ['see', 'miss', 'hurt', 'jump', 'die', 'stop', 'finish', 'leave', 'say', 'tell', 'send', 'submit', 'still', 'def']],
  ['ill', 'i will', ['definitely', 'literally', 'actually', 'really', 'let', 'sort', 'come', 'need', 'disappear', 'cut', 'overdose']],
  ['id', 'i would', ['rather', 'be', 'never', 'like', 'love', 'prefer', 'have', 'just', 'kill', 'do', 'die', 'sooner', 'honestly']],
  ['id', 'i would', ['literally', 'really', 'probably', 'better', 'want', 'hate', 'not', 'end', 'jump', 'disappear']],
];
const BARE_CONTRACTION_TABLE: readonly [RegExp, string][] = BARE_CONTRACTIONS.map(([from, to, next]) => [
  new RegExp(`(?<=^| )${replaceWords(from)}(?= (?:${next.map(replaceWords).join('|')})(?: |$))`, 'g'),
  replaceWords(to),
]);

/** Words that are disguised to get past filters ("su1c1de", "s*icide", "k!ll"); only these are undone. */
const DISGUISED_WORDS = new Set(
  [
    'suicide',
    'suicidal',
    'kill',
    'killing',
    'die',
    'dying',
    'dead',
    'death',
    'myself',
    'unalive',
    'overdose',
    'selfharm',
    'harm',
    'cut',
    'cutting',
    'hang',
    'rape',
    'raped',
  ].map(collapse),
);
const LEET: Readonly<Record<string, string>> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's', '!': 'i' };

function undisguise(token: string): string {
  if (!/\p{L}/u.test(token) || !/[0-9@$*!]/.test(token)) return token;
  const plain = token.replace(/[013457@$!]/g, (c) => LEET[c] ?? c);
  for (const vowel of plain.includes('*') ? ['a', 'e', 'i', 'o', 'u', ''] : ['']) {
    const candidate = plain.replace(/\*/g, vowel);
    if (DISGUISED_WORDS.has(collapse(candidate))) return candidate;
  }
  return token;
}

/**
 * The few emoji that say what words would: a skull for dying, a knife and a drop of blood, pills, a gun, a
 * rope; and sad faces, which alone (no words at all) are read as someone upset.
 */
const EMOJI_WORDS: readonly [RegExp, string][] = [
  [/[💀☠]/gu, ' die '],
  [/[🔪🗡]/gu, ' knife '],
  [/🩸/gu, ' blood '],
  [/💊/gu, ' pills '],
  [/🔫/gu, ' gun '],
  [/🪢/gu, ' rope '],
  [/[😭😢😞😔💔🥀☹🙁😣😖😫😩🥺😿😥😓😟]/gu, ' sademoji '],
];

/**
 * Lower-cases, straightens quotes, drops apostrophes and punctuation, collapses repeated letters,
 * maps text-speak and common misspellings, and joins everything with single spaces.
 */
export function normaliseMessage(text: string): string {
  let out = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[’‘`´ʼ′]/g, "'");
  for (const [pattern, replacement] of APOSTROPHE_FORMS) out = out.replace(pattern, replacement);
  out = out.replace(/[\p{L}\p{N}@$*!]+/gu, undisguise);
  out = out.replace(/'/g, '').replace(/[^\p{L}\p{N}]+/gu, ' ');
  out = replaceWords(out);
  for (const [pattern, replacement] of PHRASE_TABLE) out = out.replace(pattern, replacement);
  for (const [pattern, replacement] of BARE_CONTRACTION_TABLE) out = out.replace(pattern, replacement);
  return out.trim();
}

/**
 * normaliseMessage with the emoji of EMOJI_WORDS read as words. The classifier reads a message both ways,
 * so an emoji at the end never hides a phrase that ends the message ("i give up 💀").
 */
export function normaliseMessageWithEmoji(text: string): string {
  let out = text.normalize('NFKC');
  for (const [pattern, word] of EMOJI_WORDS) out = out.replace(pattern, word);
  return normaliseMessage(out);
}
