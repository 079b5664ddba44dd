import { createHash } from "node:crypto";
import { createRedisEventTarget } from "@graphql-yoga/redis-event-target";
import { createPubSub } from "graphql-yoga";
import type { Redis } from "ioredis";
import { DEFAULT_SEEN_TTL_MS } from "./article-events.ts";

/**
 * Claims a story for the whole cluster and announces it in one atomic step:
 * every key of the story (its id, each canonical URL) is set if absent; only
 * when none existed is the message published. The instance that wins is the
 * only one that publishes, and a claim can never be taken without its message
 * going out (the two cannot be split by a crash between them).
 */
const CLAIM_SCRIPT = `
local fresh = 1
for _, key in ipairs(KEYS) do
  if not redis.call('SET', key, '1', 'NX', 'PX', ARGV[1]) then fresh = 0 end
end
if fresh == 1 then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return fresh`;

/** What travels on the channel: enough to find the story in any instance's own catalog. */
export interface ArticleAddedMessage {
  id: string;
  canonicalUrls: string[];
}

export interface RedisArticleChannelOptions {
  /** Runs the claim (commands fail at once while Redis is down: `createRedis`'s connection). */
  publisher: Redis;
  /** A connection of its own for SUBSCRIBE (a subscribed connection runs no other command); made on the first `listen`. */
  subscriber: () => Redis;
  /** The channel's full name, prefix included. */
  channel: string;
  /** The full name of one dedupe key, prefix included. */
  seenKey: (part: string) => string;
  /** How long a story stays claimed. */
  seenTtlMs: number;
}

/** The Redis side of article events: the cluster-wide claim and the channel every instance listens on. */
export class RedisArticleChannel {
  private readonly options: RedisArticleChannelOptions;
  private subscriber: Redis | null = null;
  private iterator: AsyncIterator<ArticleAddedMessage> | null = null;

  constructor(options: RedisArticleChannelOptions) {
    this.options = options;
  }

  /** Whether this instance saw the story first (and so announced it); rejects when Redis does not answer. */
  async claim(message: ArticleAddedMessage): Promise<boolean> {
    const keys = [this.options.seenKey(`id:${message.id}`), ...message.canonicalUrls.map((url) => this.options.seenKey(`url:${digest(url)}`))];
    const won = await this.options.publisher.eval(CLAIM_SCRIPT, keys.length, ...keys, this.options.seenTtlMs, this.options.channel, JSON.stringify(message));
    return won === 1;
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
      on: (event: string, listener: (...args: any[]) => void) => subscriber.on(event, listener),
      subscribe: (...channels: string[]) => subscriber.subscribe(...channels).catch(() => undefined),
      unsubscribe: (...channels: string[]) => subscriber.unsubscribe(...channels).catch(() => undefined),
    } as unknown as Redis;
    const publishClient = { publish: (channel: string, message: string) => this.options.publisher.publish(channel, message).catch(() => 0) } as unknown as Redis;
    const pubsub = createPubSub<Record<string, [ArticleAddedMessage]>>({ eventTarget: createRedisEventTarget({ publishClient, subscribeClient }) });
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

/** Canonical URLs can be long; keys hold a fixed-size digest instead. */
function digest(url: string): string {
  return createHash("sha256").update(url).digest("base64url").slice(0, 22);
}

/** The channel over a shared cache's Redis connection and key prefix (what createGateway uses with REDIS_URL). */
export function createRedisArticleChannel(shared: { redis: Redis; key: (...parts: string[]) => string }, seenTtlMs = DEFAULT_SEEN_TTL_MS): RedisArticleChannel {
  return new RedisArticleChannel({
    publisher: shared.redis,
    // Queued while Redis is down and sent when it returns (ioredis subscribes again after every reconnect).
    subscriber: () => shared.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null }),
    channel: shared.key("article-added"),
    seenKey: (part) => shared.key("article-seen", part),
    seenTtlMs,
  });
}
