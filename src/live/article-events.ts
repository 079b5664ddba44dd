import { LRUCache } from "lru-cache";
import { silentLogger, type Logger } from "../log/logger.ts";
import type { Catalog } from "../store/catalog/catalog.ts";
import { canonicalUrlsOf, type CatalogArticle } from "../store/catalog/catalog-article.ts";
import type { Store } from "../store/store.ts";
import { runSliced } from "../store/sliced/time-slice.ts";
import { findArticle, newArticleSteps } from "./new-articles.ts";
import { type ArticleAddedMessage, DEFAULT_SEEN_MAX, DEFAULT_SEEN_TTL_MS } from "./article-message.ts";
import type { RedisArticleChannel } from "./redis-channel.ts";
/** How long an instance waits for its own catalog to hold a story another instance announced. */
export const DEFAULT_RESOLVE_WAIT_MS = 5_000;
/** While waiting, how often the catalog is looked at again (besides on every build). */
export const RESOLVE_POLL_MS = 100;
/** Longest a claim in Redis may take before the instance announces the story to its own subscribers alone. */
export const DEFAULT_CLAIM_TIMEOUT_MS = 500;
/** Longest a first subscriber waits for Redis to confirm the channel subscription (it stays queued when Redis is down). */
export const LISTEN_WAIT_MS = 1_000;
/**
 * Most stories claimed in one Redis call. A build's new stories are claimed in
 * one call (a capped source brings at most DEFAULT_MAX_ITEMS a read); a build
 * taking in many sources at once is cut into calls of this many, so no one
 * script holds Redis for long.
 */
export const CLAIM_BATCH = 1_000;
/** Events held for one slow subscriber; beyond this the oldest are dropped. */
export const DEFAULT_MAX_QUEUED = 1_000;

/** A new story, with the catalog it was found in (its fields resolve against that catalog). */
export interface ArticleAdded {
  article: CatalogArticle;
  catalog: Catalog;
}

export interface ArticleEvents {
  /**
   * Every new story from now on, once each, that `accept` lets through.
   * Resolves once this instance listens (on Redis too, within LISTEN_WAIT_MS);
   * `return()` on the iterator ends the subscription.
   */
  subscribe: (accept?: (article: CatalogArticle) => boolean) => Promise<AsyncIterableIterator<ArticleAdded>>;
  /** Ends every open subscription (their streams complete) and stops listening to the store and to Redis. */
  close: () => void;
}

export interface ArticleEventsOptions {
  store: Store;
  /** The cluster channel (REDIS_URL). @default null: this instance alone, in process */
  channel?: RedisArticleChannel | null;
  /** @default a silent logger */
  logger?: Logger;
  /** @default DEFAULT_SEEN_TTL_MS */
  seenTtlMs?: number;
  /** @default DEFAULT_SEEN_MAX */
  seenMax?: number;
  /** @default DEFAULT_RESOLVE_WAIT_MS */
  resolveWaitMs?: number;
  /** @default DEFAULT_CLAIM_TIMEOUT_MS */
  claimTimeoutMs?: number;
  /** @default DEFAULT_MAX_QUEUED */
  maxQueued?: number;
  /** Monotonic clock for the waits, milliseconds. @default performance.now */
  now?: () => number;
}

/**
 * New stories as events. Every catalog build is compared with the one before
 * (`newArticleSteps`); each story found new is claimed, so that it is announced
 * once however many instances find it. Alone, the claim is a bounded local
 * memory and the announcement goes straight to this instance's subscribers.
 * With Redis, the claim is cluster-wide and the winner publishes the story's
 * id on the channel; every instance (the winner too) delivers from the
 * channel, after finding the story in its own catalog, so its subscribers
 * resolve fields (section, sources, related) against the same catalog as
 * queries do. When Redis does not answer, the instance warns once and
 * announces what it finds to its own subscribers.
 */
export function createArticleEvents({
  store,
  channel = null,
  logger = silentLogger(),
  seenTtlMs = DEFAULT_SEEN_TTL_MS,
  seenMax = DEFAULT_SEEN_MAX,
  resolveWaitMs = DEFAULT_RESOLVE_WAIT_MS,
  claimTimeoutMs = DEFAULT_CLAIM_TIMEOUT_MS,
  maxQueued = DEFAULT_MAX_QUEUED,
  now = () => performance.now(),
}: ArticleEventsOptions): ArticleEvents {
  const seenHere = new LRUCache<string, true>({ max: seenMax, ttl: seenTtlMs });
  const listeners = new Set<(event: ArticleAdded) => void>();
  /** Each open subscription's way to end: `close` ends them all, so their streams complete. */
  const streams = new Set<() => void>();
  let closed = false;
  const builds = new Set<() => void>();
  let degraded = false;
  let listening: Promise<void> | null = null;

  /**
   * Events on their way to this instance's subscribers, handed over one per
   * turn of the event loop. Each one runs the subscription's operation for
   * every subscriber and writes to their streams, all in microtasks that
   * follow the hand-over: handing over a refresh's new stories at once would
   * hold the event loop for all of them, however many there are.
   */
  const outbox: ArticleAdded[] = [];
  let pumping = false;
  const pump = () => {
    const event = outbox.shift();
    if (event) for (const listener of listeners) listener(event);
    if (outbox.length > 0) setImmediate(pump);
    else pumping = false;
  };
  const deliver = (event: ArticleAdded) => {
    outbox.push(event);
    if (!pumping) {
      pumping = true;
      setImmediate(pump);
    }
  };

  /**
   * The local claim: true when none of the story's keys was seen here (all are remembered from
   * now on). Alone it decides what is announced; with Redis it keeps each story to one delivery
   * per instance, whether it came from the channel or, while Redis was down, from this instance.
   */
  const claimHere = (article: CatalogArticle) => {
    const keys = [`id:${article.id}`, ...canonicalUrlsOf(article).map((url) => `url:${url}`)];
    const fresh = keys.every((key) => !seenHere.has(key));
    for (const key of keys) seenHere.set(key, true);
    return fresh;
  };

  /**
   * Announces a build's new stories: claimed in Redis in batches (one call for
   * a refresh's stories, not one each, so a churning feed costs one round trip
   * a refresh), or, when Redis does not answer, delivered here to what this
   * instance has not delivered yet.
   */
  const announce = async (articles: readonly CatalogArticle[], catalog: Catalog) => {
    for (let start = 0; start < articles.length; start += CLAIM_BATCH) {
      const batch = articles.slice(start, start + CLAIM_BATCH);
      if (channel) {
        try {
          await withTimeout(
            channel.claimAll(batch.map((article) => ({ id: article.id, canonicalUrls: [...canonicalUrlsOf(article)] }))),
            claimTimeoutMs,
          );
          if (degraded) logger.info("live: Redis is back, announcing new articles across the cluster again");
          degraded = false;
          continue;
        } catch (error) {
          if (!degraded)
            logger.warn({ err: error }, "live: Redis unreachable, new articles go to this instance's subscribers only until it returns");
          degraded = true;
        }
      }
      for (const article of batch) if (claimHere(article)) deliver({ article, catalog });
    }
  };

  // Each build's new stories are found in slices, and announced in the order the builds were published.
  let comparing: Promise<void> = Promise.resolve();
  const unhook = store.onCatalogBuilt((previous, next) => {
    for (const wake of builds) wake();
    comparing = comparing
      .then(() => runSliced(newArticleSteps(previous, next)))
      .then((added) => void announce(added, next))
      .catch((error: unknown) => logger.error({ err: error }, "live: finding new articles failed"));
  });

  /** The story as this instance's catalog holds it, waiting a little for a catalog that has it. */
  const resolve = async (message: ArticleAddedMessage): Promise<ArticleAdded | null> => {
    const deadline = now() + resolveWaitMs;
    for (;;) {
      const catalog = store.currentCatalog() ?? (await store.catalog().catch(() => null));
      const article = catalog && findArticle(catalog, message.id, message.canonicalUrls);
      if (catalog && article) return { article, catalog };
      const left = deadline - now();
      if (left <= 0) return null;
      await new Promise<void>((wake) => {
        const done = () => {
          clearTimeout(timer);
          builds.delete(done);
          wake();
        };
        const timer = setTimeout(done, Math.min(left, RESOLVE_POLL_MS));
        builds.add(done);
      });
    }
  };

  const onMessage = (message: ArticleAddedMessage) => {
    if (listeners.size === 0) return;
    void resolve(message).then((event) => {
      // Delivered here already (found alone while Redis was down, then claimed by another instance once it was back).
      if (event && !claimHere(event.article)) return;
      if (event) deliver(event);
      else
        logger.warn(
          { articleId: message.id },
          "live: a new article announced by another instance never reached this catalog; not delivered here",
        );
    });
  };

  return {
    subscribe: async (accept = () => true) => {
      if (channel) {
        listening ??= channel.listen(onMessage).catch((error) => {
          logger.warn({ err: error }, "live: could not subscribe to the Redis channel");
          listening = null;
        });
        await Promise.race([listening, new Promise((wake) => setTimeout(wake, LISTEN_WAIT_MS).unref())]);
      }
      const queue = queueOf(listeners, streams, accept, maxQueued);
      // Subscribed while shutting down: the stream ends at once.
      if (closed) await queue.return!();
      return queue;
    },
    close: () => {
      closed = true;
      for (const end of [...streams]) end();
      unhook();
      channel?.close();
    },
  };
}

/** One subscriber's events: a bounded queue filled by a listener from the moment of subscribing. */
function queueOf(
  listeners: Set<(event: ArticleAdded) => void>,
  streams: Set<() => void>,
  accept: (article: CatalogArticle) => boolean,
  maxQueued: number,
): AsyncIterableIterator<ArticleAdded> {
  const queue: ArticleAdded[] = [];
  let wake: (() => void) | null = null;
  let ended = false;
  const listener = (event: ArticleAdded) => {
    if (!accept(event.article)) return;
    if (queue.length >= maxQueued) queue.shift();
    queue.push(event);
    wake?.();
  };
  listeners.add(listener);
  const stop = () => {
    ended = true;
    listeners.delete(listener);
    streams.delete(stop);
    queue.length = 0;
    wake?.();
  };
  streams.add(stop);
  const end = async (): Promise<IteratorResult<ArticleAdded>> => {
    stop();
    return { value: undefined, done: true };
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      while (queue.length === 0 && !ended) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      return ended ? { value: undefined, done: true } : { value: queue.shift()!, done: false };
    },
    return: end,
    throw: async (error) => {
      await end();
      throw error;
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => {
    clearTimeout(timer);
    promise.catch(() => undefined);
  });
}
