/**
 * Fixture upstreams for cold start and stalls: `--count` node:http servers on
 * 127.0.0.1, each on its own port, each serving an RSS feed of `--items`
 * items at /feed.xml after `--delay` milliseconds (a remote publisher's
 * latency). Run as a child so serving them takes no CPU from the gateway.
 * Replies `ready` with the feeds' URLs, and `reads` with how often each was
 * read and when, and how many of the reads it answered got 304.
 *
 * By default each read moves a feed on (see RssFixture). With `--unchanged`,
 * each feed stays as first served, with an ETag, and a read that names that
 * ETag in If-None-Match is answered 304 Not Modified, as most publishers
 * answer between two stories.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { failStart, listenToBench, tell } from "./processes.ts";
import { RssFixture } from "./rss-fixture.ts";
import { TextGenerator } from "./synthetic-text.ts";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { count: { type: "string" }, items: { type: "string" }, delay: { type: "string" }, unchanged: { type: "boolean" } },
  });
  const count = Number(values.count ?? 200);
  const items = Number(values.items ?? 100);
  const delay = Number(values.delay ?? 200);
  const text = new TextGenerator(7);
  const now = Date.now();
  const servers: Server[] = [];
  const fixtures: RssFixture[] = [];
  /**
   * Reads of each unchanged feed as they came (a changing feed counts its own) and when (ms since
   * this process's start); reads answered so far, and how many of those got 304.
   */
  const reads: number[] = [];
  const answered: number[] = [];
  const notModified: number[] = [];
  const readTimes: number[][] = [];
  for (let source = 0; source < count; source++) {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const fixture = new RssFixture(text, source, `http://127.0.0.1:${port}`, items, now);
    const unchanged = values.unchanged ? { body: fixture.read(), etag: `"feed-${source}-v1"` } : null;
    reads.push(0);
    answered.push(0);
    notModified.push(0);
    readTimes.push([]);
    server.on("request", (req, res) => {
      if ((req.url ?? "").split("?")[0] !== "/feed.xml") return void res.writeHead(404).end();
      if (unchanged) {
        reads[source]!++;
        readTimes[source]!.push(performance.now());
      }
      setTimeout(() => {
        if (!unchanged) {
          res.writeHead(200, { "content-type": "application/rss+xml; charset=utf-8" });
          return void res.end(fixture.read());
        }
        answered[source]!++;
        if (req.headers["if-none-match"] === unchanged.etag) {
          notModified[source]!++;
          return void res.writeHead(304, { etag: unchanged.etag }).end();
        }
        res.writeHead(200, { "content-type": "application/rss+xml; charset=utf-8", etag: unchanged.etag });
        res.end(unchanged.body);
      }, delay);
    });
    servers.push(server);
    fixtures.push(fixture);
  }
  listenToBench(
    (message) => {
      if (message.type === "reads")
        tell({ type: "reads", reads: values.unchanged ? reads : fixtures.map((f) => f.readCount), answered, notModified, readTimes });
    },
    () => {
      for (const server of servers) server.closeAllConnections();
    },
  );
  tell({ type: "ready", urls: servers.map((server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}/feed.xml`) });
}

main().catch(failStart);
