// Person detectors: names (compromise's people tagger, plus key names in structured JSON),
// street addresses and dates of birth (patterns with context words).
//
// compromise is a maintained rule-based English tagger with a name lexicon; it runs in-process,
// offline, in ~200 KB, and needs no model download (wink-nlp needs a separate model package, and
// Presidio/spaCy are Python). It is slow (~0.2 MB/s), so it only sees sentences that pass a cheap
// capitalization pre-filter, and only in natural-language text.

import type Nlp from 'compromise';
import { EXAMPLE_CONTEXT, sentenceAround } from './context';
import { define, defineScanner } from './define';
import type { Detector, DetectorContext, Hit } from './types';

/**
 * compromise is loaded on first use: loading it costs ~30 MB of resident memory (measured), which
 * a trace server that never scans for names (the usual case) should not carry. In the bundles
 * esbuild turns this require into a module initialised at that first call.
 */
let nlpModule: typeof Nlp | null = null;
function compromise(): typeof Nlp {
  if (!nlpModule) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('compromise') as typeof Nlp | { default: typeof Nlp };
    nlpModule = 'default' in mod ? mod.default : mod;
  }
  return nlpModule;
}
const nlp = (text: string): ReturnType<typeof Nlp> => compromise()(text);

const AT = 'agent-trace/';

const NAME_WORD = "[A-Z][a-z]*(?:[A-Z][a-z]+)?(?:['’-][A-Z]?[a-z]+)?";
/** Two or three capitalized words in a row: the pre-filter that decides whether compromise runs. */
export const CAPITALIZED_RUN = new RegExp(`\\b${NAME_WORD}(?: ${NAME_WORD}){1,2}\\b`, 'g');
export const WHOLE_NAME = new RegExp(`^${NAME_WORD}(?: ${NAME_WORD}){1,3}$`);

/** Attributions of quotes and public figures: "as Ada Lovelace wrote", "— Donald Knuth". */
const QUOTE_BEFORE = /(?:\b(?:as|like|in the words of|quoting|quote from|said by|according to)|[—–]|^-|\s-)\s*$/i;
const QUOTE_AFTER = /^\s*(?:wrote|said|once said|put it|famously|observed|noted|remarked|argued|wrote in)\b/i;
/** Placeholder people in docs and forms. */
const PLACEHOLDER_NAMES = /^(?:John|Jane|Richard|Baby) Doe$|^(?:Joe|Jane) (?:Bloggs|Public)$|^(?:Foo Bar|Test User|Max Mustermann|Erika Mustermann)$/i;
/** Words that make a capitalized run a product, place or organisation rather than a person. */
const NOT_PERSON_WORDS = new Set([
  'sonnet', 'opus', 'haiku', 'copilot', 'teams', 'sheets', 'docs', 'code', 'studio', 'desktop', 'cloud', 'bedrock', 'titan',
  'gemini', 'notebook', 'colab', 'excel', 'word', 'office', 'acrobat', 'team', 'inc', 'ltd', 'llc', 'gmbh', 'corp', 'university',
  'street', 'avenue', 'road', 'lane', 'drive', 'square', 'city', 'county', 'state', 'bank', 'hospital', 'clinic', 'airport',
]);
/** Cue words right before a name that make it somebody's data (raise confidence). */
const NAME_CUE = /\b(?:customer|client|patient|caller|recipient|employee|user|member|for|to|from|by|this is|i am|i'm|my name is|name is|named|dear|hi|hello|mr|mrs|ms|miss|dr|contact|ping|text|call|email|deliver to|ship(?:ped)? to|opened by|policy holder)\.?\s*$/i;

function isPersonLike(name: string): boolean {
  if (PLACEHOLDER_NAMES.test(name)) return false;
  return !name.split(/\s+/).some((w) => NOT_PERSON_WORDS.has(w.toLowerCase()));
}

function publicFigure(text: string, start: number, end: number): boolean {
  const before = text.slice(Math.max(0, start - 25), start);
  const after = text.slice(end, end + 20);
  // A name right after a closing quote, or introduced as the author of a quote.
  return QUOTE_BEFORE.test(before) || QUOTE_AFTER.test(after) || /["”][\s—–-]{0,4}$/.test(before);
}

/** compromise's text keeps punctuation ("Maria Gonzalez,"): cut to the first and last letter. */
function trimToLetters(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && !/[A-Za-z]/.test(s[a])) a++;
  while (b > a && !/[A-Za-z’']/.test(s[b - 1])) b--;
  return s.slice(a, b);
}

/** compromise's own lexicon (word → tag): a dictionary lookup, no tagging run. */
let lexicon: Record<string, string | string[]> | null = null;
const LEXICON = (): Record<string, string | string[]> =>
  (lexicon ??= (compromise() as unknown as { model(): { one: { lexicon: Record<string, string | string[]> } } }).model().one.lexicon);
const NAME_TAGS = /^(?:FirstName|MaleName|FemaleName|LastName|Person|Honorific)$/;
const NOT_NAME_TAGS = /^(?:Organization|City|Country|Place|Region|Month|WeekDay|Currency|Company|SportsTeam|Possessive|Pronoun)$/;
const tagsOf = (w: string): string[] => {
  const t = LEXICON()[w.toLowerCase()];
  return t === undefined ? [] : Array.isArray(t) ? t : [t];
};

/**
 * The pre-filter: a capitalized run is worth asking compromise about only when one of its words
 * is a name in compromise's lexicon, or a cue word ("for", "customer", "this is") precedes it, and
 * none of its words is a known place, organisation, month or product word.
 */
function nameCandidate(run: string, before: string): boolean {
  const words = run.split(' ');
  if (words.some((w) => NOT_PERSON_WORDS.has(w.toLowerCase()) || tagsOf(w).some((t) => NOT_NAME_TAGS.test(t)))) return false;
  if (words.some((w) => tagsOf(w).some((t) => NAME_TAGS.test(t)))) return true;
  // After a cue, only words the lexicon doesn't know at all ("this is Kwame Mensah"): known words
  // ("to The Guardian", "for Data Science") are not names, and asking the tagger about them is what costs.
  return NAME_CUE.test(before) && words.every((w) => tagsOf(w).length === 0);
}

const FIRST_NAME_TAGS = /^(?:FirstName|MaleName|FemaleName)$/;

function lexiconName(run: string): boolean {
  const [first, ...rest] = run.split(' ');
  if (!tagsOf(first).some((t) => FIRST_NAME_TAGS.test(t))) return false;
  return rest.every((w) => {
    const tags = tagsOf(w);
    return tags.length === 0 || tags.some((t) => NAME_TAGS.test(t));
  });
}

/**
 * compromise's answers, remembered: its tagger costs ~0.5 ms a call, and an agent trace repeats
 * the same sentences in every model call that carries the conversation so far, so one text is
 * tagged once. Bounded: the oldest answers go when it is full.
 */
let taggerMemoLimit = 4_096;
const taggerMemo = new Map<string, string[] | boolean>();

/** Sets how many tagger answers are kept (0: none, every text is tagged) and forgets the kept ones. For benches and tests. */
export function setTaggerMemoSize(size: number): void {
  taggerMemoLimit = size;
  taggerMemo.clear();
}

function remembered<T extends string[] | boolean>(key: string, compute: () => T): T {
  const known = taggerMemo.get(key);
  if (known !== undefined) return known as T;
  const value = compute();
  if (taggerMemoLimit <= 0) return value;
  if (taggerMemo.size >= taggerMemoLimit) taggerMemo.delete(taggerMemo.keys().next().value!);
  taggerMemo.set(key, value);
  return value;
}

/** The people compromise finds in a short text, cut to letters ("Maria Gonzalez," → "Maria Gonzalez"). */
function peopleIn(window: string): string[] {
  // Plain texts, not json({ offset: true }): the offsets cost compromise another ~0.4 ms a call; the caller finds the name in the text.
  return remembered('p\u0000' + window, () => (nlp(window).people().out('array') as string[]).map(trimToLetters).filter(Boolean));
}

function taggedAs(text: string, match: string): boolean {
  return remembered(`t\u0000${match}\u0000${text}`, () => nlp(text).has(match));
}

/** Where `name` occurs in `text` at or after `from`, overlapping [start, end); -1 when it does not. */
function occurrenceOverlapping(text: string, name: string, from: number, start: number, end: number): number {
  for (let at = text.indexOf(name, from); at >= 0 && at < end; at = text.indexOf(name, at + 1)) {
    if (at + name.length > start) return at;
  }
  return -1;
}

/** People in natural-language text: compromise on a short window around each candidate run. */
function nameHits(text: string): Hit[] {
  CAPITALIZED_RUN.lastIndex = 0;
  const hits: Hit[] = [];
  let m: RegExpExecArray | null;
  while ((m = CAPITALIZED_RUN.exec(text)) !== null) {
    const start = m.index;
    const end = start + m[0].length;
    const before = text.slice(Math.max(0, start - 20), start);
    if (!nameCandidate(m[0], before) || publicFigure(text, start, end)) continue;
    const { from, to } = sentenceAround(text, start, end);
    if (EXAMPLE_CONTEXT.test(text.slice(from, to))) continue;
    // Decided by the lexicon alone: a known first name followed by known surnames or words the lexicon
    // doesn't have (most surnames). compromise's tagger (~0.5 ms a call) runs only for the rest.
    if (lexiconName(m[0])) {
      if (isPersonLike(m[0])) pushName(hits, text, start, end, 'model');
      continue;
    }
    // compromise sees the run with a few words of context on each side, not the whole value.
    const wFrom = Math.max(from, start - 40);
    const window = text.slice(wFrom, Math.min(to, end + 30));
    const person = peopleIn(window)
      .map((name) => ({ name, at: occurrenceOverlapping(text, name, wFrom, start, end) }))
      .find((p) => p.at >= 0 && p.name.split(/\s+/).length >= 2);
    if (person && isPersonLike(person.name)) {
      pushName(hits, text, person.at, person.at + person.name.length, 'model');
    } else if (NAME_CUE.test(before) && isPersonLike(m[0]) && !taggedAs(m[0], '#Place|#Organization|#Month|#WeekDay')) {
      // A capitalized run right after a cue ("this is Kwame Mensah") that the tagger did not know.
      pushName(hits, text, start, end, 'context');
    }
  }
  return hits;
}

function pushName(hits: Hit[], text: string, start: number, end: number, basis: 'model' | 'context'): void {
  if (publicFigure(text, start, end)) return;
  const cue = NAME_CUE.test(text.slice(Math.max(0, start - 20), start));
  hits.push({ start, end, confidence: basis === 'context' ? 0.8 : cue ? 0.9 : 0.75, basis: cue ? 'context' : basis });
}

/** JSON keys whose string value is a person's name ({"customer": "Ana Sousa"}). */
const PERSON_KEY = /^(?:(?:full|first|last|given|family|display|customer|client|patient|contact|caller|recipient|employee|staff|owner|holder|sender|assignee)[_ -]?name|customer|client|patient|contact|caller|recipient|employee|staff|account[_ -]?holder|policy[_ -]?holder|assignee)$/i;

function keyedNameHits(text: string, key: string): Hit[] {
  if (!WHOLE_NAME.test(text) || !isPersonLike(text)) return [];
  if (PERSON_KEY.test(key)) return [{ start: 0, end: text.length, confidence: 0.9, basis: 'context' }];
  // A bare "name" key names tools and products as often as people: the tagger must agree.
  if (/^name$/i.test(key) && (lexiconName(text) || taggedAs(text, '#Person'))) return [{ start: 0, end: text.length, confidence: 0.8, basis: 'model' }];
  return [];
}

// Street addresses: number + capitalized words + a street suffix (or a Romance-language street
// prefix), with optional unit, city, state + ZIP or UK postcode. Office/HQ/example context excluded.
const STREET_SUFFIX = '(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Way|Court|Ct|Place|Pl|Terrace|Parkway|Pkwy|Square|Sq|Close|Crescent|Highway|Hwy|Row|Gardens)';
const ADDRESS_TAIL = '(?:,? (?:Apt|Apartment|Suite|Unit|Flat)\\.? ?#?[0-9A-Z]{1,5})?(?:, [A-Z][a-z]+(?: [A-Z][a-z]+){0,2})?(?:,? (?:[A-Z]{2} [0-9]{5}(?:-[0-9]{4})?|[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2}))?';
const ADDRESS_SRC =
  `\\b[0-9]{1,5}[A-Za-z]?(?: (?:[A-Z][a-z]+|[0-9]{1,3}(?:st|nd|rd|th))){1,3} ${STREET_SUFFIX}\\b\\.?${ADDRESS_TAIL}` +
  `|\\b[0-9]{1,5},? (?:Rua|Rue|Via|Calle|Avenida|Avenue|Viale|Piazza|Plaza)(?: (?:d[aeo]s?|de la|del|di|du|de))?(?: [A-Z][a-z]+){1,3}${ADDRESS_TAIL}`;
const BUSINESS_CONTEXT = /\b(?:headquarter(?:s|ed)|HQ|offices?|campus|store|branch|factory|warehouse|located at)\b/i;
const ADDRESS_CUE = /\b(?:address|ship(?:ped)? to|deliver(?:ed)? to|lives? at|moved to|residing at|home|recipient)\b/i;

function addressOk(v: string, text: string, index: number): boolean {
  const { from, to } = sentenceAround(text, index, index + v.length);
  const sentence = text.slice(from, to);
  return !EXAMPLE_CONTEXT.test(sentence) && !BUSINESS_CONTEXT.test(text.slice(Math.max(0, index - 60), index));
}

// Dates of birth: a date is personal only next to "DOB", "born", "date of birth".
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\\.?';
const DATE_SRC =
  `[0-9]{1,2}[/.-][0-9]{1,2}[/.-](?:19|20)[0-9]{2}|(?:19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}` +
  `|[0-9]{1,2}(?:st|nd|rd|th)? ${MONTH},? (?:19|20)[0-9]{2}|${MONTH} [0-9]{1,2}(?:st|nd|rd|th)?,? (?:19|20)[0-9]{2}`;
const DOB_PREFIX = '\\b(?:DOB|D\\.O\\.B\\.?|date of birth|birth ?date|birthday|born(?: on)?)\\b[ :,-]{0,3}(?:(?:is|was|on) )?';

export const PERSON_DETECTORS: Detector[] = [
  defineScanner({ id: 'person-name', ruleId: AT + 'person-name', name: 'Person name', category: 'person', type: 'name',
    confidence: 0.75, basis: 'model', naturalLanguageOnly: true, quick: (t) => /[A-Z][a-z]+ [A-Z]/.test(t),
    scan: (text: string, ctx: DetectorContext) => (WHOLE_NAME.test(text) && ctx.key ? keyedNameHits(text, ctx.key) : nameHits(text)),
    notInRe2: 'names need a language model (compromise); the collector cannot find them' }),
  define({ id: 'street-address', ruleId: AT + 'street-address', name: 'Street address', category: 'person', type: 'address',
    src: ADDRESS_SRC, validate: addressOk, re2OverMatches: true, basis: 'pattern', confidence: 0.8, contextWords: ADDRESS_CUE,
    quick: (t) => /[0-9] [A-Z]/.test(t) }),
  define({ id: 'date-of-birth', ruleId: AT + 'date-of-birth', name: 'Date of birth', category: 'person', type: 'date-of-birth',
    parts: [DOB_PREFIX, DATE_SRC, ''], flags: 'i', basis: 'context', confidence: 0.95, quick: (t) => /dob|d\.o\.b|birth|born/i.test(t) }),
];

