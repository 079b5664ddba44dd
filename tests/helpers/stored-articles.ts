import { Redis } from "ioredis";
import type { Article } from "../../src/model/article.ts";

import { silentLogger } from "../../src/log/logger.ts";
import { createRedis, serializeSnapshot, SharedCache } from "../../src/store/source-cache/shared-cache.ts";
import { dropKeys, REDIS_URL, uniquePrefix } from "../cluster/cluster.ts";
import { startFixtureServer } from "./fixture-server.ts";
import type { GatewayDeps } from "../../src/create-gateway.ts";
import { openGateway } from "./app-fetch.ts";
import type { TestSourcesFile } from "./gateway.ts";
import { snapshotOf } from "./snapshots.ts";

/**
 * Articles as ingest will make them (authors, enclosures, language), served by a real gateway without
 * depending on ingest: each source's snapshot is stored in Redis first, where the gateway's shared cache
 * takes it instead of reading upstream. The upstream answers 404, so a read that did reach it would
 * show as a failing source with no articles.
 */
export async function openGatewayWithArticles(name: string, sources: { id: string; section: string; articles: Article[] }[]) {
  return withArticles(name, sources, openGateway);
}

/** Stores each source's snapshot under a fresh prefix, then builds the gateway with `start` on a shared cache reading them. */
async function withArticles<G extends { close: () => Promise<void> }>(
  name: string,
  sources: { id: string; section: string; articles: Article[] }[],
  start: (sourcesFile: TestSourcesFile, deps: Omit<GatewayDeps, "config">) => Promise<G>,
) {
  const prefix = uniquePrefix(name);
  const upstream = await startFixtureServer({});
  const sharedCache = new SharedCache({ redis: createRedis(REDIS_URL), prefix, logger: silentLogger(), random: () => 0.5 });
  await sharedCache.connect();
  const redis = new Redis(REDIS_URL);
  for (const source of sources) {
    await redis.set(sharedCache.snapshotKey(source.id), serializeSnapshot(snapshotOf(source.id, source.articles)), "PX", 600_000);
  }
  redis.disconnect();
  const gateway = await start(
    {
      sources: sources.map((s) => ({ id: s.id, name: s.id, url: upstream.url(`/${s.id}.json`), section: s.section, refreshSeconds: 600 })),
    },
    { sharedCache },
  );
  return {
    ...gateway,
    upstream,
    close: async () => {
      await gateway.close();
      await sharedCache.close();
      await upstream.close();
      await dropKeys(prefix);
    },
  };
}

/** An article as normalize makes one, with what a test gives. */
export function article(fields: Partial<Article> & { id: string; sourceId: string }): Article {
  const url = fields.url ?? `https://${fields.sourceId}.example/${fields.id}`;
  return {
    guid: fields.id,
    title: `Story ${fields.id}`,
    summary: `About ${fields.id}.`,
    rawBodyHtml: `<p>Body of ${fields.id}.</p>`,
    bodyBase: url,
    bodyWords: null,
    url,
    canonicalUrl: url,
    author: null,
    authors: [],
    publishedAt: new Date(Date.UTC(2026, 10, 1)),
    updatedAt: null,
    image: null,
    tags: [],
    section: "technology",
    commentCount: null,
    enclosures: [],
    language: null,
    ...fields,
  };
}
