import type { Article } from "../../src/model/article.ts";
import type { SourceSnapshot } from "../../src/model/source-snapshot.ts";

/** What tests that never read a clock give: an RSS read with no fetch times. Spread into `snapshotOf`'s overrides. */
export const UNTIMED_RSS = { format: "rss", lastFetchedAt: null, lastSuccessAt: null } as const satisfies Partial<SourceSnapshot>;

/**
 * A good read of a source holding `articles`, as the feed cache keeps one, read now as JSON Feed;
 * `overrides` replaces any field (`contentHash` defaults to `<sourceId>-<article count>`).
 */
export function snapshotOf(sourceId: string, articles: Article[], overrides: Partial<SourceSnapshot> = {}): SourceSnapshot {
  return {
    sourceId,
    articles,
    contentHash: `${sourceId}-${articles.length}`,
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
    ...overrides,
  };
}
