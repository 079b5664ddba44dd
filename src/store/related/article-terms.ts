import { forEachTerm } from "./tokenize.ts";

/** Weights of where a term appears: a title or tag term says more than a body term. */
const FIELD_WEIGHTS = { title: 3, tags: 3, summary: 1.5, body: 1 } as const;

/** The text of an article its terms are taken from, the body's read only when needed (it costs the most). */
export interface TermSource {
  /** The article's BCP 47 language tag, or null: how its words are cut, folded and stemmed, and its stop words. */
  language: string | null;
  title: string;
  tags: readonly string[];
  summary: string | null;
  body: () => string;
}

/**
 * The article's terms with their field-weighted counts, into `counts` (emptied
 * first), in the order they first appear: title, tags, summary, then the
 * body. A pure function of the article: the index counts an article in with
 * it and out with it again.
 */
export function countTerms(source: TermSource, counts: Map<string, number>): Map<string, number> {
  counts.clear();
  const add = (text: string, weight: number) =>
    forEachTerm(text, (term) => counts.set(term, (counts.get(term) ?? 0) + weight), source.language);
  add(source.title, FIELD_WEIGHTS.title);
  add(source.tags.join(" . "), FIELD_WEIGHTS.tags);
  add(source.summary ?? "", FIELD_WEIGHTS.summary);
  add(source.body(), FIELD_WEIGHTS.body);
  return counts;
}

/**
 * The `limit` terms counted most, most first (ties: the one appearing first),
 * into `terms` and `counts`: how many. A rule that looks at the article
 * alone, so that what an article keeps never changes with the rest of the
 * catalog.
 */
export function strongestTerms(all: ReadonlyMap<string, number>, limit: number, terms: string[], counts: number[]): number {
  let kept = 0;
  for (const [term, count] of all) {
    if (kept === limit && count <= counts[kept - 1]!) continue;
    // Strictly more to move up: among equal counts the first to appear stays first.
    let at = Math.min(kept, limit - 1);
    while (at > 0 && count > counts[at - 1]!) {
      terms[at] = terms[at - 1]!;
      counts[at] = counts[at - 1]!;
      at--;
    }
    terms[at] = term;
    counts[at] = count;
    if (kept < limit) kept++;
  }
  return kept;
}

/**
 * How the article first writes each of `terms` (lower-case), for a reason
 * line: its fields are read in order until every term is found (most are in
 * the title or the summary).
 */
export function spellingsOf(source: TermSource, terms: ReadonlySet<string>): Map<string, string> {
  const spellings = new Map<string, string>();
  const fields = [() => source.title, () => source.tags.join(" . "), () => source.summary ?? "", source.body];
  for (const field of fields) {
    forEachTerm(
      field(),
      (term, word) => {
        if (terms.has(term) && !spellings.has(term)) spellings.set(term, word);
      },
      source.language,
    );
    if (spellings.size === terms.size) break;
  }
  return spellings;
}
