import type { Article } from "../ingest/article.ts";

/** A story as the catalog serves it: one article merged from every source that carried it. */
export interface CatalogArticle extends Article {
  /** Every source that carried the story, in the sources file's order. */
  sourceIds: string[];
  /** Every canonical URL the story was seen under, for lookup by URL. */
  canonicalUrls: string[];
  /** Every item guid the story was seen under. */
  guids: string[];
}
