import type { SectionConfig, SourceConfig } from "../config/sources-file.ts";
import type { SourceSnapshot } from "../ingest/read-source.ts";
import type { CatalogArticle } from "./catalog-article.ts";
import { mergeArticles } from "./merge.ts";
import { RelatedIndex } from "./related-index.ts";
import { compareNewestFirst } from "./article-order.ts";
import { SearchIndex } from "./search-index.ts";

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
  /** The full-text index, built on the first search of this version. */
  search: () => SearchIndex;
  /** Tags with the number of articles carrying them, most used first (case-insensitive names). */
  tags: TagCount[];
  tagByName: Map<string, TagCount>;
}

export interface TagCount {
  /** The tag as most articles write it. */
  name: string;
  count: number;
  /** Article count per section slug. */
  bySection: Map<string, number>;
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
  let search: SearchIndex | null = null;
  const tags = countTags(articles);
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
    search: () => (search ??= new SearchIndex(articles)),
    tags,
    tagByName: new Map(tags.map((tag) => [tag.name.toLowerCase(), tag])),
  };
}

function countTags(articles: CatalogArticle[]): TagCount[] {
  const tags = new Map<string, TagCount & { spellings: Map<string, number> }>();
  for (const article of articles) {
    for (const tag of article.tags) {
      const key = tag.toLowerCase();
      let entry = tags.get(key);
      if (!entry) tags.set(key, (entry = { name: tag, count: 0, bySection: new Map(), spellings: new Map() }));
      entry.count++;
      entry.bySection.set(article.section, (entry.bySection.get(article.section) ?? 0) + 1);
      entry.spellings.set(tag, (entry.spellings.get(tag) ?? 0) + 1);
    }
  }
  return [...tags.values()]
    .map(({ spellings, ...entry }) => ({ ...entry, name: [...spellings].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0] }))
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}
