import { htmlToText } from "../ingest/text.ts";
import type { Catalog } from "./catalog.ts";
import type { CatalogArticle } from "./catalog-article.ts";
import { tokenize } from "./tokenize.ts";

export interface ArticleFilter {
  section?: string | null;
  source?: string | null;
  tag?: string | null;
  query?: string | null;
  since?: Date | null;
  until?: Date | null;
}

/** Articles matching every given filter, in the catalog's newest-first order. */
export function filterArticles(catalog: Catalog, filter: ArticleFilter): CatalogArticle[] {
  let list = filter.section ? (catalog.bySection.get(filter.section) ?? []) : catalog.articles;
  const tag = filter.tag?.trim().toLowerCase();
  const since = filter.since?.getTime();
  const until = filter.until?.getTime();
  const terms = filter.query ? tokenize(filter.query).map((t) => t.term) : [];
  if (!filter.source && !tag && since === undefined && until === undefined && terms.length === 0) return list;
  list = list.filter((article) => {
    if (filter.source && !article.sourceIds.includes(filter.source)) return false;
    if (tag && !article.tags.some((t) => t.toLowerCase() === tag)) return false;
    const time = article.publishedAt?.getTime();
    if (since !== undefined && (time === undefined || time < since)) return false;
    if (until !== undefined && (time === undefined || time > until)) return false;
    return terms.length === 0 || matchesAllTerms(article, terms);
  });
  return list;
}

/** Every query term must start a word of the article (so "batter" finds "battery"). */
function matchesAllTerms(article: CatalogArticle, terms: string[]): boolean {
  const text = [article.title, article.summary ?? "", article.tags.join(" "), htmlToText(article.contentHtml ?? "")].join(" ");
  const words = new Set(tokenize(text).map((t) => t.term));
  return terms.every((term) => {
    if (words.has(term)) return true;
    for (const word of words) if (word.startsWith(term)) return true;
    return false;
  });
}
