import { createHash } from "node:crypto";
import { parseSourcesConfig, type SectionConfig, type SourcesConfig } from "../src/config/sources-file.ts";
import type { Article } from "../src/model/article.ts";

import { TextGenerator, TOPIC_COUNT } from "./synthetic-text.ts";
import type { SourceSnapshot } from "../src/model/source-snapshot.ts";

export const BENCH_SECTIONS: SectionConfig[] = [
  { slug: "technology", name: "Technology" },
  { slug: "startups", name: "Startups" },
  { slug: "science", name: "Science" },
  { slug: "business", name: "Business" },
];
/** Articles per synthetic source, as many as a busy feed carries. */
export const ARTICLES_PER_SOURCE = 100;
/** Characters of summary and of body (markup included): with the title, tags and links about 1.5 KB per article. */
const SUMMARY_CHARS = 220;
const BODY_CHARS = 900;
const BODY_PARAGRAPHS = 4;
const AUTHORS = Array.from({ length: 200 }, (_, i) => `Reporter ${i}`);

/**
 * `count` articles as the normalizer would make them (plain-text title and
 * summary, HTML body with its base, absolute links, 16-character ids), spread over
 * sources of ARTICLES_PER_SOURCE, with a real sources configuration, ready for
 * `buildCatalog`. Deterministic for a seed.
 */
export function syntheticCatalogInput(count: number, { seed = 1, now = Date.UTC(2026, 10, 1) } = {}) {
  const text = new TextGenerator(seed);
  const sourceCount = Math.ceil(count / ARTICLES_PER_SOURCE);
  const config: SourcesConfig = parseSourcesConfig(
    {
      sections: BENCH_SECTIONS,
      sources: Array.from({ length: sourceCount }, (_, s) => ({
        id: `source-${s}`,
        name: `Source ${s}`,
        url: `https://publisher-${s}.example/feed.xml`,
        section: BENCH_SECTIONS[s % BENCH_SECTIONS.length]!.slug,
      })),
    },
    "/bench/synthetic/sources.json",
  );
  const snapshots = new Map<string, SourceSnapshot>();
  let made = 0;
  for (const source of config.sources) {
    // Every source publishes up to now, at its own pace: a story every 10 minutes to every 6 hours.
    const interval = (10 + text.int(350)) * 60_000;
    const latest = now - text.int(interval);
    const articles: Article[] = [];
    for (let i = 0; i < ARTICLES_PER_SOURCE && made < count; i++, made++) {
      articles.push(syntheticArticle(text, { sourceId: source.id, section: source.section, n: made, publishedAt: latest - i * interval }));
    }
    snapshots.set(source.id, syntheticSnapshot(source.id, articles, now));
  }
  return { config, snapshots };
}

export interface ArticleSeed {
  sourceId: string;
  section: string;
  /** Unique over the data set: links and ids derive from it. */
  n: number;
  publishedAt: number;
}

export function syntheticArticle(text: TextGenerator, { sourceId, section, n, publishedAt }: ArticleSeed): Article {
  const topic = text.int(TOPIC_COUNT);
  const title = text.phrase(topic, 7 + text.int(5), false);
  const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  const host = `${sourceId}.example`;
  const path = [host, "/", section, "/2026/", slug, "-", n].join("");
  const paragraphs: string[] = [];
  for (let p = 0; p < BODY_PARAGRAPHS; p++) paragraphs.push("<p>", text.prose(topic, BODY_CHARS / BODY_PARAGRAPHS - 7), "</p>");
  const hasImage = text.random() < 0.6;
  return {
    id: createHash("sha256").update(`${sourceId}:${n}`).digest("base64url").slice(0, 16),
    sourceId,
    guid: ["https://", host, "/?p=", 100000 + n].join(""),
    title,
    summary: text.prose(topic, SUMMARY_CHARS),
    rawBodyHtml: paragraphs.join(""),
    // A string of its own per article, as articles that crossed from a parser thread have.
    bodyBase: ["https://", host, "/"].join(""),
    bodyWords: 150,
    url: ["https://", path, "?utm_source=rss"].join(""),
    canonicalUrl: ["https://", path].join(""),
    author: text.pick(AUTHORS),
    publishedAt: new Date(publishedAt),
    updatedAt: null,
    image: hasImage ? { url: ["https://cdn.", host, "/images/", n, ".jpg"].join(""), alt: null, width: 1200, height: 675 } : null,
    tags: text.tags(topic, 3),
    section,
    commentCount: null,
    authors: [],
    enclosures: [],
    language: null,
  };
}

export function syntheticSnapshot(sourceId: string, articles: Article[], now: number): SourceSnapshot {
  return {
    sourceId,
    articles,
    contentHash: `synthetic-${sourceId}-${articles.length}`,
    format: "rss",
    etag: null,
    lastModified: null,
    ok: true,
    error: null,
    warning: null,
    feedTitle: sourceId,
    feedLink: null,
    itemsSeen: articles.length,
    encoding: "utf-8",
    upstreamTtlMs: null,
    consecutiveFailures: 0,
    retryAfterMs: null,
    lastFetchedAt: new Date(now),
    lastSuccessAt: new Date(now),
    durationMs: 0,
  };
}
