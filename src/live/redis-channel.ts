import { createHash } from "node:crypto";
import { createRedisEventTarget } from "@graphql-yoga/redis-event-target";
import { createPubSub } from "graphql-yoga";
import type { Redis } from "ioredis";
import { type ArticleAddedMessage, DEFAULT_SEEN_MAX, DEFAULT_SEEN_TTL_MS } from "./article-message.ts";

/**
 * Claims a batch of stories for the whole cluster and announces each one won,
 * in one atomic step and one round trip however many stories a refresh brings.
 * A story is won when none of its marks (its id, each canonical URL's digest)
 * is in the seen set; its marks join the set either way, and only a won story
 * is published: the instance that wins is the only one that publishes, and a
 * claim can never be taken without its message going out.
 *
 * The seen set is one sorted set scored by claim time (Redis's clock, the same
 * for every instance), so what Redis holds is bounded whatever a source does:
 * marks older than the TTL are dropped, and beyond `max` marks the oldest go,
 * even for a feed whose ids change on every read.
 *
 * KEYS[1] the seen set. ARGV: TTL ms, most marks, channel, number of stories,
 * then per story: its number of marks, the marks, its message. Returns 1 (won)
 * or 0 per story, in order.
 */
const CLAIM_BATCH_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ttl = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
local won = {}
local at = 5
for story = 1, tonumber(ARGV[4]) do
  local marks = tonumber(ARGV[at])
  local fresh = 1
  for i = at + 1, at + marks do
    if redis.call('ZSCORE', KEYS[1], ARGV[i]) then fresh = 0 else redis.call('ZADD', KEYS[1], now, ARGV[i]) end
  end
  at = at + marks + 1
  if fresh == 1 then redis.call('PUBLISH', ARGV[3], ARGV[at]) end
  at = at + 1
  won[story] = fresh
end
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[2])
if excess > 0 then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, excess - 1) end
redis.call('PEXPIRE', KEYS[1], ttl)
return won`;

export interface RedisArticleChannelOptions {
  /** Runs the claim (commands fail at once while Redis is down: `createRedis`'s connection). */
  publisher: Redis;
  /** A connection of its own for SUBSCRIBE (a subscribed connection runs no other command); made on the first `listen`. */
  subscriber: () => Redis;
  /** The channel's full name, prefix included. */
  channel: string;
  /** The full name of the seen set (marks of the stories claimed), prefix included. */
  seenKey: string;
  /** How long a story stays claimed. */
  seenTtlMs: number;
  /** Most marks the seen set holds (a story has one for its id and one per canonical URL); the oldest go first. */
  seenMax: number;
}

/** The Redis side of article events: the cluster-wide claim and the channel every instance listens on. */
export class RedisArticleChannel {
  private readonly options: RedisArticleChannelOptions;
  private subscriber: Redis | null = null;
  private iterator: AsyncIterator<ArticleAddedMessage> | null = null;

  constructor(options: RedisArticleChannelOptions) {
    this.options = options;
  }

  /**
   * For each story, whether this instance saw it first (and so announced it):
   * one Redis call for the whole batch. Rejects when Redis does not answer.
   */
  async claimAll(messages: readonly ArticleAddedMessage[]): Promise<boolean[]> {
    if (messages.length === 0) return [];
    const { seenKey, seenTtlMs, seenMax, channel, publisher } = this.options;
    const args: (string | number)[] = [seenTtlMs, seenMax, channel, messages.length];
    for (const message of messages) {
      const marks = marksOf(message);
      args.push(marks.length, ...marks, JSON.stringify(message));
    }
    const won = (await publisher.eval(CLAIM_BATCH_SCRIPT, 1, seenKey, ...args)) as number[];
    return won.map((fresh) => fresh === 1);
  }

  /**
   * Calls `onMessage` for every message on the channel, this instance's own
   * included; resolves once Redis confirmed the subscription. Through Yoga's
   * pub/sub over `@graphql-yoga/redis-event-target`, which shares one
   * SUBSCRIBE among all listeners of a topic.
   */
  async listen(onMessage: (message: ArticleAddedMessage) => void): Promise<void> {
    if (this.iterator) return;
    const subscriber = (this.subscriber = this.options.subscriber());
    subscriber.on("error", () => undefined);
    // The event target subscribes and publishes without awaiting: a failure there must not become an unhandled rejection.
    const subscribeClient = {
      // biome-ignore lint/suspicious/noExplicitAny: ioredis types its event listeners with any[]
      on: (event: string, listener: (...args: any[]) => void) => subscriber.on(event, listener),
      subscribe: (...channels: string[]) => subscriber.subscribe(...channels).catch(() => undefined),
      unsubscribe: (...channels: string[]) => subscriber.unsubscribe(...channels).catch(() => undefined),
    } as unknown as Redis;
    const publishClient = {
      publish: (channel: string, message: string) => this.options.publisher.publish(channel, message).catch(() => 0),
    } as unknown as Redis;
    const pubsub = createPubSub<Record<string, [ArticleAddedMessage]>>({
      eventTarget: createRedisEventTarget({ publishClient, subscribeClient }),
    });
    const iterator = (this.iterator = pubsub.subscribe(this.options.channel)[Symbol.asyncIterator]());
    void (async () => {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) onMessage(next.value);
    })().catch(() => undefined);
    // Subscribing again is a no-op for Redis; awaiting it here says when messages start to arrive.
    await subscriber.subscribe(this.options.channel);
  }

  close(): void {
    void this.iterator?.return?.();
    this.subscriber?.disconnect();
  }
}

/** A story's marks in the seen set: its id, and each canonical URL's digest. */
export function marksOf(message: ArticleAddedMessage): string[] {
  return [`id:${message.id}`, ...message.canonicalUrls.map((url) => `url:${digest(url)}`)];
}

/** Canonical URLs can be long; marks hold a fixed-size digest instead. */
function digest(url: string): string {
  return createHash("sha256").update(url).digest("base64url").slice(0, 22);
}

/** The channel over a shared cache's Redis connection and key prefix (what createGateway uses with REDIS_URL). */
export function createRedisArticleChannel(
  shared: { redis: Redis; key: (...parts: string[]) => string },
  seenTtlMs = DEFAULT_SEEN_TTL_MS,
  seenMax = DEFAULT_SEEN_MAX,
): RedisArticleChannel {
  return new RedisArticleChannel({
    publisher: shared.redis,
    // Queued while Redis is down and sent when it returns (ioredis subscribes again after every reconnect).
    subscriber: () => shared.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null }),
    channel: shared.key("article-added"),
    // "-v2": one sorted set, a name of its own so it never meets the per-mark string keys (`article-seen:id:…`) of older instances, which expire on their own.
    seenKey: shared.key("article-seen-v2"),
    seenTtlMs,
    seenMax,
  });
}
