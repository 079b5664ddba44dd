import { afterEach, describe, expect, it } from "vitest";
import { createFetchLimits } from "../../src/ingest/fetch-limits.ts";
import { rssFeed } from "../helpers/fault-server.ts";
import { startFixtureServer } from "../helpers/fixture-server.ts";
import { openGateway } from "../helpers/app-fetch.ts";

/** Tasks that stay running until released, counting how many run at once. */
function heldTasks() {
  const held: (() => void)[] = [];
  let running = 0;
  let most = 0;
  return {
    task: () =>
      new Promise<void>((resolve) => {
        running++;
        most = Math.max(most, running);
        held.push(() => {
          running--;
          resolve();
        });
      }),
    get held() {
      return held.length;
    },
    get most() {
      return most;
    },
    releaseOne: () => held.shift()?.(),
  };
}

/** Lets queued starts run: the pacer starts tasks in microtasks and in the next turns. */
async function turns(count = 20): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Releases held tasks one at a time until every one of `count` has run. */
async function releaseAll(tasks: ReturnType<typeof heldTasks>, done: Promise<unknown>): Promise<void> {
  let finished = false;
  void done.then(() => (finished = true));
  while (!finished) {
    await turns();
    tasks.releaseOne();
  }
}

describe("createFetchLimits", () => {
  it("runs at most `global` tasks at once over every host, and at most `perHost` to one host", async () => {
    const limit = createFetchLimits({ global: 3, perHost: 2, background: 10 });
    const tasks = heldTasks();
    const urls = ["http://a.test/1", "http://a.test/2", "http://a.test/3", "http://b.test/1", "http://c.test/1", "http://d.test/1"];
    const done = Promise.all(urls.map((url) => limit(new URL(url), tasks.task)));
    await turns();
    // a.test/3 waits for its host; of the others, three run.
    expect(tasks.held).toBe(3);
    await releaseAll(tasks, done);
    expect(tasks.most).toBe(3);
  });

  it("holds background reads to `background` at once, while a first read starts at once", async () => {
    const limit = createFetchLimits({ global: 10, perHost: 10, background: 2, backgroundHoldMs: 60_000 });
    const tasks = heldTasks();
    const background = Promise.all(
      Array.from({ length: 6 }, (_, n) => limit(new URL(`http://bg.test/${n}`), tasks.task, { background: true })),
    );
    await turns();
    expect(tasks.held).toBe(2);
    // The background slots are full; a first read, which a request may wait on, is not behind them.
    const first = limit(new URL("http://bg.test/first"), tasks.task);
    await turns();
    expect(tasks.held).toBe(3);
    await releaseAll(tasks, Promise.all([background, first]));
    expect(tasks.most).toBe(3);
  });

  it("ends a background read's turn after `backgroundHoldMs` while it runs on, so reads that hang hold no one back", async () => {
    const limit = createFetchLimits({ global: 10, perHost: 10, background: 1, backgroundHoldMs: 20 });
    const tasks = heldTasks();
    const hanging = limit(new URL("http://slow.test/feed"), () => tasks.task().then(() => "slow answer"), { background: true });
    const next = limit(new URL("http://fast.test/feed"), async () => "fast answer", { background: true });
    // The one turn is the hanging read's until its hold time passes; then the next read runs.
    await expect(next).resolves.toBe("fast answer");
    expect(tasks.held).toBe(1);
    tasks.releaseOne();
    await expect(hanging).resolves.toBe("slow answer");
  });

  it("lets a failed task free its slot, and leaves local files unlimited", async () => {
    const limit = createFetchLimits({ global: 1, perHost: 1, background: 1 });
    await expect(limit(new URL("http://x.test/"), () => Promise.reject(new Error("reset")), { background: true })).rejects.toThrow("reset");
    await expect(limit(new URL("http://x.test/"), async () => "after", { background: true })).resolves.toBe("after");
    const tasks = heldTasks();
    const files = Promise.all([1, 2, 3].map((n) => limit(new URL(`file:///tmp/${n}.xml`), tasks.task, { background: true })));
    await turns();
    expect(tasks.held).toBe(3);
    await releaseAll(tasks, files);
  });
});

describe("background refreshes through the gateway", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it("are held to the background limit, while first reads of sources that hold nothing are not", async () => {
    const held: (() => void)[] = [];
    let inFlight = 0;
    let most = 0;
    const ids = ["s0", "s1", "s2", "s3", "s4", "s5", "late"];
    const routes = Object.fromEntries(
      ids.map((id) => [
        `/${id}.rss`,
        (_req: unknown, res: import("node:http").ServerResponse) =>
          new Promise<void>((resolve) => {
            inFlight++;
            most = Math.max(most, inFlight);
            held.push(() => {
              inFlight--;
              res.writeHead(200, { "content-type": "application/rss+xml" }).end(rssFeed(id, 2));
              resolve();
            });
          }),
      ]),
    );
    const upstream = await startFixtureServer(routes);
    cleanups.push(upstream.close);
    const gateway = await openGateway(
      { sources: ids.map((id) => ({ id, name: id, url: upstream.url(`/${id}.rss`), section: "technology" })) },
      { fetchConcurrency: { global: 20, perHost: 20, background: 2, backgroundHoldMs: 60_000 } },
    );
    cleanups.push(gateway.close);
    const waitFor = async (condition: () => boolean) => {
      for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(condition()).toBe(true);
    };
    const release = async (reads: Promise<unknown>) => {
      let finished = false;
      void reads.then(() => (finished = true));
      while (!finished) {
        await waitFor(() => finished || held.length > 0);
        held.shift()?.();
      }
    };

    // First reads: all six in flight together.
    const first = Promise.all(ids.slice(0, 6).map((id) => gateway.refreshSource(id)));
    await waitFor(() => held.length === 6);
    for (const send of held.splice(0)) send();
    expect((await first).every((snapshot) => snapshot.ok)).toBe(true);

    // Refreshes of sources that hold a copy: two at a time.
    most = 0;
    const refreshes = Promise.all(ids.slice(0, 6).map((id) => gateway.refreshSource(id)));
    await waitFor(() => held.length === 2);
    // A source never read is not held back by them.
    const late = gateway.refreshSource("late");
    await waitFor(() => held.length === 3);
    await release(Promise.all([refreshes, late]));
    expect((await refreshes).every((snapshot) => snapshot.ok)).toBe(true);
    expect((await late).ok).toBe(true);
    expect(most).toBe(3);
    expect(upstream.totalHits()).toBe(13);
  });
});
