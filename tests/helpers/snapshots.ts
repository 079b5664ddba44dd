import type { Article } from "../../src/model/article.ts";
import type { SourceSnapshot } from "../../src/model/source-snapshot.ts";

/** A good read of a source holding `articles`, as the feed cache keeps one. */
export function snapshotOf(sourceId: string, articles: Article[], contentHash = `${sourceId}-${articles.length}`): SourceSnapshot {
  return {
    sourceId,
    articles,
    contentHash,
    format: "jsonfeed",
    etag: null,
    lastModified: null,
    ok: true,
    error: null,
    warning: null,
    feedTitle: null,
    feedLink: null,
    itemsSeen: articles.length,
    encoding: null,
    upstreamTtlMs: null,
    consecutiveFailures: 0,
    retryAfterMs: null,
    lastFetchedAt: new Date(),
    lastSuccessAt: new Date(),
    durationMs: 0,
  };
}
