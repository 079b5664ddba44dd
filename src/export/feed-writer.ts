import { Feed, type Category, type Extension, type Item } from "feed";
import { sanitizeContent } from "../ingest/sanitize.ts";
import { escapeHtml } from "../ingest/escape-html.ts";
import { contentHtmlOf } from "../store/article-content.ts";
import type { CatalogArticle } from "../store/catalog-article.ts";

export const FEED_FORMATS = ["rss", "atom", "json"] as const;
export type FeedFormat = (typeof FEED_FORMATS)[number];

export const FEED_CONTENT_TYPES: Record<FeedFormat, string> = {
  rss: "application/rss+xml; charset=utf-8",
  atom: "application/atom+xml; charset=utf-8",
  json: "application/feed+json; charset=utf-8",
};

const GENERATOR = "Newsgate";
const JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1";
const MEDIA_RSS_NS = "http://search.yahoo.com/mrss/";
const DUBLIN_CORE_NS = "http://purl.org/dc/elements/1.1/";
/** Image types by file extension; an image whose URL names none is still exported, without a declared type. */
const IMAGE_TYPES: Record<string, string> = { jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", gif: "image/gif", webp: "image/webp", avif: "image/avif" };

export interface FeedMeta {
  title: string;
  description: string;
  /** The page the feed is about (absolute). */
  homeUrl: string;
  /** This same selection in each format (absolute): self links and alternates. */
  selfUrls: Record<FeedFormat, string>;
  /** Section display names by slug, for each item's section category. */
  sectionNames: Map<string, string>;
  /** Scheme (Atom) or domain (RSS) of the section categories, so readers tell them from tags. */
  sectionScheme: string;
  /** When nothing in the feed carries a date (an empty feed). */
  fallbackDate: Date;
}

/**
 * One feed document from catalog articles, written by the `feed` package. Every
 * string handed to it is made safe for where it lands first: the package puts
 * titles and HTML in CDATA (breaking only the first `]]>`), escapes only `&` in
 * category attributes and nothing but quotes in extension attributes, and
 * writes JSON Feed 1.0, which is turned into 1.1 here.
 */
export function writeFeed(format: FeedFormat, meta: FeedMeta, articles: CatalogArticle[]): string {
  const newest = articles.reduce<Date | null>((latest, a) => {
    const date = itemDate(a, null);
    return date && (!latest || date > latest) ? date : latest;
  }, null);
  const feed = new Feed({
    id: meta.selfUrls[format],
    title: xmlText(meta.title),
    description: xmlText(meta.description),
    link: meta.homeUrl,
    feedLinks: meta.selfUrls,
    updated: newest ?? meta.fallbackDate,
    generator: GENERATOR,
    author: { name: GENERATOR },
  });
  for (const article of articles) feed.addItem(toItem(format, article, meta));
  if (format === "rss") return feed.rss2();
  if (format === "atom") return feed.atom1();
  return toJsonFeed11(feed.json1(), articles);
}

function toItem(format: FeedFormat, article: CatalogArticle, meta: FeedMeta): Item {
  // Sanitized when first shown; sanitized again after dropping what XML 1.0 cannot carry, so nothing reaches a partner that did not pass the allow-list.
  const html = contentHtmlOf(article);
  const content = html ? cdataSafe(sanitizeContent(xmlText(html), [article.url])) : undefined;
  const summaryHtml = article.summary ? escapeHtml(xmlText(article.summary)) : undefined;
  const sectionName = meta.sectionNames.get(article.section) ?? article.section;
  const item: Item = {
    id: `urn:newsgate:article:${article.id}`,
    link: article.url,
    // Atom titles are typed `html`: a plain-text title must be escaped to mean itself.
    title: format === "atom" ? escapeHtml(xmlText(article.title)) : format === "rss" ? plainCdataSafe(xmlText(article.title)) : xmlText(article.title),
    date: itemDate(article, meta.fallbackDate)!,
    published: article.publishedAt ?? undefined,
    description: summaryHtml,
    content,
    category: [
      { name: attributeText(sectionName), term: attributeText(article.section), domain: meta.sectionScheme, scheme: meta.sectionScheme },
      ...article.tags.map((tag): Category => ({ name: attributeText(tag), term: attributeText(tag) })),
    ],
  };
  const author = article.author ? xmlText(article.author) : null;
  const image = article.image;
  const extension = image ? new URL(image.url).pathname.split(".").pop()!.toLowerCase() : "";
  const imageType = IMAGE_TYPES[extension];
  if (format === "rss") {
    // RSS's <author> must be an e-mail address; names go in dc:creator. Namespaces are declared on
    // the elements themselves, since the package declares its own only when some item has content.
    const extensions: Extension[] = [];
    if (author) extensions.push({ name: "dc:creator", objects: { _attributes: { "xmlns:dc": DUBLIN_CORE_NS }, _text: author } });
    if (image) {
      const size = { ...(image.width ? { width: image.width } : {}), ...(image.height ? { height: image.height } : {}) };
      extensions.push({ name: "media:content", objects: { _attributes: { "xmlns:media": MEDIA_RSS_NS, url: attributeUrl(image.url), medium: "image", ...(imageType ? { type: imageType } : {}), ...size } } });
      if (imageType) item.enclosure = { url: image.url, type: imageType, length: 0 };
    }
    item.extensions = extensions;
  } else {
    if (author) item.author = [{ name: author }];
    // The package derives Atom's enclosure type from the extension, so only images with a known one go there.
    if (image && (format === "json" || imageType)) item.image = image.url;
  }
  return item;
}

/** Turns the package's JSON Feed 1.0 into 1.1: `authors` lists, plain-text summaries, one content field always present. */
function toJsonFeed11(json: string, articles: CatalogArticle[]): string {
  const feed = JSON.parse(json) as Record<string, unknown> & { items: Record<string, unknown>[] };
  feed.version = JSON_FEED_VERSION;
  if (feed.author) {
    feed.authors = [feed.author];
    delete feed.author;
  }
  feed.items.forEach((item, index) => {
    const article = articles[index]!;
    if (item.author) {
      item.authors = [item.author];
      delete item.author;
    }
    if (article.summary) item.summary = xmlText(article.summary);
    else delete item.summary;
    if (!item.content_html) {
      delete item.content_html;
      item.content_text = xmlText(article.summary ?? article.title);
    }
  });
  return JSON.stringify(feed, null, 2);
}

function itemDate(article: CatalogArticle, fallback: Date | null): Date | null {
  return article.updatedAt ?? article.publishedAt ?? fallback;
}

/** Drops characters XML 1.0 cannot carry (controls, lone surrogates, U+FFFE/U+FFFF); JSON gets the same text. */
export function xmlText(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "");
}

/** No `]]>` in HTML headed for CDATA: `&gt;` means the same there. */
function cdataSafe(html: string): string {
  return html.replaceAll("]]>", "]]&gt;");
}

/** No `]]>` in plain text headed for CDATA: a zero-width space splits it without a visible change. */
function plainCdataSafe(text: string): string {
  return text.replaceAll("]]>", "]]\u200b>");
}

/** Category text for an attribute the package escapes only `&` in: `<` cannot appear there, and a tag loses nothing by dropping it. */
function attributeText(text: string): string {
  return xmlText(text).replace(/</g, "");
}

function attributeUrl(url: string): string {
  return url.replace(/&/g, "&amp;").replace(/</g, "%3C");
}
