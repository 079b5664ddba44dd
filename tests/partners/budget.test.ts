import { RateLimiterRes } from "rate-limiter-flexible";
import { afterAll, describe, expect, it } from "vitest";
import { createBudget, type SharedBudgetStore } from "../../src/partners/budget.ts";
import { createRedis } from "../../src/store/source-cache/shared-cache.ts";
import { dropKeys, REDIS_URL, uniquePrefix } from "../cluster/cluster.ts";

/** A per-minute budget alone, counted in Redis, and counted locally when Redis fails. */
const prefix = uniquePrefix("budget");
const opened: SharedBudgetStore[] = [];
afterAll(async () => {
  for (const store of opened) store.redis.disconnect();
  await dropKeys(prefix);
});

function store(url: string) {
  const troubles: string[] = [];
  const shared: SharedBudgetStore = {
    redis: createRedis(url),
    key: (...parts) => prefix + parts.join(":"),
    reportTrouble: (operation) => void troubles.push(operation),
  };
  opened.push(shared);
  return { shared, troubles };
}

/** Consumes `n` times in turn from `budgets`; true for each request let through. */
async function spend(budgets: { consume(key: string): Promise<RateLimiterRes> }[], n: number): Promise<boolean[]> {
  const results: boolean[] = [];
  for (let i = 0; i < n; i++) {
    results.push(
      await budgets[i % budgets.length]!.consume("client").then(
        () => true,
        (rejection) => {
          if (!(rejection instanceof RateLimiterRes)) throw rejection;
          return false;
        },
      ),
    );
  }
  return results;
}

describe("a shared budget", () => {
  it("is one budget for every instance that counts in the same Redis", async () => {
    const [one, two] = [store(REDIS_URL), store(REDIS_URL)];
    await Promise.all([one.shared.redis.connect(), two.shared.redis.connect()]);
    const budgets = [one, two].map(({ shared }) => createBudget({ name: "partner:Alpha", points: 5, durationSeconds: 60, shared }));
    expect(await spend(budgets, 8)).toEqual([true, true, true, true, true, false, false, false]);
    expect(Number(await one.shared.redis.get(`${prefix}rate:partner:Alpha:client`))).toBe(8);
    expect(one.troubles).toEqual([]);
  });

  it("counts on this instance when Redis cannot be reached, reporting each request so counted", async () => {
    // Nothing listens on port 1.
    const { shared, troubles } = store("redis://127.0.0.1:1");
    const budget = createBudget({ name: "partner:Alpha", points: 3, durationSeconds: 60, shared });
    expect(await spend([budget], 5)).toEqual([true, true, true, false, false]);
    expect(troubles).toEqual(["rate-limit", "rate-limit", "rate-limit", "rate-limit", "rate-limit"]);
  });

  it("counts in memory without Redis, as a lone gateway always did", async () => {
    const budget = createBudget({ name: "anonymous", points: 2, durationSeconds: 60 });
    expect(await spend([budget], 3)).toEqual([true, true, false]);
  });
});
