// Words too common in news prose to say what a story is about.
const STOP_WORDS = new Set(
  (
    "a about above after again against all also am an and any are as at be because been before being below between both but by can could " +
    "did do does doing down during each few for from further had has have having he her here hers herself him himself his how i if in into " +
    "is it its itself just me more most my myself new no nor not now of off on once only or other our ours ourselves out over own said same " +
    "says she should so some such than that the their theirs them themselves then there these they this those through to too under until up " +
    "very was we were what when where which while who whom why will with would you your yours yourself yourselves year years one two three " +
    "first last week weeks month months day days today yesterday tomorrow time may might must could like get gets got make makes made many " +
    "much even still well back way use used using per via according report reports reported told tell new news its it's"
  ).split(/\s+/),
);

export interface Term {
  /** The stem that is counted. */
  term: string;
  /** The word as written (lower-case), to show in a reason line. */
  word: string;
}

/** Lower-case word stems of a text, without stop words: the terms TF-IDF counts. */
export function tokenize(text: string): Term[] {
  const terms: Term[] = [];
  forEachTerm(text, (term, word) => terms.push({ term, word }));
  return terms;
}

const WORD = /[\p{L}\p{N}]+(?:[-'’][\p{L}\p{N}]+)*/gu;
const DIGIT = /\d/;

/** `tokenize` without building an array: for indexing many texts. */
export function forEachTerm(text: string, visit: (term: string, word: string) => void): void {
  const lower = text.toLowerCase();
  WORD.lastIndex = 0;
  for (let match = WORD.exec(lower); match !== null; match = WORD.exec(lower)) {
    const word = match[0];
    if (word.length < 3 && !DIGIT.test(word)) continue;
    if (STOP_WORDS.has(word)) continue;
    visit(stem(word), word);
  }
}

/** A light plural stemmer: enough for "chips"/"chip" and "batteries"/"battery" to meet. */
export function stem(word: string): string {
  if (word.length > 4 && word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  if (word.length > 4 && word.endsWith("sses")) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith("s") && !word.endsWith("ss") && !word.endsWith("us") && !word.endsWith("is"))
    return word.slice(0, -1);
  return word;
}
