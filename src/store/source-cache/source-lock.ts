import type { Redis } from "ioredis";

/** Deletes the lock only if it still holds the caller's token: a holder never frees a lock it lost on expiry. */
const RELEASE_SCRIPT = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

/** Releases the lock if this token still holds it (compare-and-delete in one Lua call). */
export async function releaseLock(redis: Redis, key: string, token: string): Promise<boolean> {
  return (await redis.eval(RELEASE_SCRIPT, 1, key, token)) === 1;
}
