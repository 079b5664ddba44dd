import { randomUUID } from "node:crypto";
import type { SharedCache } from "../store/source-cache/shared-cache.ts";
import { parseRecord, type SubscriptionRecord } from "./subscription.ts";

/**
 * How long an instance holds a source's subscription without renewing its
 * claim: the holder renews it on every tick (PUSH_TICK_MS), so another
 * instance takes over within this long of the holder's death.
 */
export const HOLD_MS = 30_000;
/** A record outlives any lease by this much, then Redis drops it (a removed source's leftover). */
export const RECORD_KEPT_MS = 400 * 86_400_000;

/** Where subscription records live: in memory for one instance, in Redis for a cluster. */
export interface SubscriptionStore {
  get(sourceId: string): Promise<SubscriptionRecord | null>;
  put(record: SubscriptionRecord): Promise<void>;
  delete(sourceId: string): Promise<void>;
  /** Whether this instance holds the source's subscription (taking it when nobody does); the holder alone talks to the hub. */
  hold(sourceId: string): Promise<boolean>;
  /** Notes content pushed for a source and taken in at `at` (wall clock, epoch ms), for every instance to show. */
  notePush(sourceId: string, at: number): Promise<void>;
  /** The latest push any instance noted for a source, or null (none, or none shared). */
  lastPush(sourceId: string): Promise<number | null>;
}

export class MemorySubscriptionStore implements SubscriptionStore {
  private readonly records = new Map<string, SubscriptionRecord>();

  async get(sourceId: string): Promise<SubscriptionRecord | null> {
    return this.records.get(sourceId) ?? null;
  }
  async put(record: SubscriptionRecord): Promise<void> {
    this.records.set(record.sourceId, record);
  }
  async delete(sourceId: string): Promise<void> {
    this.records.delete(sourceId);
  }
  async hold(): Promise<boolean> {
    return true;
  }
  // One instance: the subscriber's own note of its pushes is the whole story.
  async notePush(): Promise<void> {}
  async lastPush(): Promise<number | null> {
    return null;
  }
}

/** Extends the caller's hold, or takes a free one; 1 when the caller holds it afterwards. */
const HOLD_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0`;

/** Keeps the later of the stored time and the one given: two instances taking pushes at once never move it back. */
const LATEST_SCRIPT = `
local current = tonumber(redis.call('GET', KEYS[1]))
if current == nil or current < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 1`;

/**
 * Records in the cluster's Redis, so whichever instance the hub reaches
 * (verification, pushes) answers for the subscription; the hold is a key with
 * an expiry, renewed by its holder. When Redis does not answer, reads find no
 * record (the callback answers 404, the hub retries) and nobody holds.
 */
export class RedisSubscriptionStore implements SubscriptionStore {
  /** Names this instance's holds. */
  private readonly holder = `${process.pid}:${randomUUID()}`;

  private readonly holdMs: number;

  /** `holdMs`: how long a hold lasts unrenewed (see HOLD_MS). */
  constructor(
    private readonly shared: SharedCache,
    { holdMs = HOLD_MS }: { holdMs?: number } = {},
  ) {
    this.holdMs = holdMs;
  }

  async get(sourceId: string): Promise<SubscriptionRecord | null> {
    return parseRecord((await this.shared.call(this.shared.redis.get(this.recordKey(sourceId)), "websub")) ?? null, sourceId);
  }
  async put(record: SubscriptionRecord): Promise<void> {
    await this.shared.call(this.shared.redis.set(this.recordKey(record.sourceId), JSON.stringify(record), "PX", RECORD_KEPT_MS), "websub");
  }
  async delete(sourceId: string): Promise<void> {
    await this.shared.call(this.shared.redis.del(this.recordKey(sourceId)), "websub");
  }
  async hold(sourceId: string): Promise<boolean> {
    const key = this.shared.key("websub-holder", sourceId);
    return (await this.shared.call(this.shared.redis.eval(HOLD_SCRIPT, 1, key, this.holder, this.holdMs), "websub")) === 1;
  }

  async notePush(sourceId: string, at: number): Promise<void> {
    await this.shared.call(this.shared.redis.eval(LATEST_SCRIPT, 1, this.lastPushKey(sourceId), at, RECORD_KEPT_MS), "websub");
  }
  async lastPush(sourceId: string): Promise<number | null> {
    const text = await this.shared.call(this.shared.redis.get(this.lastPushKey(sourceId)), "websub");
    const at = text === null || text === undefined ? Number.NaN : Number(text);
    return Number.isFinite(at) ? at : null;
  }

  private lastPushKey(sourceId: string): string {
    return this.shared.key("websub-last-push", sourceId);
  }

  private recordKey(sourceId: string): string {
    return this.shared.key("websub", sourceId);
  }
}
