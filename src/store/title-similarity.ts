/** Dice similarity of two titles' letter pairs at or above which two titles tell the same story. */
export const SAME_STORY_SIMILARITY = 0.88;

/** Lower-case words of a title without punctuation, accents kept. */
export function titleWords(title: string): string[] {
  return title.toLowerCase().normalize("NFKC").match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * Sørensen–Dice coefficient over the character bigrams of two titles (words
 * joined by single spaces): 1 for the same text, near 1 for a changed word or
 * punctuation, low for different stories. Robust to word order changes and
 * cheap: linear in the titles' length.
 */
export function titleSimilarity(a: string, b: string): number {
  const left = bigrams(titleWords(a).join(" "));
  const right = bigrams(titleWords(b).join(" "));
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

/**
 * Whether two titles name the same story: near-identical text and the same
 * numbers, because "Q3 results" and "Q4 results", or "5 killed" and "6 killed",
 * are different stories however alike the rest reads.
 */
export function sameStoryTitles(a: string, b: string): boolean {
  const numbers = (t: string) => titleWords(t).filter((w) => /\d/.test(w)).sort().join(" ");
  return numbers(a) === numbers(b) && titleSimilarity(a, b) >= SAME_STORY_SIMILARITY;
}

function bigrams(text: string): Map<string, number> {
  const pairs = new Map<string, number>();
  for (let i = 0; i < text.length - 1; i++) {
    const pair = text.slice(i, i + 2);
    pairs.set(pair, (pairs.get(pair) ?? 0) + 1);
  }
  return pairs;
}
