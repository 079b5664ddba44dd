import type { Article } from "../../model/article.ts";

/**
 * A story as the catalog serves it. A story one source alone carries (most of
 * them) is that source's article itself, shared by every catalog version: no
 * copy per version. A story merged from several copies is a new article with
 * `merged` set. Read the merged fields through the functions below.
 */
export interface CatalogArticle extends Article {
  merged?: MergedFields;
}

export interface MergedFields {
  /** Every source that carried the story, in the sources file's order. */
  sourceIds: string[];
  /** Every canonical URL the story was seen under, for lookup by URL. */
  canonicalUrls: string[];
  /** Every item guid the story was seen under. */
  guids: string[];
}

/** Every source that carried the story, in the sources file's order. */
export function sourceIdsOf(article: CatalogArticle): readonly string[] {
  return article.merged?.sourceIds ?? [article.sourceId];
}

/** Every canonical URL the story was seen under. */
export function canonicalUrlsOf(article: CatalogArticle): readonly string[] {
  return article.merged?.canonicalUrls ?? [article.canonicalUrl];
}

/** Every item guid the story was seen under. */
export function guidsOf(article: CatalogArticle): readonly string[] {
  return article.merged?.guids ?? (article.guid === null ? [] : [article.guid]);
}

/** Whether a source carried the story. */
export function carriedBy(article: CatalogArticle, sourceId: string): boolean {
  return article.merged ? article.merged.sourceIds.includes(sourceId) : article.sourceId === sourceId;
}
