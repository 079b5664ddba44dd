import type { Catalog } from "../store/catalog/catalog.ts";
import { canonicalUrlsOf, type CatalogArticle } from "../store/catalog/catalog-article.ts";
import { compareStories } from "../store/catalog/catalog-parts.ts";
import type { Steps } from "../store/sliced/time-slice.ts";

/** Articles compared between two yields of `newArticleSteps`. */
const COMPARE_STEP = 1024;

/**
 * The stories in `next` that `previous` did not have, oldest first (the order
 * they would have been published in). A story merged from a second source is
 * not new: it keeps a canonical URL of the copy already held, even when the
 * merge gave it a smaller id. Without a previous catalog (the first build after
 * start or after a reload) nothing is new: that build is the baseline.
 *
 * As steps (see time-slice.ts): the comparison costs a few cache misses an
 * article, and must not all fall in the turn that published the catalog.
 */
export function* newArticleSteps(previous: Catalog | null, next: Catalog): Steps<CatalogArticle[]> {
  if (!previous) return [];
  const isNew = (article: CatalogArticle) =>
    !previous.byId.has(article.id) && !canonicalUrlsOf(article).some((url) => previous.byCanonicalUrl.has(url));
  // A catalog made from `previous` by a change says which stories it added: only those can be new.
  const change = next.change;
  if (change && change.fromVersion === previous.version) return change.stories.added.filter(isNew).sort((a, b) => compareStories(b, a));
  const added: CatalogArticle[] = [];
  let index = 0;
  for (const article of next.articles) {
    if (isNew(article)) added.push(article);
    if (index++ % COMPARE_STEP === COMPARE_STEP - 1) yield;
  }
  return added.reverse();
}

/** The story a message names, in this catalog: by id, or by any of its canonical URLs (a merge may have changed the id). */
export function findArticle(catalog: Catalog, id: string, canonicalUrls: readonly string[]): CatalogArticle | undefined {
  const byId = catalog.byId.get(id);
  if (byId) return byId;
  for (const url of canonicalUrls) {
    const byUrl = catalog.byCanonicalUrl.get(url);
    if (byUrl) return byUrl;
  }
  return undefined;
}
