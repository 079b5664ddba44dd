import { escapeHtml } from "../../ingest/escape-html.ts";
import { htmlToText } from "../../ingest/text.ts";
import { isIdeographic } from "../../ingest/language/segment.ts";
import type { CatalogArticle } from "../catalog/catalog-article.ts";

/** Characters of context a snippet shows around its first match. */
export const SNIPPET_CHARS = 160;

/**
 * A short plain-text excerpt of `article` around the first of `terms`, from
 * the summary, else the body, else the title; HTML-escaped, with the matched
 * words wrapped in `<mark>`: safe to insert as HTML. It is cut from the
 * article itself, so the index keeps no copy of the text; the body is read
 * only when the summary has no match.
 */
export function snippetOf(article: CatalogArticle, terms: string[]): string | null {
  const pattern = termPattern(terms);
  if (!pattern) return null;
  const sources = [() => article.summary ?? "", () => htmlToText(article.rawBodyHtml ?? ""), () => article.title];
  let text = article.summary ?? "";
  let first = -1;
  for (const source of sources) {
    const candidate = source();
    pattern.lastIndex = 0;
    const found = pattern.exec(candidate);
    if (found) {
      text = candidate;
      first = found.index;
      break;
    }
  }
  const start = first < 0 ? 0 : Math.max(0, text.lastIndexOf(" ", Math.max(0, first - SNIPPET_CHARS / 3)) + 1);
  let excerpt = text.slice(start, start + SNIPPET_CHARS);
  const cutEnd = start + SNIPPET_CHARS < text.length;
  if (cutEnd) excerpt = excerpt.replace(/\s+\S*$/, "");
  return `${start > 0 ? "…" : ""}${marked(excerpt, pattern)}${cutEnd ? "…" : ""}`;
}

/**
 * One pattern for every matched word. A word of a spaced script matches at a
 * word start only ("mars" not in "unmars"); Chinese and Japanese terms are
 * character pairs inside runs without spaces (see search-text.ts), so they
 * match anywhere, and overlapping pairs ("半導" and "導体") must both be found.
 */
function termPattern(terms: readonly string[]): RegExp | null {
  const spaced = terms.filter((term) => !isIdeographic(term));
  const unspaced = terms.filter((term) => isIdeographic(term));
  const alternatives: string[] = [];
  if (spaced.length > 0) alternatives.push(`(?<![\\p{L}\\p{N}])(?:${byLength(spaced).join("|")})`);
  // A lookahead consumes nothing: every start of a pair is found, overlapping or not.
  if (unspaced.length > 0) alternatives.push(`(?=(${byLength(unspaced).join("|")}))`);
  return alternatives.length > 0 ? new RegExp(alternatives.join("|"), "giu") : null;
}

/** `text` HTML-escaped, with each stretch the pattern covers (matches that touch or overlap as one) wrapped in `<mark>`. */
function marked(text: string, pattern: RegExp): string {
  const spans: [number, number][] = [];
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    const length = match[0].length || match[1]!.length;
    const end = match.index + length;
    const last = spans.at(-1);
    if (last && match.index <= last[1]) last[1] = Math.max(last[1], end);
    else spans.push([match.index, end]);
    if (match[0].length === 0) pattern.lastIndex++;
  }
  let html = "";
  let at = 0;
  for (const [from, to] of spans) {
    html += `${escapeHtml(text.slice(at, from))}<mark>${escapeHtml(text.slice(from, to))}</mark>`;
    at = to;
  }
  return html + escapeHtml(text.slice(at));
}

function byLength(terms: readonly string[]): string[] {
  return terms.map(escapeRegExp).sort((a, b) => b.length - a.length);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
