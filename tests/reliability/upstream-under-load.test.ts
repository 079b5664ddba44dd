import { afterEach, expect, it } from "vitest";
import { startFixtureServer } from "../helpers/fixture-server.ts";
import { openGateway } from "../helpers/app-fetch.ts";
import { scrape } from "../helpers/ops.ts";

const SOURCES = ["wire", "desk", "world", "tech", "science"];
const CLIENTS = 200;
const TTLS = 3;

const feed = (id: string) =>
  `<?xml version="1.0"?><rss version="2.0"><channel><title>${id}</title>${Array.from(
    { length: 8 },
    (_, i) =>
      `<item><title>${id} story ${i} about harbours</title><link>https://${id}.example/${i}</link><pubDate>${new Date(Date.UTC(2026, 9, 1, i)).toUTCString()}</pubDate></item>`,
  ).join("")}</channel></rss>`;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

it("reads each source once per TTL under 200 concurrent clients, and an unchanged source answers 304 and is neither parsed nor merged again", async () => {
  const notModified = new Map<string, number>();
  const upstream = await startFixtureServer(
    Object.fromEntries(
      SOURCES.map((id) => [
        `/${id}.rss`,
        (req, res) => {
          // Unchanged, like most publishers between two reads: the ETag it holds gets 304.
          if (req.headers["if-none-match"] === `"${id}-v1"`) {
            notModified.set(id, (notModified.get(id) ?? 0) + 1);
            return void res.writeHead(304, { etag: `"${id}-v1"` }).end();
          }
          res.writeHead(200, { "content-type": "application/rss+xml", etag: `"${id}-v1"` }).end(feed(id));
        },
      ]),
    ),
  );
  let clock = 1_000_000;
  const gateway = await openGateway(
    { sources: SOURCES.map((id) => ({ id, name: id, url: upstream.url(`/${id}.rss`), section: "technology", refreshSeconds: 60 })) },
    { monotonicNow: () => clock },
  );
  closers.push(gateway.close, upstream.close);
  await gateway.warmUp();
  const version = gateway.store.currentCatalog()!.version;
  const reads = () => SOURCES.map((id) => upstream.hits(`/${id}.rss`));

  // Clients ask without pause: a front page most of the time, otherwise a page of their own (an edge-cache miss).
  let running = true;
  let answered = 0;
  const failures: string[] = [];
  const client = async (c: number) => {
    for (let n = 0; running; n++) {
      const query =
        n % 3 === 0
          ? { query: "query Page($n: Int!) { articles(first: $n) { totalCount } }", variables: { n: 1 + ((c + n) % 20) } }
          : { query: "{ articles(first: 5) { edges { node { title } } } }" };
      const response = await gateway.fetch(`${gateway.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(query),
      });
      const body = (await response.json()) as { data?: { articles: unknown }; errors?: unknown };
      if (response.status !== 200 || body.errors || !body.data?.articles)
        failures.push(`${response.status} ${JSON.stringify(body).slice(0, 200)}`);
      answered++;
    }
  };
  const until = async (count: number) => {
    await expect.poll(() => answered, { timeout: 15_000, interval: 5 }).toBeGreaterThanOrEqual(count);
  };
  const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));
  try {
    await until(answered + 2 * CLIENTS);
    expect(reads()).toEqual(SOURCES.map(() => 1));
    for (let ttl = 1; ttl <= TTLS; ttl++) {
      clock += 61_000; // past every source's TTL
      // The requests themselves find the sources stale: each is read again, once.
      await expect.poll(reads, { timeout: 10_000, interval: 5 }).toEqual(SOURCES.map(() => 1 + ttl));
      // Hundreds more answers within this TTL read nothing more.
      await until(answered + 2 * CLIENTS);
      expect(reads()).toEqual(SOURCES.map(() => 1 + ttl));
    }
  } finally {
    running = false;
    await Promise.all(clients);
  }
  expect(failures.slice(0, 3)).toEqual([]);
  expect(answered).toBeGreaterThan((2 * TTLS + 1) * CLIENTS);
  expect(SOURCES.map((id) => notModified.get(id) ?? 0)).toEqual(SOURCES.map(() => TTLS));
  // Not parsed (each read after the first was a 304) and not merged again (the catalog is the first one).
  const metrics = await scrape(gateway.url, gateway.fetch);
  for (const id of SOURCES) {
    expect(metrics.value("newsgate_upstream_fetches_total", { source: id, outcome: "not_modified" }), id).toBe(TTLS);
    expect(metrics.value("newsgate_upstream_fetches_total", { source: id, outcome: "ok" }), id).toBe(1);
  }
  expect(gateway.store.currentCatalog()!.version).toBe(version);
}, 60_000);
