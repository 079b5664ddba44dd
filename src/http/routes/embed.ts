import { ALL_SECTIONS } from "./feeds.ts";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestPartner } from "../../partners/partner-gate.ts";
import { readingTimeOf } from "../../store/catalog/article-content.ts";
import { selectArticles } from "../../store/query/article-filter.ts";
import type { Catalog } from "../../store/catalog/catalog.ts";
import type { CatalogArticle } from "../../store/catalog/catalog-article.ts";
import type { Store } from "../../store/store.ts";
import { createCompressedBodies, DEFAULT_COMPRESSED_BODIES_BYTES } from "../compression.ts";
import { createCacheableSender } from "./conditional-get.ts";
import { sendJson, type Route } from "../server/routes.ts";
import { CARDS_CSS, EMBED_THEMES, embedPagePolicy, renderEmbedPage, type Card, type EmbedTheme } from "../pages/widget/embed-page.ts";

/** Cards shown without `?limit=` (page) or a `limit` attribute (widget). */
export const DEFAULT_EMBED_CARDS = 5;
/** Most cards one embed may show. */
export const MAX_EMBED_CARDS = 20;
/** How long browsers and proxies may keep the widget's script. */
export const WIDGET_SCRIPT_MAX_AGE_SECONDS = 300;
export const WIDGET_SCRIPT_PATH = "/embed.js";

const CSS_PLACEHOLDER = '"__NEWSGATE_CARDS_CSS__"';
const SECTION = "([a-z0-9][a-z0-9-]*)";

export interface EmbedRoutesOptions {
  store: Store;
  /**
   * The CSP `frame-ancestors` sources for this request's embed page. Without
   * a key they are narrowed to the asking page's origin (see anonymousFrameAncestors). @default "*"
   */
  frameAncestors?: (req: IncomingMessage) => string;
  /** Whose key the partner gate accepted for a request: a keyed page keeps the partner's frame ancestors. @default none */
  partnerOf?: RequestPartner;
}

/**
 * The widget: `/embed.js` (the `<newsgate-feed>` web component), `/embed/{section}`
 * (a page made for an iframe, `?limit=`, `?theme=light|dark`) and
 * `/embed/{section}.json` (the cards the component renders).
 */
export function createEmbedRoutes({ store, frameAncestors = () => "*", partnerOf = () => null }: EmbedRoutesOptions): Route[] {
  const source = readFileSync(new URL("../pages/widget/newsgate-feed.js", import.meta.url), "utf8");
  if (!source.includes(CSS_PLACEHOLDER)) throw new Error(`embed: ${CSS_PLACEHOLDER} is missing from newsgate-feed.js`);
  const script = source.replace(CSS_PLACEHOLDER, () => JSON.stringify(CARDS_CSS));
  const startedAt = new Date();
  // A quarter of the compressed bodies' budget (the script, cards and pages are small): the feeds hold the rest.
  const sendCacheable = createCacheableSender(createCompressedBodies(DEFAULT_COMPRESSED_BODIES_BYTES / 4));

  /** The section and its cards, or false once an error answer was sent. */
  async function readCards(req: IncomingMessage, res: ServerResponse, slug: string) {
    const catalog = await store.catalog();
    // `all`, as in the feeds' paths: every section's latest (a section of that slug, if any, wins).
    const section =
      catalog.sections.find((s) => s.slug === slug) ?? (slug === ALL_SECTIONS ? { slug: ALL_SECTIONS, name: "All sections" } : undefined);
    if (!section) {
      sendJson(res, 404, {
        error: `unknown section "${slug}"; known: ${[ALL_SECTIONS, ...catalog.sections.map((s) => s.slug)].join(", ")}`,
      });
      return false;
    }
    const params = new URLSearchParams((req.url ?? "").split("?", 2)[1] ?? "");
    const limitText = params.get("limit");
    const limit = limitText === null ? DEFAULT_EMBED_CARDS : /^\d{1,3}$/.test(limitText) ? Number(limitText) : NaN;
    if (!(limit >= 1 && limit <= MAX_EMBED_CARDS)) {
      sendJson(res, 400, { error: `\`limit\` must be a whole number from 1 to ${MAX_EMBED_CARDS}` });
      return false;
    }
    const theme = params.get("theme") ?? "light";
    if (!(EMBED_THEMES as readonly string[]).includes(theme)) {
      sendJson(res, 400, { error: `\`theme\` must be one of ${EMBED_THEMES.join(", ")}` });
      return false;
    }
    const cards = selectArticles(catalog, { section: section.slug === ALL_SECTIONS && !catalog.bySection.has(ALL_SECTIONS) ? null : slug })
      .list.slice(0, limit)
      .map((a) => toCard(a, catalog));
    return { catalog, section, cards, theme: theme as EmbedTheme };
  }

  return [
    {
      path: WIDGET_SCRIPT_PATH,
      handle: (req, res) =>
        sendCacheable(req, res, {
          body: script,
          contentType: "text/javascript; charset=utf-8",
          lastModified: startedAt,
          maxAgeSeconds: WIDGET_SCRIPT_MAX_AGE_SECONDS,
        }),
    },
    {
      path: new RegExp(`^/embed/${SECTION}\\.json$`),
      handle: async (req, res, match) => {
        const read = await readCards(req, res, match![1]!);
        if (!read) return;
        const body = JSON.stringify({ section: { slug: read.section.slug, name: read.section.name }, articles: read.cards });
        sendCacheable(req, res, {
          body,
          contentType: "application/json; charset=utf-8",
          lastModified: read.catalog.builtAt,
          maxAgeSeconds: store.maxAgeSeconds(),
        });
      },
    },
    {
      path: new RegExp(`^/embed/${SECTION}$`),
      handle: async (req, res, match) => {
        const read = await readCards(req, res, match![1]!);
        if (!read) return;
        const body = renderEmbedPage({ sectionName: read.section.name, cards: read.cards, theme: read.theme });
        // The one page that may sit in a frame: the gate's refusal to be framed is replaced here.
        res.removeHeader("x-frame-options");
        sendCacheable(req, res, {
          body,
          contentType: "text/html; charset=utf-8",
          lastModified: read.catalog.builtAt,
          maxAgeSeconds: store.maxAgeSeconds(),
          headers: {
            "content-security-policy": embedPagePolicy(
              partnerOf(req) ? frameAncestors(req) : anonymousFrameAncestors(frameAncestors(req), req.headers.referer),
            ),
            "x-content-type-options": "nosniff",
            "referrer-policy": "strict-origin-when-cross-origin",
          },
        });
      },
    },
  ];
}

/**
 * `frame-ancestors` for a page asked for without a key. The candidates (every
 * partner's origins) are not for anyone to read: only the origin of the page
 * that asked for the frame (its `Referer`, which browsers send for an iframe
 * by default) is named, when it is one of them; else `'none'`. `*` (no
 * partners file) and `'none'` stay as they are. A keyed request gets its own
 * partner's origins, which it knows. Pure.
 */
export function anonymousFrameAncestors(candidates: string, referer: string | undefined): string {
  const listed = candidates.split(/\s+/).filter(Boolean);
  if (listed.includes("*") || listed.length === 0) return candidates;
  let origin: string | null = null;
  try {
    origin = referer ? new URL(referer).origin : null;
  } catch {
    origin = null;
  }
  return origin && origin !== "null" && listed.includes(origin) ? origin : "'none'";
}

function toCard(article: CatalogArticle, catalog: Catalog): Card {
  return {
    id: article.id,
    title: article.title,
    url: article.url,
    summary: article.summary,
    readingTimeMinutes: readingTimeOf(article),
    publishedAt: article.publishedAt?.toISOString() ?? null,
    section: catalog.sections.find((s) => s.slug === article.section)?.name ?? article.section,
  };
}
