import type { IncomingMessage, ServerResponse } from "node:http";
import { LRUCache } from "lru-cache";
import { FEED_CONTENT_TYPES, writeFeed, type FeedFormat } from "../../export/feed-writer.ts";
import { OPML_CONTENT_TYPE, opmlSources, writeSourcesOpml } from "../../export/opml.ts";
import { FilterError, MAX_QUERY_CHARS, selectArticles } from "../../store/query/article-filter.ts";
import type { Catalog } from "../../store/catalog/catalog.ts";
import type { CatalogArticle } from "../../store/catalog/catalog-article.ts";
import type { Store } from "../../store/store.ts";
import { entityTag } from "../validators.ts";
import { createCompressedBodies, DEFAULT_COMPRESSED_BODIES_BYTES } from "../compression.ts";
import { createCacheableSender } from "./conditional-get.ts";
import { publicOrigin } from "../server/public-origin.ts";
import { sendJson, type Route } from "../server/routes.ts";

/** Items in a feed without `?limit=`. */
export const DEFAULT_FEED_ITEMS = 20;
/** Most items one feed may ask for, as for a GraphQL page. */
export const MAX_FEED_ITEMS = 100;
/** Longest `?tag=` accepted, in characters. */
export const MAX_TAG_CHARS = 100;
/** Feed documents kept, by count and by bytes; a document is rebuilt when the catalog changes. */
export const FEED_CACHE_ENTRIES = 256;
export const FEED_CACHE_BYTES = 16 * 1024 * 1024;
/** `/feeds/all.*` is every section; a section whose slug is `all` is reached through the GraphQL API only. */
export const ALL_SECTIONS = "all";

const FEED_PATH = /^\/feeds\/([a-z0-9][a-z0-9-]*)\.(rss|atom|json)$/;

export interface FeedRoutesOptions {
  store: Store;
  /** Absolute URL the gateway is reached at, for links. @default from each request's Host */
  publicUrl?: string | null;
}

interface FeedSelection {
  tag: string | null;
  q: string | null;
  source: string | null;
  limit: number;
  /** The selection's own query string (never the key), for self links. */
  query: string;
}

class FeedRequestError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
  }
}

/**
 * `/feeds/{all|section}.{rss,atom,json}` (with `?tag=`, `?q=`, `?source=`,
 * `?limit=`) and `/sources.opml`. A feed holds exactly what the GraphQL
 * `articles` field returns for the same selection, in the same order.
 */
export function createFeedRoutes({ store, publicUrl }: FeedRoutesOptions): Route[] {
  // Three quarters of the compressed bodies' budget: the embed routes hold the rest.
  const sendCacheable = createCacheableSender(createCompressedBodies((DEFAULT_COMPRESSED_BODIES_BYTES * 3) / 4));
  const documents = new LRUCache<string, { body: string; etag: string }>({
    max: FEED_CACHE_ENTRIES,
    maxSize: FEED_CACHE_BYTES,
    sizeCalculation: (entry, key) => entry.body.length + key.length,
  });

  async function serveFeed(req: IncomingMessage, res: ServerResponse, match: RegExpExecArray | null): Promise<void> {
    const [, name, format] = match as unknown as [string, string, FeedFormat];
    const catalog = await store.catalog();
    let selection: FeedSelection;
    try {
      if (name !== ALL_SECTIONS && !catalog.bySection.has(name)) {
        throw new FeedRequestError(
          404,
          `unknown section "${name}"; known: ${[ALL_SECTIONS, ...catalog.sections.map((s) => s.slug)].join(", ")}`,
        );
      }
      selection = readSelection(req, catalog);
    } catch (error) {
      if (error instanceof FeedRequestError) return sendJson(res, error.status, { error: error.message });
      throw error;
    }
    const origin = publicOrigin(req, publicUrl);
    const key = [catalog.version, origin, name, format, selection.query].join("\n");
    let document = documents.get(key);
    if (!document) {
      // The search index builds in the background: wait for it rather than build it here, holding the event loop.
      if (selection.q) await catalog.searchIndex();
      const section = name === ALL_SECTIONS ? null : name;
      let articles: CatalogArticle[];
      try {
        articles = selectArticles(catalog, { section, tag: selection.tag, query: selection.q, source: selection.source }).list.slice(
          0,
          selection.limit,
        );
      } catch (error) {
        if (error instanceof FilterError) return sendJson(res, 400, { error: error.message });
        throw error;
      }
      const selfUrl = (f: FeedFormat) => `${origin}/feeds/${name}.${f}${selection.query}`;
      const body = writeFeed(
        format,
        {
          ...describe(catalog, section, selection),
          // A page a reader can use: the widget's page of the section, or of every section.
          homeUrl: `${origin}/embed/${section ?? ALL_SECTIONS}`,
          selfUrls: { rss: selfUrl("rss"), atom: selfUrl("atom"), json: selfUrl("json") },
          sectionNames: new Map(catalog.sections.map((s) => [s.slug, s.name])),
          sectionScheme: `${origin}/sections`,
          fallbackDate: catalog.builtAt,
        },
        articles,
      );
      document = { body, etag: entityTag(body) };
      documents.set(key, document);
    }
    // Last-Modified is the catalog's build time: the newest article's date would miss a removed or edited one.
    sendCacheable(
      req,
      res,
      { body: document.body, contentType: FEED_CONTENT_TYPES[format], lastModified: catalog.builtAt, maxAgeSeconds: store.maxAgeSeconds() },
      document.etag,
    );
  }

  async function serveOpml(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const catalog = await store.catalog();
    // Every source as our own re-export, never its upstream URL (which may carry a key).
    const sources = opmlSources(
      store.enabledSources,
      (sourceId) => store.snapshot(sourceId)?.feedLink ?? null,
      publicOrigin(req, publicUrl),
    );
    const body = writeSourcesOpml({ title: "Newsgate sources", dateCreated: catalog.builtAt, sections: catalog.sections, sources });
    sendCacheable(req, res, { body, contentType: OPML_CONTENT_TYPE, lastModified: catalog.builtAt, maxAgeSeconds: store.maxAgeSeconds() });
  }

  return [
    { path: FEED_PATH, handle: serveFeed },
    { path: "/sources.opml", handle: serveOpml },
  ];
}

/** Reads `tag`, `q`, `source` and `limit`; other parameters (such as `key`) are not the feed's business. */
function readSelection(req: IncomingMessage, catalog: Catalog): FeedSelection {
  const params = new URLSearchParams((req.url ?? "").split("?", 2)[1] ?? "");
  const one = (name: string): string | null => {
    const values = params.getAll(name);
    if (values.length > 1) throw new FeedRequestError(400, `\`${name}\` is given ${values.length} times; give it once`);
    return values[0] ?? null;
  };
  const limitText = one("limit");
  let limit = DEFAULT_FEED_ITEMS;
  if (limitText !== null) {
    limit = /^\d{1,4}$/.test(limitText) ? Number(limitText) : NaN;
    if (!(limit >= 1 && limit <= MAX_FEED_ITEMS))
      throw new FeedRequestError(400, `\`limit\` must be a whole number from 1 to ${MAX_FEED_ITEMS}, not "${limitText.slice(0, 20)}"`);
  }
  const tag = one("tag");
  if (tag !== null && (tag.trim() === "" || tag.length > MAX_TAG_CHARS))
    throw new FeedRequestError(400, `\`tag\` must be a tag name of 1 to ${MAX_TAG_CHARS} characters`);
  const q = one("q");
  if (q !== null && (q.trim() === "" || q.length > MAX_QUERY_CHARS))
    throw new FeedRequestError(400, `\`q\` must be a search of 1 to ${MAX_QUERY_CHARS} characters`);
  const source = one("source");
  if (source !== null && !catalog.sources.some((s) => s.id === source)) {
    throw new FeedRequestError(400, `unknown source "${source.slice(0, 80)}"; known: ${catalog.sources.map((s) => s.id).join(", ")}`);
  }
  const own = new URLSearchParams();
  if (tag !== null) own.set("tag", tag);
  if (q !== null) own.set("q", q);
  if (source !== null) own.set("source", source);
  if (limitText !== null) own.set("limit", String(limit));
  const query = own.toString();
  return { tag, q, source, limit, query: query ? `?${query}` : "" };
}

function describe(catalog: Catalog, section: string | null, { tag, q, source }: FeedSelection): { title: string; description: string } {
  const sectionName = section ? (catalog.sections.find((s) => s.slug === section)?.name ?? section) : "All sections";
  const sourceName = source ? (catalog.sources.find((s) => s.id === source)?.name ?? source) : null;
  const parts = [
    tag ? `tagged “${tag.trim()}”` : null,
    q ? `matching “${q.trim()}”` : null,
    sourceName ? `from ${sourceName}` : null,
  ].filter(Boolean);
  const title = `Newsgate: ${sectionName}${parts.length ? ` (${parts.join(", ")})` : ""}`;
  return {
    title,
    description: `Latest articles in ${sectionName}${parts.length ? `, ${parts.join(", ")}` : ""}, from every source Newsgate reads.`,
  };
}
