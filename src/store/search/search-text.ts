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

/** The terms of a text as the search index stores and looks them up: lower-case words, in order. */
export function searchTerms(text: string): string[] {
  const words = text.toLowerCase().match(WORD);
  if (!words) return [];
  const terms: string[] = [];
  for (const word of words) {
    if (word.length < MIN_TERM_CHARS) continue;
    terms.push(word.length > MAX_TERM_CHARS ? word.slice(0, MAX_TERM_CHARS) : word);
  }
  return terms;
}
