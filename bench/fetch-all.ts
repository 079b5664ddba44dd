/**
 * The baselines of cold start.
 *
 * `fetch-all`: what the network alone costs. Reads every feed at once over
 * node:http, as the gateway's transport does (no concurrency limit, no
 * decoding, no parsing), and reports the time until the last body has
 * arrived. The global fetch would cost this process about twice the CPU per
 * body (WHATWG streams, a WebAssembly HTTP parser), a floor the gateway does
 * not stand on: its transport is node:http too.
 *
 * `floor`: what the libraries alone cost on those bodies, on this one thread
 * and as cold as the gateway's parser thread starts: each body decoded, parsed
 * (htmlparser2's tokenizer, then rss-parser, see parse-xml.ts) and the text of each item's
 * summary read (htmlparser2, see htmlToText): its description, else its body,
 * as normalizing reads it (bodies are sanitized when first shown and their
 * words counted when first asked, not at ingest). No other normalizing, hashing, merging or indexing: the
 * work no change of ours short of replacing those libraries can take off a
 * cold start.
 *
 * `beyond-floor` (after `floor`, with the sources file): what a cold start
 * does past the floor, on this one thread, timed step by step: every body
 * read as the gateway reads it (`ingestBody`: the floor's steps again, now
 * warm, plus normalizing, the item memo and hashing), then the catalog built
 * from those articles in one go (`buildCatalogSteps`, its indexes left to
 * build later as the gateway leaves them), as cold as in a starting gateway.
 * No threads, hand-over between them, HTTP or GraphQL: a decomposition of
 * the gateway's cold start, not a bound on it.
 */
import http from "node:http";
import { decodeBody } from "../src/ingest/decode.ts";
import { parseXmlFeed } from "../src/ingest/parse-xml.ts";
import { htmlToText } from "../src/ingest/text.ts";
import { loadSourcesFile } from "../src/config/sources-file.ts";
import { ingestBody } from "../src/ingest/ingest-body.ts";
import { buildCatalogSteps } from "../src/store/catalog/catalog.ts";
import { runToEnd } from "../src/store/sliced/time-slice.ts";
import type { SourceSnapshot } from "../src/model/source-snapshot.ts";
import { failStart, listenToBench, tell } from "./processes.ts";
import { syntheticSnapshot } from "./synthetic-articles.ts";

/** The body at `url`, read to its end; fails on any status but 200. */
function readAll(url: string, agent: http.Agent): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          reject(new Error(`${url}: HTTP ${response.statusCode}`));
          return;
        }
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve(Buffer.concat(chunks)));
        response.on("error", reject);
      })
      .on("error", reject);
  });
}

/** CPU milliseconds of this process so far, every thread (the collector's helpers too). */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Decodes and parses every body and reads its items' summary text once; the CPU of each step and the wall time of all. */
async function libraryFloor(bodies: Buffer[]): Promise<{ ms: number; decodeMs: number; parseMs: number; textMs: number; items: number }> {
  const started = performance.now();
  let [decodeMs, parseMs, textMs, items] = [0, 0, 0, 0];
  for (const body of bodies) {
    let at = cpuMs();
    const { text } = decodeBody(body, "application/rss+xml; charset=utf-8");
    decodeMs += cpuMs() - at;
    at = cpuMs();
    const feed = await parseXmlFeed(text);
    parseMs += cpuMs() - at;
    at = cpuMs();
    for (const item of feed.items) {
      const html = item.summaryHtml ?? item.contentHtml;
      if (html) htmlToText(html);
    }
    textMs += cpuMs() - at;
    items += feed.items.length;
  }
  return { ms: performance.now() - started, decodeMs, parseMs, textMs, items };
}

/** The articles every body gives as the gateway reads it, then the catalog they make: the CPU of each step. */
async function beyondFloor(sourcesFile: string, urls: string[]): Promise<{ ingestMs: number; catalogMs: number; stories: number }> {
  const config = await loadSourcesFile(sourcesFile);
  const now = Date.now();
  let at = cpuMs();
  const snapshots = new Map<string, SourceSnapshot>();
  for (const [i, source] of config.sources.entries()) {
    const ingested = await ingestBody({
      body: bodies[i]!,
      contentType: "application/rss+xml; charset=utf-8",
      format: source.format,
      sourceId: source.id,
      defaultSection: source.section,
      sections: config.sections,
      feedUrl: urls[i]!,
      now,
    });
    snapshots.set(source.id, syntheticSnapshot(source.id, ingested.articles, now));
  }
  const ingestMs = cpuMs() - at;
  at = cpuMs();
  const catalog = runToEnd(buildCatalogSteps({ version: 1, now, sections: config.sections, sources: config.sources, snapshots }));
  return { ingestMs, catalogMs: cpuMs() - at, stories: catalog.articles.length };
}

let bodies: Buffer[] = [];
let fetchedUrls: string[] = [];
listenToBench(async (message) => {
  if (message.type === "fetch-all") {
    const urls = message.urls as string[];
    const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
    const started = performance.now();
    bodies = await Promise.all(urls.map((url) => readAll(url, agent)));
    fetchedUrls = urls;
    tell({ type: "fetched", ms: performance.now() - started, bytes: bodies.reduce((sum, body) => sum + body.length, 0) });
    agent.destroy();
  } else if (message.type === "floor") {
    tell({ type: "floor", ...(await libraryFloor(bodies)) });
  } else if (message.type === "beyond-floor") {
    tell({ type: "beyond-floor", ...(await beyondFloor(String(message.sources), fetchedUrls)) });
  }
});
try {
  tell({ type: "ready" });
} catch (error) {
  failStart(error);
}
