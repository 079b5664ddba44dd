/**
 * A catalog that changes in place, at one size, in a child run with
 * `--expose-gc` (see catalog-change.ts for the rows).
 *
 * `--articles` synthetic articles in sources of 100 are served by a real
 * `Store` over a `FeedCache` whose reads return the synthetic snapshots. Once
 * the first catalog and both its indexes are built, sources change one at a
 * time (10 items new, 10 gone) at random moments, on average every
 * `--interval-ms`, while a client asks the store for its catalog every few
 * milliseconds, as requests would. For each change: how long until a query
 * sees it (the new story by id, on its section's front page and found by
 * search), and the thread's CPU spent in the calls that made new catalog
 * versions, per source changed. Heap per article is read after every change.
 *
 *   --articles N  --changes N  --interval-ms MS
 */
import { parseArgs } from "node:util";
import type { Article } from "../src/model/article.ts";
import type { SourceSnapshot } from "../src/model/source-snapshot.ts";
import type { Catalog } from "../src/store/catalog/catalog.ts";
import { selectArticles } from "../src/store/query/article-filter.ts";
import { paginate } from "../src/store/query/paginate.ts";
import { FeedCache } from "../src/store/source-cache/feed-cache.ts";
import { Store } from "../src/store/store.ts";
import { failStart, tell } from "./processes.ts";
import { percentile } from "./stats.ts";
import { syntheticArticle, syntheticCatalogInput, syntheticSnapshot } from "./synthetic-articles.ts";
import { createRandom, TextGenerator } from "./synthetic-text.ts";

/** Items a changed source gains, and as many it loses: the change. */
const ITEMS_CHANGED = 10;
/** How often the client asks for the catalog (requests arriving). */
const POLL_MS = 5;

export interface CatalogChangeResult {
  articles: number;
  sources: number;
  changes: number;
  /** Changes that went into one new version with another (arrived within one rebuild interval). */
  coalesced: number;
  buildMs: { generate: number; firstCatalog: number; indexes: number };
  visibleMs: { p50: number; p99: number; max: number };
  /** CPU of the calls that made new versions, per source changed. */
  cpuPerChangeMs: { mean: number; p50: number; p99: number };
  heap: { articlesPerArticle: number; totalPerArticle: number };
  /** Mean CPU of a request's reads of the catalog (no HTTP, no GraphQL), after the changes, by kind. */
  requestCpuUs: { front: number; section: number; articlePage: number; search: number };
}

function heapUsed(): number {
  globalThis.gc?.();
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { articles: { type: "string" }, changes: { type: "string" }, "interval-ms": { type: "string" } },
  });
  const count = Number(values.articles ?? 10_000);
  const changes = Number(values.changes ?? 40);
  const intervalMs = Number(values["interval-ms"] ?? 300);

  const empty = heapUsed();
  let started = performance.now();
  const { config, snapshots } = syntheticCatalogInput(count);
  const generateMs = performance.now() - started;
  const withArticles = heapUsed();

  const held = new Map<string, SourceSnapshot>(snapshots);
  const feedCache = new FeedCache({
    load: async (source) => held.get(source.id)!,
    // Sources stay fresh for the run: they change only when the bench says so.
    random: () => 0.5,
  });
  // Sources are read once, fresh for an hour: they change only when the bench primes them.
  const sourcesConfig = { ...config, sources: config.sources.map((source) => ({ ...source, refreshSeconds: 3600 })) };
  const store = new Store({ config: sourcesConfig, feedCache });
  started = performance.now();
  let catalog = await store.catalog();
  const firstCatalogMs = performance.now() - started;
  started = performance.now();
  void catalog.related;
  catalog.search();
  const indexesMs = performance.now() - started;

  const random = createRandom(7);
  const text = new TextGenerator(11);
  let made = count;
  const pending: { id: string; section: string; word: string; at: number }[] = [];
  const visibleMs: number[] = [];
  const cpuPerChange: number[] = [];
  let coalesced = 0;
  let applied = 0;
  let changed = 0;

  /** One source changes: ITEMS_CHANGED of its items gone, as many new ones published now. */
  const change = () => {
    const source = sourcesConfig.sources[Math.floor(random() * sourcesConfig.sources.length)]!;
    const before = held.get(source.id)!;
    const kept = [...before.articles];
    for (let i = 0; i < ITEMS_CHANGED && kept.length > 0; i++) kept.splice(Math.floor(random() * kept.length), 1);
    const fresh: Article[] = [];
    for (let i = 0; i < ITEMS_CHANGED; i++) {
      const article = syntheticArticle(text, { sourceId: source.id, section: source.section, n: made++, publishedAt: Date.now() + i });
      // A word no other story has, for the search that proves the story visible.
      fresh.push({ ...article, title: `${article.title} ${wordOf(made)}` });
    }
    const snapshot = { ...syntheticSnapshot(source.id, [...fresh, ...kept], Date.now()), contentHash: `change-${made}` };
    held.set(source.id, snapshot);
    const probe = fresh.at(-1)!;
    pending.push({ id: probe.id, section: source.section, word: wordOf(made), at: performance.now() });
    feedCache.prime(source, snapshot);
    changed++;
  };

  const seen = (current: Catalog, item: (typeof pending)[number]) => {
    if (!current.byId.has(item.id)) return false;
    const front = selectArticles(current, { section: item.section }).list.slice(0, 20);
    if (!front.some((article) => article.id === item.id)) return false;
    return current
      .search()
      .search(item.word)
      .some((hit) => hit.id === item.id);
  };

  let nextChangeAt = performance.now() + exponential(random, intervalMs);
  while (applied < changes) {
    if (changed < changes && performance.now() >= nextChangeAt) {
      change();
      nextChangeAt = performance.now() + exponential(random, intervalMs);
    }
    const before = cpuMs();
    const current = await store.catalog();
    const spent = cpuMs() - before;
    if (current !== catalog) {
      // The changes this version took in (a rebuild interval can gather several).
      const covered = Math.max(1, pending.filter((item) => current.byId.has(item.id)).length);
      coalesced += covered - 1;
      for (let i = 0; i < covered; i++) cpuPerChange.push(spent / covered);
      catalog = current;
    }
    const now = performance.now();
    for (let i = pending.length - 1; i >= 0; i--) {
      if (seen(current, pending[i]!)) {
        visibleMs.push(now - pending[i]!.at);
        pending.splice(i, 1);
        applied++;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const requestCpuUs = await requestCosts(catalog, createRandom(3));
  const total = heapUsed();
  const result: CatalogChangeResult = {
    articles: count,
    sources: sourcesConfig.sources.length,
    changes: applied,
    coalesced,
    buildMs: { generate: generateMs, firstCatalog: firstCatalogMs, indexes: indexesMs },
    visibleMs: { p50: percentile(visibleMs, 50), p99: percentile(visibleMs, 99), max: Math.max(...visibleMs) },
    cpuPerChangeMs: {
      mean: cpuPerChange.reduce((sum, ms) => sum + ms, 0) / Math.max(1, cpuPerChange.length),
      p50: percentile(cpuPerChange, 50),
      p99: percentile(cpuPerChange, 99),
    },
    heap: { articlesPerArticle: (withArticles - empty) / count, totalPerArticle: (total - empty) / catalog.articles.length },
    requestCpuUs,
  };
  tell({ type: "result", result: result as unknown as Record<string, unknown> });
  // Let the message leave before exiting.
  setTimeout(() => process.exit(0), 100);
}

/** Requests of each kind timed after as many untimed, so the figures are the compiled code's. */
const REQUESTS_PER_KIND = 300;

/**
 * What a request's reads of the catalog cost, by kind: a front page, a section
 * front, an article page (the story and its related block) and a search's
 * first page, each as the API pages it.
 */
async function requestCosts(catalog: Catalog, random: () => number) {
  const page = (filter: Parameters<typeof selectArticles>[1]) => {
    const selection = selectArticles(catalog, filter);
    return paginate(selection.list, { first: filter.query ? 10 : 20 }, selection.order, selection.keyAt);
  };
  const sections = catalog.sections.map((section) => section.slug);
  const titles = Array.from({ length: 64 }, () => catalog.articles.at(Math.floor(random() * catalog.articles.length))!.title);
  const kinds: Record<keyof CatalogChangeResult["requestCpuUs"], () => Promise<unknown> | unknown> = {
    front: () => page({}),
    section: () => page({ section: sections[Math.floor(random() * sections.length)]! }),
    articlePage: () => {
      const story = catalog.articles.at(Math.floor(random() * catalog.articles.length))!;
      return catalog.relatedTo([{ id: catalog.byId.get(story.id)!.id, first: 5 }]);
    },
    search: () => {
      const words = titles[Math.floor(random() * titles.length)]!.split(" ");
      return page({ query: words.slice(0, 2).join(" ") });
    },
  };
  const out = { front: 0, section: 0, articlePage: 0, search: 0 };
  for (const kind of Object.keys(kinds) as (keyof typeof kinds)[]) {
    for (let i = 0; i < REQUESTS_PER_KIND; i++) await kinds[kind]();
    const before = cpuMs();
    for (let i = 0; i < REQUESTS_PER_KIND; i++) await kinds[kind]();
    out[kind] = ((cpuMs() - before) * 1000) / REQUESTS_PER_KIND;
  }
  return out;
}

/** A made-up word for a number: letters only, so search indexes it as one term. */
function wordOf(n: number): string {
  let word = "";
  for (let rest = n; rest > 0; rest = Math.floor(rest / 26)) word += String.fromCharCode(97 + (rest % 26));
  return `zq${word}`;
}

/** Milliseconds until the next change when changes arrive at random, `meanMs` apart on average. */
function exponential(random: () => number, meanMs: number): number {
  return -Math.log(1 - random()) * meanMs;
}

main().catch(failStart);
