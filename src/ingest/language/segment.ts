/**
 * Words in scripts written without spaces. Most text is in scripts that put
 * spaces between words, and a regular expression finds its words many times
 * faster than `Intl.Segmenter`: the segmenter (ICU's dictionaries) is used
 * only for text that holds a character of a script without spaces.
 */

/**
 * Scripts written without spaces between words: Chinese and Japanese (Han,
 * Hiragana, Katakana), Thai, Lao, Khmer, Myanmar. Korean (Hangul) puts spaces
 * between words and is read by the regular expressions.
 */
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
/**
 * Characters of Chinese and Japanese writing: Han, the kana, and the
 * prolonged sound mark (ー, of no script of its own). Runs of them are where
 * search cuts character pairs (see search-text.ts).
 */
export const IDEOGRAPHIC_CLASS = "\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\u30FC";
const IDEOGRAPHIC_PIECE = new RegExp(`[${IDEOGRAPHIC_CLASS}]+|[^${IDEOGRAPHIC_CLASS}]+`, "gu");
/** Scripts without spaces whose words only a dictionary finds: Han and kana runs can be cut into character pairs without one. */
const DICTIONARY_SCRIPT = /[\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
const ALL_IDEOGRAPHIC = new RegExp(`^[${IDEOGRAPHIC_CLASS}]+$`, "u");
/** Characters read at the pace of characters rather than words: Han, kana and Hangul. */
const CJK_CHARACTER = new RegExp(`[${IDEOGRAPHIC_CLASS}\\p{Script=Hangul}]`, "gu");

/** Segmenters kept at most, one per language tag: tags come from feeds, so their number is bounded. */
export const MAX_SEGMENTERS = 64;
const segmenters = new Map<string, Intl.Segmenter>();

/** Whether the text holds a character of a script written without spaces, so that only a segmenter finds its words. */
export function hasUnspacedScript(text: string): boolean {
  return UNSPACED.test(text);
}

/** Whether the text holds Thai, Lao, Khmer or Myanmar: words that only a segmenter's dictionary finds. */
export function needsDictionary(text: string): boolean {
  return DICTIONARY_SCRIPT.test(text);
}

/**
 * Each run of Han and kana, and each stretch of other text between them, in
 * order: for text whose only unspaced script is Chinese or Japanese, which
 * needs no segmenter when its runs are cut into pairs.
 */
export function forEachIdeographicPiece(text: string, visit: (piece: string, ideographic: boolean) => void): void {
  IDEOGRAPHIC_PIECE.lastIndex = 0;
  for (let m = IDEOGRAPHIC_PIECE.exec(text); m; m = IDEOGRAPHIC_PIECE.exec(text)) visit(m[0], ALL_IDEOGRAPHIC.test(m[0]));
}

/** Whether every character of `text` is Han or kana. */
export function isIdeographic(text: string): boolean {
  return ALL_IDEOGRAPHIC.test(text);
}

/** Han, kana and Hangul characters in `text`. */
export function countCjkCharacters(text: string): number {
  let count = 0;
  CJK_CHARACTER.lastIndex = 0;
  while (CJK_CHARACTER.test(text)) count++;
  return count;
}

/**
 * The word segmenter for a language, made once per tag (ICU picks its
 * dictionaries by script, so a wrong or missing tag still segments). A tag
 * the runtime refuses falls back to the default locale.
 */
export function wordSegmenter(language: string | null | undefined): Intl.Segmenter {
  const tag = language ?? "";
  let segmenter = segmenters.get(tag);
  if (segmenter) return segmenter;
  try {
    segmenter = new Intl.Segmenter(tag || undefined, { granularity: "word" });
  } catch {
    segmenter = new Intl.Segmenter(undefined, { granularity: "word" });
  }
  if (segmenters.size >= MAX_SEGMENTERS) segmenters.clear();
  segmenters.set(tag, segmenter);
  return segmenter;
}

/**
 * The words of `text` as the segmenter finds them (its word-like segments),
 * each with where it starts in `text`. A segment that mixes Han or kana with
 * other characters ("AI技術" in some contexts) is split between them, so a
 * visitor always gets either a piece wholly of Han and kana or one with none.
 */
export function forEachSegmentedWord(
  text: string,
  language: string | null | undefined,
  visit: (word: string, index: number) => void,
): void {
  for (const { segment, index, isWordLike } of wordSegmenter(language).segment(text)) {
    if (!isWordLike) continue;
    if (!UNSPACED.test(segment) || isIdeographic(segment)) {
      visit(segment, index);
      continue;
    }
    IDEOGRAPHIC_PIECE.lastIndex = 0;
    for (let m = IDEOGRAPHIC_PIECE.exec(segment); m; m = IDEOGRAPHIC_PIECE.exec(segment)) visit(m[0], index + m.index);
  }
}
