import { describe, expect, it } from "vitest";
import { BackgroundSteps, runSliced, runToEnd, timedSteps, type Steps } from "../../src/store/sliced/time-slice.ts";

/** Counts to `n`, yielding after each number; `busyMs` of work per step. */
function* counting(n: number, busyMs = 0, log: number[] = []): Steps<number> {
  for (let i = 1; i <= n; i++) {
    const until = performance.now() + busyMs;
    while (performance.now() < until) {
      // Busy on purpose: a slice is measured in time.
    }
    log.push(i);
    yield;
  }
  return n;
}

function* failing(): Steps<number> {
  yield;
  throw new Error("broken step");
}

describe("time-sliced work", () => {
  it("runs to the end synchronously", () => {
    expect(runToEnd(counting(100))).toBe(100);
  });

  it("lets the event loop turn between slices", async () => {
    const log: number[] = [];
    const turns: number[] = [];
    // Each step takes 2 ms, 50 steps far more than one slice: an immediate scheduled now must run long before step 50.
    const done = runSliced(counting(50, 2, log));
    setImmediate(() => turns.push(log.length));
    expect(await done).toBe(50);
    expect(turns).toHaveLength(1);
    expect(turns[0]).toBeLessThan(50);
  });

  it("runs in the background, and result() finishes what is left at once", () => {
    const background = new BackgroundSteps(counting(1000));
    background.start();
    expect(background.done).toBe(false);
    expect(background.result()).toBe(1000);
    expect(background.done).toBe(true);
  });

  it("resolves waiters when the background work ends, also after a stop", async () => {
    const log: number[] = [];
    const background = new BackgroundSteps(counting(200, 0.05, log));
    background.start();
    background.stop();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const stoppedAt = log.length;
    expect(stoppedAt).toBeLessThan(200);
    // Someone still needs it: waiting restarts the slicing.
    expect(await background.whenDone()).toBe(200);
    expect(log).toHaveLength(200);
  });

  it("shares one slice per turn of the event loop between every computation, urgent ones first", async () => {
    const order: string[] = [];
    function* tagged(name: string, n: number): Steps<void> {
      for (let i = 0; i < n; i++) {
        const until = performance.now() + 1;
        while (performance.now() < until) {
          // 1 ms of work per step.
        }
        order.push(name);
        yield;
      }
    }
    const background = new BackgroundSteps(tagged("background", 40));
    background.start();
    const turns: number[] = [];
    const timer = setInterval(() => turns.push(order.length), 0);
    await Promise.all([runSliced(tagged("a", 40)), runSliced(tagged("b", 40))]);
    await background.whenDone();
    clearInterval(timer);
    // Urgent work went first; the background work only once it was done.
    expect(order.indexOf("background")).toBeGreaterThan(order.lastIndexOf("a"));
    expect(order.indexOf("background")).toBeGreaterThan(order.lastIndexOf("b"));
    // 120 ms of work in all: the loop turned many times, never after more than a slice and a step of it.
    const steps = turns.map((count, i) => count - (turns[i - 1] ?? 0));
    expect(steps.length).toBeGreaterThan(5);
    expect(Math.max(...steps)).toBeLessThanOrEqual(12);
  });

  it("keeps a failure for whoever asks, instead of crashing the process", async () => {
    const background = new BackgroundSteps(failing());
    background.start();
    await expect(background.whenDone()).rejects.toThrow("broken step");
    expect(() => background.result()).toThrow("broken step");
  });
});

describe("background work alone", () => {
  it("does not keep urgent work waiting for its pause: urgent work runs on the next turn", async () => {
    let backgroundSteps = 0;
    const background = new BackgroundSteps(
      (function* () {
        while (backgroundSteps < 1e9) {
          backgroundSteps++;
          yield;
        }
        return backgroundSteps;
      })(),
    );
    background.start();
    // The background waits out its pause before its first slice; urgent work does not.
    let urgentDone = false;
    const urgent = runSliced(
      (function* () {
        yield;
        return "urgent";
      })(),
    ).then((value) => {
      urgentDone = true;
      return value;
    });
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(urgentDone).toBe(true);
    expect(await urgent).toBe("urgent");
    background.stop();
    expect(backgroundSteps).toBeLessThan(1e9);
  });

  it("tells onDone its result once, however the work got done", async () => {
    const results: number[] = [];
    const work = new BackgroundSteps(
      (function* () {
        yield;
        return 42;
      })(),
      (result) => results.push(result),
    );
    expect(work.result()).toBe(42);
    expect(await work.whenDone()).toBe(42);
    expect(results).toEqual([42]);
  });
});

describe("timed steps", () => {
  it("give the same steps and result, and add up the time spent in them, not between them", async () => {
    const spent = { ms: 0 };
    const log: number[] = [];
    const started = performance.now();
    const result = await runSliced(timedSteps(counting(3, 2, log), spent));
    expect(result).toBe(3);
    expect(log).toEqual([1, 2, 3]);
    // Each step busies 2 ms; the total cannot exceed the wall time of the whole run.
    expect(spent.ms).toBeGreaterThanOrEqual(6);
    expect(spent.ms).toBeLessThanOrEqual(performance.now() - started);
  });
});
