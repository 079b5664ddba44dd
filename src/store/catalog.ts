import type { SectionConfig, SourceConfig } from "../config/sources-file.ts";
import type { SourceSnapshot } from "../ingest/read-source.ts";
import type { CatalogArticle } from "./catalog-article.ts";
import { mergeArticles } from "./merge.ts";
import { RelatedIndex } from "./related-index.ts";
import { compareNewestFirst } from "./article-order.ts";

/**
 * The merged, deduplicated, indexed view of every source at one moment.
 * Immutable: a change in any source builds a new catalog with a higher version,
 * so anything keyed on the version (response caches, cursors' validity) follows.
 */
export interface Catalog {
  version: number;
  builtAt: Date;
  sections: SectionConfig[];
  sources: SourceConfig[];
  /** Newest first; articles without a date last. */
  articles: CatalogArticle[];
  byId: Map<string, CatalogArticle>;
  byCanonicalUrl: Map<string, CatalogArticle>;
  bySection: Map<string, CatalogArticle[]>;
  related: RelatedIndex;
}

export function buildCatalog(input: {
  version: number;
  now: number;
  sections: SectionConfig[];
  sources: SourceConfig[];
  snapshots: Map<string, SourceSnapshot>;
}): Catalog {
  const raw = input.sources.flatMap((source) => input.snapshots.get(source.id)?.articles ?? []);
  const articles = mergeArticles(raw).sort(compareNewestFirst);
  const byId = new Map(articles.map((a) => [a.id, a]));
  const byCanonicalUrl = new Map<string, CatalogArticle>();
  for (const article of articles) for (const url of article.canonicalUrls) byCanonicalUrl.set(url, article);
  const bySection = new Map<string, CatalogArticle[]>(input.sections.map((s) => [s.slug, []]));
  for (const article of articles) bySection.get(article.section)?.push(article);
  return {
    version: input.version,
    builtAt: new Date(input.now),
    sections: input.sections,
    sources: input.sources,
    articles,
    byId,
    byCanonicalUrl,
    bySection,
    related: new RelatedIndex(articles),
  };
}
