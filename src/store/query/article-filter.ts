import { NEWEST, OLDEST, oldestFromNewest, type ArticleOrderName } from "../catalog/article-order.ts";
import { languageRangesOf, type Catalog } from "../catalog/catalog.ts";
import { carriedBy, type CatalogArticle } from "../catalog/catalog-article.ts";
import type { OrderedList } from "../persistent/ordered-list.ts";
import type { ArticleSelection } from "./article-selection.ts";
import { searchSelection } from "./search-selection.ts";

export interface ArticleFilter {
  section?: string | null;
  source?: string | null;
  tag?: string | null;
  /** A BCP 47 language range (`en`, `en-US`): matched by RFC 4647 basic filtering, case-insensitive (see `languageRange`). */
  language?: string | null;
  query?: string | null;
  since?: Date | null;
  until?: Date | null;
  /** NEWEST by default; RELEVANCE by default with a query (and only with one). */
  orderBy?: ArticleOrderName | null;
}

/** The longest search query taken: longer ones are refused rather than cut, so a client learns its query was not run as written. */
export const MAX_QUERY_CHARS = 200;

/** A filter a client combined wrongly; the GraphQL layer turns it into BAD_USER_INPUT. */
export class FilterError extends Error {
  readonly code = "BAD_USER_INPUT";
}

/** Longest `language` argument accepted, in characters (BCP 47 asks implementations to take at least 35). */
export const MAX_LANGUAGE_CHARS = 64;

/**
 * A language filter as the lower-case basic language range it names (RFC 4647
 * §2.1: `en`, `en-US`, `zh-Hant`), or null when none is given (absent, or
 * blank like an empty tag). `*` is not taken. Anything else malformed is the
 * client's mistake.
 */
export function languageRange(text: string | null | undefined): string | null {
  const trimmed = text?.trim();
  if (!trimmed) return null;
  if (trimmed.length <= MAX_LANGUAGE_CHARS && /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(trimmed)) return trimmed.toLowerCase();
  const hint = /^[A-Za-z]{1,8}(_[A-Za-z0-9]{1,8})+$/.test(trimmed)
    ? ` (BCP 47 joins subtags with "-": ${trimmed.replaceAll("_", "-")})`
    : "";
  throw new FilterError(
    `\`language\` "${trimmed.slice(0, 40)}" is not a BCP 47 language tag or prefix; use letters and digits in subtags of 1 to 8 joined by "-", starting with the language, such as en, en-US or zh-Hant, at most ${MAX_LANGUAGE_CHARS} characters${hint}`,
  );
}

/** Whether an article's language matches a range from `languageRange` (RFC 4647 basic filtering). */
export function speaks(article: CatalogArticle, range: string): boolean {
  return !!article.language && languageRangesOf(article.language).includes(range);
}

/** Articles matching every given filter, in the requested order. */
export function selectArticles(catalog: Catalog, filter: ArticleFilter): ArticleSelection {
  const query = filter.query?.trim() ? filter.query.trim() : null;
  if (filter.orderBy === "RELEVANCE" && !query) throw new FilterError("`orderBy: RELEVANCE` needs a `query` to rank by");
  const language = languageRange(filter.language);
  const { section } = filter;
  if (query) {
    const keep = articleTest(filter, language);
    // As the section's own list holds them: only a configured section has articles.
    const inSection = !section
      ? null
      : catalog.bySection.has(section)
        ? (article: CatalogArticle) => article.section === section
        : () => false;
    return searchSelection(
      catalog,
      query,
      filter.orderBy ?? "RELEVANCE",
      inSection && keep ? (article) => inSection(article) && keep(article) : (inSection ?? keep),
    );
  }
  // Section and language have lists of their own (the catalog's indexes); with both, the shorter is read and tested for the other.
  const inSection = section ? (catalog.bySection.get(section) ?? null) : undefined;
  let list: OrderedList<CatalogArticle> | CatalogArticle[];
  if (!language) list = inSection === undefined ? catalog.articles : (inSection ?? []);
  else {
    const inLanguage = catalog.byLanguage.get(language) ?? null;
    if (inSection === undefined) list = inLanguage ?? [];
    // An unknown section has no list: nothing matches.
    else if (!inSection || !inLanguage) list = [];
    else if (inLanguage.length < inSection.length) list = inLanguage.filter((article) => article.section === section);
    else list = inSection.filter((article) => speaks(article, language));
  }
  const keep = articleTest(filter, null);
  if (keep) list = list.filter(keep);
  // The catalog's lists are newest first already.
  return filter.orderBy === "OLDEST"
    ? { list: oldestFromNewest(Array.isArray(list) ? list : list.toArray(), (article) => article.publishedAt), order: OLDEST, hitAt: null }
    : { list, order: NEWEST, hitAt: null };
}

/** The filters other than section and query (and language, unless given here), as one test; null when there are none. */
function articleTest(filter: ArticleFilter, language: string | null): ((article: CatalogArticle) => boolean) | null {
  const tag = filter.tag?.trim().toLowerCase();
  const since = filter.since?.getTime();
  const until = filter.until?.getTime();
  const { source } = filter;
  if (!source && !tag && !language && since === undefined && until === undefined) return null;
  return (article) => {
    if (source && !carriedBy(article, source)) return false;
    if (tag && !article.tags.some((t) => t.toLowerCase() === tag)) return false;
    if (language && !speaks(article, language)) return false;
    const time = article.publishedAt?.getTime();
    if (since !== undefined && (time === undefined || time < since)) return false;
    if (until !== undefined && (time === undefined || time > until)) return false;
    return true;
  };
}
