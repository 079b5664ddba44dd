/** Dice similarity of two titles' letter pairs at or above which two titles tell the same story. */
export const SAME_STORY_SIMILARITY = 0.88;

/** Lower-case words of a title without punctuation, accents kept. */
export function titleWords(title: string): string[] {
  return (
    title
      .toLowerCase()
      .normalize("NFKC")
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/**
 * Sørensen–Dice coefficient over the character bigrams of two titles (words
 * joined by single spaces): 1 for the same text, near 1 for a changed word or
 * punctuation, low for different stories. Robust to word order changes and
 * cheap: linear in the titles' length.
 */
export function titleSimilarity(a: string, b: string): number {
  return dice(bigrams(titleWords(a).join(" ")), bigrams(titleWords(b).join(" ")));
}

/**
 * Whether two titles name the same story: near-identical text and the same
 * numbers, because "Q3 results" and "Q4 results", or "5 killed" and "6 killed",
 * are different stories however alike the rest reads.
 */
export function sameStoryTitles(a: string, b: string): boolean {
  return sameStoryAs(a)(b);
}

/**
 * `sameStoryTitles` against one title, with its side prepared once: for
 * comparing one story with many. Titles whose lengths alone rule out the
 * similarity are rejected before any letter pair is counted.
 */
export function sameStoryAs(title: string): (other: string) => boolean {
  const words = titleWords(title);
  const numbers = numbersOf(words);
  const text = words.join(" ");
  let left: Map<string, number> | null = null;
  return (other) => {
    const otherWords = titleWords(other);
    if (numbersOf(otherWords) !== numbers) return false;
    const otherText = otherWords.join(" ");
    // Dice is at most 2·min/(sum) of the two pair counts: too different in length, too different in text.
    const pairs = Math.max(0, text.length - 1);
    const otherPairs = Math.max(0, otherText.length - 1);
    if (pairs === 0 || otherPairs === 0 || (2 * Math.min(pairs, otherPairs)) / (pairs + otherPairs) < SAME_STORY_SIMILARITY) return false;
    left ??= bigrams(text);
    return dice(left, bigrams(otherText)) >= SAME_STORY_SIMILARITY;
  };
}

function numbersOf(words: string[]): string {
  return words
    .filter((w) => /\d/.test(w))
    .sort()
    .join(" ");
}

function dice(left: Map<string, number>, right: Map<string, number>): number {
  if (left.size === 0 || right.size === 0) return 0;
  let shared = 0;
  let total = 0;
  for (const count of left.values()) total += count;
  for (const [pair, count] of right) {
    total += count;
    shared += Math.min(count, left.get(pair) ?? 0);
  }
  return (2 * shared) / total;
}

function bigrams(text: string): Map<string, number> {
  const pairs = new Map<string, number>();
  for (let i = 0; i < text.length - 1; i++) {
    const pair = text.slice(i, i + 2);
    pairs.set(pair, (pairs.get(pair) ?? 0) + 1);
  }
  return pairs;
}
