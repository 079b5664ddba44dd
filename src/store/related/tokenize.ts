import { forEachSegmentedWord, hasUnspacedScript, isIdeographic } from "../../ingest/language/segment.ts";
import { foldWord, lowerCase } from "../text/fold.ts";
import { cachedStemmer, isLatin, stemmerFor } from "../text/stem.ts";
import { stopWordsOf } from "../text/stop-words.ts";

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

/**
 * Word stems of a text, without stop words: the terms TF-IDF counts.
 * `language` is the article's BCP 47 tag: it picks how words are lower-cased,
 * the stop words left out (that language's, besides the English list above,
 * which every text drops: news in any language quotes English) and the
 * stemmer (see stemmerFor; none names English).
 */
export function tokenize(text: string, language: string | null = null): Term[] {
  const terms: Term[] = [];
  forEachTerm(text, (term, word) => terms.push({ term, word }), language);
  return terms;
}

const WORD = /[\p{L}\p{N}]+(?:[-'’][\p{L}\p{N}]+)*/gu;
const DIGIT = /\d/;
const HIRAGANA_ONLY = /^[\p{Script=Hiragana}\u30FC]+$/u;
/** Words of alphabets shorter than this are left out unless they hold a digit ("ai", "of"): in syllabic and ideographic scripts two characters make a word. */
const MIN_ALPHABETIC_CHARS = 3;
const MIN_OTHER_CHARS = 2;
const ENGLISH_STOP_WORDS = new Set([...STOP_WORDS].map(foldWord));

/** `tokenize` without building an array: for indexing many texts. */
export function forEachTerm(text: string, visit: (term: string, word: string) => void, language: string | null = null): void {
  const lower = lowerCase(text, language);
  const stopWords = stopWordsOf(language);
  const stemmer = stemmerFor(language);
  const stem = stemmer && cachedStemmer(stemmer);
  const word = (written: string) => {
    const folded = foldWord(written);
    // Alphabets (Latin to Arabic) sit below U+0800.
    const min = folded.charCodeAt(0) < 0x800 ? MIN_ALPHABETIC_CHARS : MIN_OTHER_CHARS;
    if (folded.length < min && !DIGIT.test(folded)) return;
    if (ENGLISH_STOP_WORDS.has(folded) || stopWords.has(folded)) return;
    visit(stem && isLatin(folded) ? stem(folded) : folded, written);
  };
  const words = (piece: string) => {
    WORD.lastIndex = 0;
    for (let match = WORD.exec(piece); match !== null; match = WORD.exec(piece)) word(match[0]);
  };
  if (!hasUnspacedScript(lower)) {
    words(lower);
    return;
  }
  forEachSegmentedWord(lower, language, (segment) => {
    if (!isIdeographic(segment)) words(segment);
    // Words of hiragana alone are Japanese grammar (particles, endings), never a story's subject.
    else if (!HIRAGANA_ONLY.test(segment)) word(segment);
  });
}
