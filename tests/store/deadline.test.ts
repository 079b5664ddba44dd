import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { withDeadline } from "../../src/store/source-cache/deadline.ts";

const REDIS_URL = "redis://127.0.0.1:6379";

/** Keeps this process busy, as a long catalog build or a starved CPU would. */
function stall(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe("withDeadline", () => {
  it("rejects a call that never answers once its time is up", async () => {
    const started = performance.now();
    await expect(withDeadline(new Promise(() => undefined), 50)).rejects.toThrow("no answer within 50 ms");
    expect(performance.now() - started).toBeGreaterThanOrEqual(49);
  });

  it("passes on the call's own rejection", async () => {
    await expect(withDeadline(Promise.reject(new Error("refused")), 50)).rejects.toThrow("refused");
  });

  it("takes an answer that arrived while this process was stalled past the deadline, where a plain race calls it late", async () => {
    const redis = new Redis(REDIS_URL);
    await redis.ping();
    const race = (promise: Promise<string>) =>
      Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("late")), 50))]);
    // Redis answers within microseconds; this process only reads the answer after its 200 ms stall.
    const raced = race(redis.ping()).then(String, (error: Error) => error.message);
    stall(200);
    const bounded = withDeadline(redis.ping(), 50).then(String, (error: Error) => error.message);
    stall(200);
    const [racedResult, boundedResult] = await Promise.all([raced, bounded]);
    redis.disconnect();

    expect(racedResult).toBe("late");
    expect(boundedResult).toBe("PONG");
  });
});
