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
  tbh: 'to be honest',
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
 * Lower-cases, straightens quotes, drops apostrophes and punctuation, collapses repeated letters,
 * maps text-speak and common misspellings, and joins everything with single spaces.
 */
export function normaliseMessage(text: string): string {
  let out = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[’‘`´ʼ′]/g, "'");
  for (const [pattern, replacement] of APOSTROPHE_FORMS) out = out.replace(pattern, replacement);
  out = out.replace(/'/g, '').replace(/[^\p{L}\p{N}]+/gu, ' ');
  out = replaceWords(out);
  for (const [pattern, replacement] of PHRASE_TABLE) out = out.replace(pattern, replacement);
  return out.trim();
}
