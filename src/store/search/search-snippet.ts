import { escapeHtml } from "../../ingest/escape-html.ts";
import { htmlToText } from "../../ingest/text.ts";
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
  const words = terms.map(escapeRegExp).sort((a, b) => b.length - a.length);
  if (words.length === 0) return null;
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${words.join("|")})`, "iu");
  const sources = [() => article.summary ?? "", () => htmlToText(article.rawBodyHtml ?? ""), () => article.title];
  let text = article.summary ?? "";
  let first = -1;
  for (const source of sources) {
    const candidate = source();
    const at = candidate.search(pattern);
    if (at >= 0) {
      text = candidate;
      first = at;
      break;
    }
  }
  const start = first < 0 ? 0 : Math.max(0, text.lastIndexOf(" ", Math.max(0, first - SNIPPET_CHARS / 3)) + 1);
  let excerpt = text.slice(start, start + SNIPPET_CHARS);
  if (start + SNIPPET_CHARS < text.length) excerpt = `${excerpt.replace(/\s+\S*$/, "")}…`;
  if (start > 0) excerpt = `…${excerpt}`;
  return escapeHtml(excerpt).replace(new RegExp(`(?<![\\p{L}\\p{N}])(${words.map(escapeHtml).join("|")})`, "giu"), "<mark>$1</mark>");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
