import { describe, expect, it } from "vitest";
import { createStartPacer } from "../../src/ingest/start-pacer.ts";

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("the start pacer", () => {
  it("starts tasks in order, only as many per turn of the event loop as the budget allows", async () => {
    let now = 1_000_000;
    const pace = createStartPacer({ budgetMs: 4, clock: () => now });
    const started: number[] = [];
    // Each start costs a millisecond of the (fake) clock.
    const results = Array.from({ length: 10 }, (_, n) =>
      pace(async () => {
        started.push(n);
        now += 1;
        return n * 10;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2, 3]);
    await nextTurn();
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(await Promise.all(results)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("starts everything at once when starting is cheap", async () => {
    const pace = createStartPacer({ budgetMs: 4, clock: () => 1_000_000 });
    const started: number[] = [];
    const all = Array.from({ length: 50 }, (_, n) => pace(async () => void started.push(n)));
    await Promise.resolve();
    expect(started).toHaveLength(50);
    await Promise.all(all);
  });

  it("fails only the task that threw or rejected, and goes on with the others", async () => {
    const pace = createStartPacer();
    const outcomes = await Promise.allSettled([
      pace(async () => "a"),
      pace(() => {
        throw new Error("thrown while starting");
      }),
      pace(() => Promise.reject(new Error("rejected"))),
      pace(async () => "d"),
    ]);
    expect(outcomes.map((o) => (o.status === "fulfilled" ? o.value : (o.reason as Error).message))).toEqual([
      "a",
      "thrown while starting",
      "rejected",
      "d",
    ]);
  });
});

describe("the start pacer's budget", () => {
  it("is per turn, however many separate microtasks ask for starts within it", async () => {
    let now = 1_000_000;
    const pace = createStartPacer({ budgetMs: 4, clock: () => now });
    const started: number[] = [];
    const task = (n: number) => async () => {
      started.push(n);
      now += 1;
    };
    // Asked one microtask after another, as p-limit hands its queue over.
    const all: Promise<void>[] = [];
    for (let n = 0; n < 12; n++) {
      all.push(pace(task(n)));
      await Promise.resolve();
    }
    expect(started).toEqual([0, 1, 2, 3]);
    await nextTurn();
    expect(started).toHaveLength(8);
    await Promise.all(all);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });
});
