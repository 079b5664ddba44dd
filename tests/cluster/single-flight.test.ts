import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { SNAPSHOT_FORMAT } from "../../src/store/source-cache/shared-cache.ts";
import { serveBody, startFixtureServer } from "../helpers/fixture-server.ts";
import { dropKeys, launchMember, REDIS_URL, rss, startMember, uniquePrefix, writeSources, type Member } from "./cluster.ts";

const members: Member[] = [];
const prefixes: string[] = [];
afterAll(async () => {
  for (const member of members.splice(0)) member.child.kill("SIGKILL");
  for (const prefix of prefixes) await dropKeys(prefix);
});

const IDS = "{ articles(first: 50) { totalCount edges { node { id } } } }";

describe("a cluster sharing one Redis", () => {
  it("fetches each source once per TTL across three instances, and all answer the same catalog", async () => {
    const upstream = await startFixtureServer({
      "/a.xml": serveBody(rss("alpha"), "application/rss+xml"),
      "/b.xml": serveBody(rss("beta", 4), "application/rss+xml"),
    });
    const prefix = uniquePrefix("single-flight");
    prefixes.push(prefix);
    const file = await writeSources([
      { id: "a", name: "A", url: upstream.url("/a.xml"), section: "technology", refreshSeconds: 1, timeoutMs: 2000 },
      { id: "b", name: "B", url: upstream.url("/b.xml"), section: "science", refreshSeconds: 1, timeoutMs: 2000 },
    ]);
    members.push(...(await Promise.all([0, 1, 2].map(() => startMember(file, prefix)))));
    const started = Date.now();
    // Reads during the instances' start-up (their first round) are not counted: only reads during the run are.
    const before = { a: upstream.hits("/a.xml"), b: upstream.hits("/b.xml") };
    let queries = 0;
    let failed = 0;
    // Three clients per instance, querying without pause for 2.5 s (two and a half TTLs).
    await Promise.all(
      members.flatMap((member) =>
        [0, 1, 2].map(async () => {
          while (Date.now() - started < 2500) {
            const answer = await member.query(IDS).catch(() => ({ errors: ["network"] }));
            queries++;
            if (answer.errors) failed++;
          }
        }),
      ),
    );
    const elapsedTtls = (Date.now() - started) / 1000;
    const answers = await Promise.all(members.map((member) => member.query<any>(IDS)));
    const ids = answers.map((a) => a.data.articles.edges.map((e: any) => e.node.id).sort());
    const hits = { a: upstream.hits("/a.xml") - before.a, b: upstream.hits("/b.xml") - before.b };
    console.log(
      `single-flight: ${queries} queries (${failed} failed) over ${elapsedTtls.toFixed(2)} TTLs; upstream reads during the run a=${hits.a} b=${hits.b} (before it ${before.a}, ${before.b})`,
    );
    await upstream.close();

    expect(failed).toBe(0);
    expect(answers[0]!.data.articles.totalCount).toBe(7);
    expect(ids[1]).toEqual(ids[0]);
    expect(ids[2]).toEqual(ids[0]);
    // One read per TTL that began during the run (the start counts as one), plus one for a
    // read whose TTL ended while the last clients were still asking. Three instances
    // reading alone would make about three times as many.
    const bound = Math.ceil(elapsedTtls) + 1;
    expect(hits.a).toBeLessThanOrEqual(bound);
    expect(hits.b).toBeLessThanOrEqual(bound);
    expect(hits.a).toBeGreaterThanOrEqual(2);
  });

  it("lets another instance take over a source whose lock holder died", async () => {
    let first = true;
    let firstHitAt = 0;
    let takeoverAt = 0;
    const upstream = await startFixtureServer({
      // The first read never answers: its instance dies holding the lock.
      "/slow.xml": (_req, res) => {
        if (first) {
          first = false;
          firstHitAt = Date.now();
          return;
        }
        takeoverAt ||= Date.now();
        serveBody(rss("slow"), "application/rss+xml")(_req, res);
      },
    });
    const prefix = uniquePrefix("takeover");
    prefixes.push(prefix);
    // Lock lifetime: timeoutMs + LOCK_MARGIN_MS = 3500 ms; the holder dies long before its read would time out.
    const file = await writeSources([
      { id: "slow", name: "Slow", url: upstream.url("/slow.xml"), section: "technology", refreshSeconds: 60, timeoutMs: 3000 },
    ]);
    // Both instances start together: one takes the lock and hangs on the read, the other waits for it.
    const pair = [launchMember(file, prefix), launchMember(file, prefix)];
    while (!firstHitAt) await sleep(10);
    const redis = new Redis(REDIS_URL);
    const lock = `${prefix}lock-v${SNAPSHOT_FORMAT}:slow`;
    const holderPid = Number((await redis.get(lock))!.split(":")[0]);
    const lockTtl = await redis.pttl(lock);
    const holder = pair.find((m) => m.child.pid === holderPid)!;
    holder.child.kill("SIGKILL");
    const successor = await pair.find((m) => m !== holder)!.ready;
    members.push(successor);
    while (!takeoverAt) await sleep(10);
    const answer = await successor.query<any>(IDS);
    const takeoverMs = takeoverAt - firstHitAt;
    console.log(
      `takeover: lock had ${lockTtl} ms left when its holder was killed; successor read the source ${takeoverMs} ms after the holder began`,
    );
    redis.disconnect();
    await upstream.close();

    expect(lockTtl).toBeGreaterThan(0);
    expect(answer.errors).toBeUndefined();
    expect(answer.data.articles.totalCount).toBe(3);
    expect(upstream.hits("/slow.xml")).toBe(2);
    // Not before the lock expired, and soon after.
    expect(takeoverMs).toBeGreaterThanOrEqual(3400);
    expect(takeoverMs).toBeLessThan(4500);
  });
});
