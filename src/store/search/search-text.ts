import {
  forEachIdeographicPiece,
  forEachSegmentedWord,
  hasUnspacedScript,
  isIdeographic,
  needsDictionary,
} from "../../ingest/language/segment.ts";
import { foldWord, lowerCase } from "../text/fold.ts";
import { cachedStemmer, isLatin, stemmerFor } from "../text/stem.ts";

/** Terms shorter than this are not indexed or searched: single letters match nearly every story. */
export const MIN_TERM_CHARS = 2;
/**
 * Longer words (URLs, hashes, words glued by a broken feed) are cut to this
 * many characters, in the index and in queries alike, so one run of junk
 * cannot bloat the dictionary.
 */
export const MAX_TERM_CHARS = 32;

// A word: letters and digits, with the combining marks that belong to them.
const WORD = /[\p{L}\p{N}][\p{L}\p{M}\p{N}]*/gu;

/**
 * The words of a text as the search index stores and looks them up, in
 * order: lower-cased as its language writes it (`language`: the article's
 * BCP 47 tag; a query has none), folded (see foldWord: "Café" is "cafe"), not
 * stemmed. Text in scripts with spaces is cut into words by a regular
 * expression; text holding Thai, Lao, Khmer or Myanmar by `Intl.Segmenter`.
 * Chinese and Japanese become the pairs of neighbouring characters of each
 * run of Han and kana ("半導体" → "半導", "導体"), in the index and in a
 * query alike: a segmenter cuts a word differently in a short query than in
 * a sentence, and pairs need no dictionary to agree.
 */
export function searchTerms(text: string, language: string | null = null): string[] {
  const terms: string[] = [];
  const lower = lowerCase(text, language);
  // Most text: its words as they are, with no call per word.
  if (!WIDE_WORD_CHARACTER.test(lower)) {
    const words = lower.match(WORD);
    if (words)
      for (const word of words)
        if (word.length >= MIN_TERM_CHARS) terms.push(word.length > MAX_TERM_CHARS ? word.slice(0, MAX_TERM_CHARS) : word);
    return terms;
  }
  forEachWideWord(lower, language, (term) => terms.push(term));
  return terms;
}

/**
 * `searchTerms` stemmed in the text's language (see stemmerFor): the terms
 * an article is indexed under. A query's words are looked up under each
 * stem they may have (see queryStems).
 */
export function indexTerms(text: string, language: string | null): string[] {
  const terms: string[] = [];
  forEachIndexTerm(text, language, (term) => terms.push(term));
  return terms;
}

/**
 * `indexTerms` one by one, each with the word it was made from as the text
 * writes it (lower-case, not folded): the words a snippet marks.
 */
export function forEachIndexTerm(text: string, language: string | null, visit: (term: string, written: string) => void): void {
  const stemmer = stemmerFor(language);
  if (!stemmer) {
    forEachSearchWord(text, language, visit);
    return;
  }
  const stem = cachedStemmer(stemmer);
  const lower = lowerCase(text, language);
  if (WIDE_WORD_CHARACTER.test(lower)) {
    forEachWideWord(lower, language, (term, written) => {
      if (!isLatin(term)) return visit(term, written);
      const stemmed = stem(term);
      visit(stemmed.length >= MIN_TERM_CHARS ? stemmed : term, written);
    });
    return;
  }
  // Most text is ASCII words: stemmed in one loop, with no call per word but the stemmer's cache.
  const words = lower.match(WORD);
  if (!words) return;
  for (const word of words) {
    if (word.length < MIN_TERM_CHARS) continue;
    const term = word.length > MAX_TERM_CHARS ? word.slice(0, MAX_TERM_CHARS) : word;
    const stemmed = stem(term);
    visit(stemmed.length >= MIN_TERM_CHARS ? stemmed : term, word);
  }
}

type WordVisitor = (term: string, written: string) => void;

function forEachSearchWord(text: string, language: string | null, visit: WordVisitor): void {
  const lower = lowerCase(text, language);
  // One scan rules out folding and segmenting for text whose letters and digits are all ASCII (curly quotes and dashes aside).
  if (!WIDE_WORD_CHARACTER.test(lower)) asciiWordsOf(lower, visit);
  else forEachWideWord(lower, language, visit);
}

/** The words of lower-case text with letters or digits beyond ASCII: folded, and segmented or cut into pairs where its script has no spaces. */
function forEachWideWord(lower: string, language: string | null, visit: WordVisitor): void {
  if (!hasUnspacedScript(lower)) {
    wordsOf(lower, visit);
    return;
  }
  if (!needsDictionary(lower)) {
    // Chinese and Japanese alone: their runs become pairs, so no segmenter is needed (it costs some fifteen times a regular expression).
    forEachIdeographicPiece(lower, (piece, ideographic) => (ideographic ? pairsOf(piece, visit) : wordsOf(piece, visit)));
    return;
  }
  // Han and kana pieces that follow each other make one run, however the segmenter cut it.
  let run = "";
  let runEnd = -1;
  forEachSegmentedWord(lower, language, (word, index) => {
    if (isIdeographic(word)) {
      if (index !== runEnd) {
        pairsOf(run, visit);
        run = "";
      }
      run += word;
      runEnd = index + word.length;
      return;
    }
    pairsOf(run, visit);
    run = "";
    runEnd = -1;
    wordsOf(word, visit);
  });
  pairsOf(run, visit);
}

/**
 * Every code unit that may be part of a letter, mark or digit beyond ASCII
 * (and a few symbols): not the Latin-1 punctuation nor the General
 * Punctuation block, so that English with curly quotes and dashes keeps the
 * plain path. A set of ranges scans many times faster than a property class.
 */
const WIDE_WORD_CHARACTER = /[\u00AA\u00B2\u00B3\u00B5\u00B9\u00BA\u00BC-\u00BE\u00C0-\u1FFF\u2070-\uFFFF]/;

/** The words of lower-case ASCII text, which need no folding, cut to MAX_TERM_CHARS. */
function asciiWordsOf(lower: string, visit: WordVisitor): void {
  const words = lower.match(WORD);
  if (!words) return;
  for (const word of words) {
    if (word.length < MIN_TERM_CHARS) continue;
    visit(word.length > MAX_TERM_CHARS ? word.slice(0, MAX_TERM_CHARS) : word, word);
  }
}

/** The words of lower-case text in a script with spaces, folded and cut to MAX_TERM_CHARS. */
function wordsOf(lower: string, visit: WordVisitor): void {
  const words = lower.match(WORD);
  if (!words) return;
  for (const written of words) {
    const word = foldWord(written);
    if (word.length < MIN_TERM_CHARS) continue;
    visit(word.length > MAX_TERM_CHARS ? word.slice(0, MAX_TERM_CHARS) : word, written);
  }
}

/** Each pair of neighbouring characters of a run of Han and kana (folded: half-width kana made full-width); none for a lone character. */
function pairsOf(run: string, visit: WordVisitor): void {
  if (run.length < 2) return;
  const written = Array.from(run);
  const folded = Array.from(run.normalize("NFKC"));
  // Folding half-width kana may join a voicing mark to its letter: the pairs as written are then only approximate.
  const same = written.length === folded.length;
  for (let i = 0; i + 1 < folded.length; i++) {
    const pair = folded[i]! + folded[i + 1]!;
    visit(pair, same ? written[i]! + written[i + 1]! : pair);
  }
}
