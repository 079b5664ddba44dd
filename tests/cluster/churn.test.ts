import { spawn } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { startFixtureServer } from "../helpers/fixture-server.ts";
import { subscribeSse, type SseSubscription } from "../live/sse-client.ts";
import { dropKeys, REDIS_URL, startMember, uniquePrefix, writeSources, type Member } from "./cluster.ts";
import { readEventLoopDelay } from "./event-loop-probe.ts";

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The attack: 60 000 items (about 3.7 MB, inside the default 5 MiB), every id and link new on every read. */
const ITEMS = 60_000;
const REFRESH_SECONDS = 2;
/** How long the cluster is watched once both instances serve the source. */
const WINDOW_MS = 9_000;
const ADDED = "subscription { articleAdded { id } }";

/** A bare process measuring its own event-loop delay alongside the instances (see event-loop-control.ts). */
async function startControl(): Promise<{ probe: string; kill: () => void }> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./event-loop-control.ts", import.meta.url))], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  const probe = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (chunk) => {
      stdout += chunk;
      const match = /event-loop probe (\S+)/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    child.on("exit", (code) => reject(new Error(`control exited ${code}`)));
  });
  return { probe, kill: () => child.kill("SIGKILL") };
}

function churningFeed(read: number): string {
  const items = new Array<string>(ITEMS);
  for (let n = 0; n < ITEMS; n++) items[n] = `{"id":"r${read}-${n}","url":"https://churn.example/${read}/${n}","title":"Story ${n}"}`;
  return `{"version":"https://jsonfeed.org/version/1.1","title":"Churn","items":[${items.join(",")}]}`;
}

async function keysUnder(redis: Redis, prefix: string): Promise<number> {
  let count = 0;
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 10_000);
    cursor = next;
    count += keys.length;
  } while (cursor !== "0");
  return count;
}

describe("a churning source in a cluster sharing Redis", () => {
  it("bounds the keys, the events and the event-loop delay of every instance while a 60 000-item feed with new ids on every read refreshes", async () => {
    let reads = 0;
    const upstream = await startFixtureServer({
      "/churn.json": (_req: IncomingMessage, res: ServerResponse) => {
        reads++;
        res.writeHead(200, { "content-type": "application/feed+json" }).end(churningFeed(reads));
      },
    });
    cleanups.push(upstream.close);
    const prefix = uniquePrefix("churn");
    cleanups.push(() => dropKeys(prefix));
    const file = await writeSources([
      {
        id: "churn",
        name: "Churn",
        url: upstream.url("/churn.json"),
        section: "technology",
        refreshSeconds: REFRESH_SECONDS,
        timeoutMs: 10_000,
      },
    ]);
    const members: Member[] = await Promise.all([0, 1].map(() => startMember(file, prefix, REDIS_URL, { NEWSGATE_EVENT_LOOP_PROBE: "1" })));
    cleanups.push(() =>
      members.forEach((member) => {
        member.child.kill("SIGKILL");
      }),
    );
    const probes = members.map((member) => /event-loop probe (\S+)/.exec(member.stdout())![1]!);
    const redis = new Redis(REDIS_URL);
    cleanups.push(() => redis.disconnect());

    const STATUS = `{ sources { sourceId status { ok itemCount warning } } }`;
    const status = async (member: Member) => (await member.query<any>(STATUS)).data?.sources[0]?.status;
    for (const member of members) {
      const deadline = Date.now() + 20_000;
      while (!((await status(member))?.itemCount > 0)) {
        if (Date.now() > deadline) throw new Error(`the churning source never served on ${member.url}: ${member.stderr()}`);
        await sleep(100);
      }
    }
    const subscribers: SseSubscription[] = await Promise.all(members.map((member) => subscribeSse(member.url, ADDED)));
    cleanups.unshift(() =>
      subscribers.forEach((subscriber) => {
        subscriber.close();
      }),
    );

    const control = await startControl();
    cleanups.push(control.kill);
    await Promise.all([...probes, control.probe].map((probe) => readEventLoopDelay(probe, true)));
    const keysBefore = await keysUnder(redis, prefix);
    const readsBefore = reads;
    // The window lasts WINDOW_MS and at least two refreshes: on a loaded machine a refresh can come late.
    const started = Date.now();
    while (Date.now() - started < WINDOW_MS || reads - readsBefore < 2) {
      if (Date.now() - started > 45_000) break;
      await sleep(100);
    }
    const [noise, ...delays] = await Promise.all([control.probe, ...probes].map((probe) => readEventLoopDelay(probe)));
    const keysAfter = await keysUnder(redis, prefix);
    const refreshes = reads - readsBefore;
    const events = subscribers.map((subscriber) => subscriber.payloads.length);
    const seenMembers = await redis.zcard(`${prefix}article-seen-v2`).catch(() => 0);
    const statuses = await Promise.all(members.map(status));
    console.log(
      `churn: ${refreshes} upstream reads of ${ITEMS} items in ${WINDOW_MS} ms; Redis keys under the prefix ${keysBefore} -> ${keysAfter} ` +
        `(${((keysAfter - keysBefore) / Math.max(1, refreshes)).toFixed(0)} a refresh), seen-set members ${seenMembers}; ` +
        `events per subscriber ${events.join(", ")} (${(events[0]! / Math.max(1, refreshes)).toFixed(0)} a refresh); ` +
        `event-loop delay of a bare process (the machine's noise) p99 ${noise!.p99.toFixed(1)} ms max ${noise!.max.toFixed(1)} ms; of the instances ${delays.map((d) => `p99 ${d.p99.toFixed(1)} ms max ${d.max.toFixed(1)} ms (${d.samples} samples)`).join("; ")}; ` +
        `status ${JSON.stringify(statuses[0])}`,
    );

    expect(refreshes).toBeGreaterThanOrEqual(2);
    // Nothing accumulates: the seen-stories set and the source's copy, whatever the churn.
    expect(keysAfter - keysBefore).toBeLessThanOrEqual(2);
    expect(keysAfter).toBeLessThanOrEqual(10);
    // The 99th percentile within 50 ms of what the machine imposes on a process doing nothing: on a shared machine
    // (other suites' gateways running) a process waiting for a CPU shows that wait as delay too, no instance's doing.
    // And no stall: the item cap and the batched claim keep every refresh's work bounded, whatever the feed's size.
    for (const delay of delays) {
      expect(delay.p99).toBeLessThan(50 + noise!.p99);
      expect(delay.max).toBeLessThan(500 + noise!.max);
    }
    // At most the capped items a refresh, to each subscriber.
    for (const count of events) expect(count).toBeLessThanOrEqual(1_000 * (refreshes + 1));
    for (const s of statuses) {
      expect(s.itemCount).toBe(1_000);
      expect(s.warning).toMatch(/60000 items; kept the first 1000 in feed order \(maxItems\), left out 59000/);
    }
  }, 120_000);
});
