import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { SNAPSHOT_FORMAT } from "../../src/store/source-cache/shared-cache.ts";
import { serveBody, startFixtureServer } from "../helpers/fixture-server.ts";
import { dropKeys, REDIS_URL, rss, startMember, uniquePrefix, writeSources, type Member } from "./cluster.ts";

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const WATCH_MS = 6_000;

describe("a stale lock in Redis", () => {
  it("is taken over: the source is read on time, the takeover is logged with the source and counted", async () => {
    const reads: number[] = [];
    const upstream = await startFixtureServer({
      "/s.xml": (req, res) => {
        reads.push(Date.now());
        serveBody(rss("stale"), "application/rss+xml")(req, res);
      },
    });
    cleanups.push(upstream.close);
    const prefix = uniquePrefix("stale-lock");
    cleanups.push(() => dropKeys(prefix));
    const redis = new Redis(REDIS_URL);
    cleanups.push(() => redis.disconnect());
    // A crashed holder's (or an operator's) lock: no expiry, and no copy of the source in Redis.
    const lock = `${prefix}lock-v${SNAPSHOT_FORMAT}:s`;
    await redis.set(lock, "4242:crashed-holder");
    const file = await writeSources([
      { id: "s", name: "S", url: upstream.url("/s.xml"), section: "technology", refreshSeconds: 1, timeoutMs: 2000 },
    ]);
    const members: Member[] = await Promise.all([0, 1].map(() => startMember(file, prefix)));
    // Start-up (compiling, first reads) takes from one to twenty seconds on a busy machine: reads are counted once both answer.
    const readsAtStart = reads.length;
    cleanups.push(() =>
      members.forEach((member) => {
        member.child.kill("SIGKILL");
      }),
    );
    await sleep(WATCH_MS);
    // One per refresh time for the cluster, as without the stale lock: a dead lock must not stop reads and leave the old copy served forever.
    const during = reads.length - readsAtStart;
    const metrics = await Promise.all(
      members.map(
        async (member) => (await (await fetch(`${member.url}/metrics`)).text()).match(/^newsgate_stale_locks_taken_over_total (\d+)/m)?.[1],
      ),
    );
    const takeovers = metrics.reduce((sum, value) => sum + Number(value ?? 0), 0);
    const warnings = members.flatMap((member) => member.stderr().split("\n")).filter((line) => line.includes("stale lock"));
    const status = (await members[0]!.query<any>("{ sources { status { ok itemCount } } }")).data?.sources[0]?.status;
    console.log(
      `stale lock: ${readsAtStart} upstream reads during start-up, ${during} in the ${WATCH_MS} ms after it; counters ${metrics.join(", ")}; ${warnings.length} warnings: ${warnings[0]}`,
    );

    // Waiting on the lock instead, each instance read once, after the wait for a holder (timeoutMs + 0.5 s), then never again.
    expect(during).toBeGreaterThanOrEqual(4);
    expect(takeovers).toBe(1);
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ level: expect.anything(), sourceId: "s", staleValue: "4242:crashed-holder" });
    expect(status).toEqual({ ok: true, itemCount: 3 });
    // The key left is a lock that expires, or none.
    expect(await redis.pttl(lock)).not.toBe(-1);
  }, 30_000);
});
