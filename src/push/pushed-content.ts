import type { SourceConfig, SourcesConfig } from "../config/sources-file.ts";
import type { SourceSnapshot } from "../model/source-snapshot.ts";
import { capArticles } from "../ingest/item-cap.ts";
import { hashArticleHashes } from "../ingest/item-memo.ts";
import { type Ingest, readSource } from "../ingest/read-source.ts";
import type { FeedCache } from "../store/source-cache/feed-cache.ts";
import type { SharedCache } from "../store/source-cache/shared-cache.ts";
import type { Store } from "../store/store.ts";

export interface PushedContentDeps {
  store: Store;
  feedCache: FeedCache;
  /** With REDIS_URL: the copy every instance serves, and the change announced to them. */
  sharedCache: SharedCache | null;
  ingest: Ingest;
  /** Wall clock, epoch ms. */
  now: () => number;
  /** What every read of a source goes through after its body is read (the full-text step, in the wiring): pushed content too. @default nothing */
  wrap?: (read: PushedRead) => PushedRead;
}

type PushedRead = (source: SourceConfig, config: SourcesConfig, previous: SourceSnapshot | undefined) => Promise<SourceSnapshot>;

/**
 * Takes content a hub pushed in as a read of its source: the same pipeline as
 * a fetch (readSource over the pushed body, so the byte cap, parsing,
 * normalization, sanitizing and the reuse of held articles are the same),
 * as if the topic had answered with it. A hub may push the feed's whole
 * document or only its new entries (the spec allows a diff), so the pushed
 * items join the held ones rather than replace them (see `withHeldArticles`):
 * an item gone from the feed goes at the next poll. The snapshot is put in
 * the feed cache (and in Redis, announced), and the catalog rebuilt before
 * this resolves: queries and `articleAdded` see it at once.
 */
export function createPushedContent({ store, feedCache, sharedCache, ingest, now, wrap = (read) => read }: PushedContentDeps) {
  return async (
    sourceId: string,
    body: Buffer,
    contentType: string | null,
    topic: string,
    link: string | null,
  ): Promise<{ ok: true } | { ok: false; reason: string }> => {
    const source = store.enabledSources.find((s) => s.id === sourceId);
    if (!source) return { ok: false, reason: "the source is not enabled" };
    const previous = feedCache.peek(sourceId);
    const readPushed = wrap(async (pushedSource, config, before) =>
      withHeldArticles(
        await readSource(
          pushedSource,
          { sections: config.sections, rootDir: config.rootDir },
          {
            now,
            ingest,
            // No validators: the next poll reads the whole feed, whatever the hub sent.
            fetchFeed: async () => ({
              kind: "fetched",
              body,
              contentType,
              freshForMs: null,
              etag: null,
              lastModified: null,
              finalUrl: new URL(topic),
              link,
            }),
          },
          before,
        ),
        before,
        pushedSource.maxItems,
      ),
    );
    const read = await readPushed(source, store.config, previous);
    // A push that cannot be read changes nothing: the source's health is its polls'.
    if (!read.ok) return { ok: false, reason: read.error?.message ?? "unreadable" };
    // A pushed document that names no hub (a hub may send only the entries) keeps the hubs the feed named.
    const snapshot = read.hubs && read.hubs.length > 0 ? read : { ...read, hubs: previous?.hubs ?? [], selfUrl: previous?.selfUrl ?? null };
    feedCache.prime(source, snapshot);
    await sharedCache?.storePushed(source, snapshot, previous?.contentHash !== snapshot.contentHash);
    await caughtUp(store);
    return { ok: true };
  };
}

/**
 * A pushed read's articles with the held ones it does not carry again (by
 * article id), newest kept under the source's `maxItems` as a read's are: a
 * push of only the new entries adds them to what the source holds. A held
 * article named again comes as pushed (an edit). Unchanged when the read
 * failed, or when nothing is held or every held article is in the push.
 */
export function withHeldArticles(read: SourceSnapshot, held: SourceSnapshot | undefined, maxItems: number): SourceSnapshot {
  const heldHashes = held?.articleHashes;
  const readHashes = read.articleHashes;
  if (!read.ok || !held || !heldHashes || heldHashes.length !== held.articles.length || !readHashes) return read;
  const pushed = new Set(read.articles.map((article) => article.id));
  const kept = held.articles.flatMap((article, i) => (pushed.has(article.id) ? [] : [i]));
  if (kept.length === 0) return read;
  const capped = capArticles(
    [...read.articles, ...kept.map((i) => held.articles[i]!)],
    [...readHashes, ...kept.map((i) => heldHashes[i]!)],
    maxItems,
  );
  return {
    ...read,
    articles: capped.articles,
    articleHashes: capped.articleHashes,
    contentHash: hashArticleHashes(capped.articleHashes),
  };
}

/** Longest a push waits for a catalog that shows it (builds are spaced; see MIN_REBUILD_INTERVAL_MS). */
export const CATALOG_WAIT_MS = 2_000;

/**
 * Resolves once the catalog in force shows every source's current content (or
 * after CATALOG_WAIT_MS): a build asked for just after another one is
 * deferred a little, and the hub is answered only once queries see its content.
 */
async function caughtUp(store: Store): Promise<void> {
  const deadline = performance.now() + CATALOG_WAIT_MS;
  await store.catalog();
  while (store.currentCatalog() === null && performance.now() < deadline) {
    await new Promise<void>((resolve) => {
      const done = () => {
        off();
        clearTimeout(timer);
        resolve();
      };
      const off = store.onCatalogBuilt(done);
      // Looked at again now and then, in case the build came between the check and the listener.
      const timer = setTimeout(done, 50);
    });
    await store.catalog();
  }
}
