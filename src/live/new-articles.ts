import type { Catalog } from "../store/catalog.ts";
import { canonicalUrlsOf, type CatalogArticle } from "../store/catalog-article.ts";

/**
 * The stories in `next` that `previous` did not have, oldest first (the order
 * they would have been published in). A story merged from a second source is
 * not new: it keeps a canonical URL of the copy already held, even when the
 * merge gave it a smaller id. Without a previous catalog (the first build after
 * start or after a reload) nothing is new: that build is the baseline.
 */
export function newArticles(previous: Catalog | null, next: Catalog): CatalogArticle[] {
  if (!previous) return [];
  const added = next.articles.filter((article) => !previous.byId.has(article.id) && !canonicalUrlsOf(article).some((url) => previous.byCanonicalUrl.has(url)));
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
