import type { Redis } from "ioredis";

/**
 * Takes a source's lock, or takes it over when it is stale, in one atomic
 * step. The value is the caller's token and, after `@`, when Redis granted
 * it (Redis's clock: the same for every instance). A lock is stale when it has
 * no expiry (a holder of this code always sets one: this is a crashed
 * writer's or an operator's key), expires later than any hold may last, or
 * was granted longer ago than that: its holder is gone, and waiting for it
 * would leave every instance serving its old copy without reading again.
 *
 * KEYS[1] the lock. ARGV: token, TTL ms, longest hold ms. Returns
 * {1, value} when taken, {2, value, stale value} when taken over, {0} when held.
 */
const ACQUIRE_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local value = ARGV[1] .. '@' .. now
if redis.call('SET', KEYS[1], value, 'NX', 'PX', ARGV[2]) then return {1, value} end
local ttl = redis.call('PTTL', KEYS[1])
local current = redis.call('GET', KEYS[1]) or ''
local longest = tonumber(ARGV[3])
local granted = tonumber(string.match(current, '@(%d+)$') or '')
if ttl == -1 or ttl > longest or (granted and now - granted > longest) then
  redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
  return {2, value, current}
end
return {0}`;

export type LockResult =
  /** Someone else holds it, legitimately. */
  | { held: false }
  /** This caller holds it now; `value` releases it (compare-and-delete). `stale` is the value taken over, if any. */
  | { held: true; value: string; stale: string | null };

/** Takes the lock (SET NX PX), or takes over a stale one (see ACQUIRE_SCRIPT); it expires after `ttlMs` if the holder dies. */
export async function acquireOrTakeOver(
  redis: Redis,
  key: string,
  token: string,
  ttlMs: number,
  longestHoldMs: number,
): Promise<LockResult> {
  const [code, value, stale] = (await redis.eval(ACQUIRE_SCRIPT, 1, key, token, ttlMs, longestHoldMs)) as [number, string?, string?];
  if (code === 0) return { held: false };
  return { held: true, value: value!, stale: code === 2 ? stale! : null };
}
