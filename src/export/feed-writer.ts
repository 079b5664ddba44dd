import { randomUUID } from "node:crypto";
import { Feed, type Author, type Category, type Extension, type Item } from "feed";
import type { ArticleAuthor, ArticleEnclosure } from "../model/article.ts";
import { sanitizeContent } from "../ingest/sanitize.ts";
import { escapeHtml } from "../ingest/escape-html.ts";
import { contentHtmlOf } from "../store/catalog/article-content.ts";
import type { CatalogArticle } from "../store/catalog/catalog-article.ts";

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
const IMAGE_TYPES: Record<string, string> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
};
/** The type RSS's `<enclosure>` and JSON Feed's attachments must name when the source gave none (or none usable). */
const UNKNOWN_MEDIA_TYPE = "application/octet-stream";

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
  // The package writes one Atom enclosure per item, typed from the URL's extension (`image/mp3`): each entry gets
  // a placeholder instead, named by a fresh nonce no article's text can hold, replaced by its own links after.
  const marker = format === "atom" ? `newsgate-enclosures-${randomUUID()}` : "";
  articles.forEach((article, index) => {
    const item = toItem(format, article, meta);
    if (marker && mediaOf(article).length) item.contributor = [{ name: `${marker}:${index}` }];
    feed.addItem(item);
  });
  if (format === "rss") return feed.rss2();
  if (format === "atom") return withAtomEnclosures(feed.atom1().replace(/\n\s*<link\/>/g, ""), marker, articles);
  return toJsonFeed11(feed.json1(), articles);
}

function toItem(format: FeedFormat, article: CatalogArticle, meta: FeedMeta): Item {
  // Sanitized when first shown; sanitized again after dropping what XML 1.0 cannot carry, so nothing reaches a partner that did not pass the allow-list.
  const html = contentHtmlOf(article);
  const content = html ? cdataSafe(sanitizeContent(xmlText(html), article.url ? [article.url] : [])) : undefined;
  const summaryHtml = article.summary ? escapeHtml(xmlText(article.summary)) : undefined;
  const sectionName = meta.sectionNames.get(article.section) ?? article.section;
  const item: Item = {
    id: `urn:newsgate:article:${article.id}`,
    // An item without a page of its own has no link: `feed` then writes none (RSS, JSON) or an empty one (Atom, taken out below).
    link: article.url ?? (undefined as unknown as string),
    // Atom titles are typed `html`: a plain-text title must be escaped to mean itself.
    title:
      format === "atom"
        ? escapeHtml(xmlText(article.title))
        : format === "rss"
          ? plainCdataSafe(xmlText(article.title))
          : xmlText(article.title),
    date: itemDate(article, meta.fallbackDate)!,
    published: article.publishedAt ?? undefined,
    description: summaryHtml,
    content,
    category: [
      // Named alike in every format: an Atom reader shows the term, an RSS reader the text (both the section's name).
      { name: attributeText(sectionName), term: attributeText(sectionName), domain: meta.sectionScheme, scheme: meta.sectionScheme },
      ...article.tags.map((tag): Category => ({ name: attributeText(tag), term: attributeText(tag) })),
    ],
  };
  const names = bylines(article);
  const media = mediaOf(article);
  const image = article.image;
  const extension = image ? new URL(image.url).pathname.split(".").pop()!.toLowerCase() : "";
  const imageType = IMAGE_TYPES[extension];
  if (format === "rss") {
    // RSS's <author> must be an e-mail address (the first author with one); names go in dc:creator, one per author.
    // Namespaces are declared on the elements themselves, since the package declares its own only when some item has content.
    const extensions: Extension[] = [];
    const withEmail = article.authors.find((author) => author.email && emailText(author.email));
    if (withEmail) {
      // Written here rather than by the package, which drops an address given without a name; before the
      // names, so a reader that keeps one author's name (the last it reads) keeps a name rather than an address.
      const email = emailText(withEmail.email!)!;
      const name = withEmail.name ? xmlText(withEmail.name).trim() : "";
      extensions.push({ name: "author", objects: { _text: name ? `${email} (${name})` : email } });
    }
    const creators = names.map((name) => ({ _attributes: { "xmlns:dc": DUBLIN_CORE_NS }, _text: name }));
    // An array of objects writes one element each (the type names one object only).
    if (creators.length)
      extensions.push({
        name: "dc:creator",
        objects: (creators.length === 1 ? creators[0]! : creators) as unknown as Record<string, unknown>,
      });
    if (image) {
      const size = { ...(image.width ? { width: image.width } : {}), ...(image.height ? { height: image.height } : {}) };
      extensions.push({
        name: "media:content",
        objects: {
          _attributes: {
            "xmlns:media": MEDIA_RSS_NS,
            url: attributeUrl(image.url),
            medium: "image",
            ...(imageType ? { type: imageType } : {}),
            ...size,
          },
        },
      });
    }
    // RSS allows one enclosure: the first media file, else the image (which media:content carries anyway).
    const [first] = media;
    if (first) item.enclosure = { url: first.url, type: mediaType(first) ?? UNKNOWN_MEDIA_TYPE, length: byteLength(first) ?? 0 };
    else if (image && imageType) item.enclosure = { url: image.url, type: imageType, length: 0 };
    item.extensions = extensions;
  } else {
    if (format === "atom") item.author = atomAuthors(article, names);
    // The package derives Atom's enclosure type from the extension, so only images with a known one go there.
    if (image && (format === "json" || imageType)) item.image = image.url;
  }
  return item;
}

/** The authors' names for a byline element each: the named authors, else the article's one byline. */
function bylines(article: CatalogArticle): string[] {
  const names = article.authors.map((author) => (author.name ? xmlText(author.name).trim() : "")).filter(Boolean);
  if (names.length) return names;
  const byline = article.author ? xmlText(article.author).trim() : "";
  return byline ? [byline] : [];
}

/** Atom's <author> per author; Atom needs a name, so an author given only by address or page is named by it. */
function atomAuthors(article: CatalogArticle, names: string[]): Author[] | undefined {
  const authors = article.authors
    .map((author): Author | null => {
      const email = author.email ? emailText(author.email) : null;
      const link = author.url ? httpUrl(author.url) : null;
      const name = (author.name ? xmlText(author.name).trim() : "") || email || link;
      return name ? { name, ...(email ? { email } : {}), ...(link ? { link } : {}) } : null;
    })
    .filter((author) => author !== null);
  if (authors.length) return authors;
  return names.length ? names.map((name) => ({ name })) : undefined;
}

/** JSON Feed 1.1 authors (name, url: it has no e-mail field); an author with neither is left out. */
function jsonAuthors(article: CatalogArticle, names: string[]): Record<string, string>[] {
  const authors = article.authors
    .map((author: ArticleAuthor) => {
      const name = author.name ? xmlText(author.name).trim() : "";
      const url = author.url ? httpUrl(author.url) : null;
      return { ...(name ? { name } : {}), ...(url ? { url } : {}) };
    })
    .filter((author) => Object.keys(author).length > 0);
  return authors.length ? authors : names.map((name) => ({ name }));
}

/** The media files a feed can link: absolute http(s) URLs only (a stored copy is checked for types, not for this). */
function mediaOf(article: CatalogArticle): ArticleEnclosure[] {
  return article.enclosures.filter((enclosure) => httpUrl(enclosure.url) !== null);
}

/** A MIME type fit for an attribute: `type/subtype` of token characters, lower-cased, without parameters; null otherwise. */
function mediaType(enclosure: ArticleEnclosure): string | null {
  const type = enclosure.type ? enclosure.type.split(";")[0]!.trim().toLowerCase() : null;
  return type && /^[a-z0-9][a-z0-9!#$^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$^_.+-]{0,126}$/.test(type) ? type : null;
}

function byteLength(enclosure: ArticleEnclosure): number | null {
  return Number.isSafeInteger(enclosure.length) && enclosure.length! > 0 ? enclosure.length : null;
}

function durationSeconds(enclosure: ArticleEnclosure): number | null {
  const seconds = enclosure.durationSeconds;
  return typeof seconds === "number" && Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds) : null;
}

/** The URL as a feed writes it, when it is absolute http(s); null otherwise (the package would throw on it). */
function httpUrl(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/** An e-mail address as text: one word with an @, no angle brackets; null when it is not that. */
function emailText(email: string): string | null {
  const text = xmlText(email).trim();
  return /^[^\s<>()"@]+@[^\s<>()"@]+$/.test(text) ? text : null;
}

/** Replaces each entry's placeholder (see `writeFeed`) with an enclosure link per media file, typed as the source said. */
function withAtomEnclosures(xml: string, marker: string, articles: CatalogArticle[]): string {
  if (!marker) return xml;
  const placeholder = new RegExp(`<contributor>\\s*<name>${marker}:(\\d+)</name>\\s*</contributor>`, "g");
  return xml.replace(placeholder, (_match, index: string) =>
    mediaOf(articles[Number(index)]!)
      .map((enclosure) => {
        // Typed always, as in RSS and JSON Feed: readers take an untyped link for a web page (text/html).
        const type = mediaType(enclosure) ?? UNKNOWN_MEDIA_TYPE;
        const length = byteLength(enclosure);
        return `<link rel="enclosure" href="${escapeHtml(httpUrl(enclosure.url)!)}" type="${type}"${length !== null ? ` length="${length}"` : ""}/>`;
      })
      .join("\n        "),
  );
}

/** Turns the package's JSON Feed 1.0 into 1.1: `authors` lists, attachments, each item's language, plain-text summaries, one content field always present. */
function toJsonFeed11(json: string, articles: CatalogArticle[]): string {
  const feed = JSON.parse(json) as Record<string, unknown> & { items: Record<string, unknown>[] };
  feed.version = JSON_FEED_VERSION;
  if (feed.author) {
    feed.authors = [feed.author];
    delete feed.author;
  }
  feed.items.forEach((item, index) => {
    const article = articles[index]!;
    delete item.author;
    const authors = jsonAuthors(article, bylines(article));
    if (authors.length) item.authors = authors;
    const attachments = mediaOf(article).map((enclosure) => {
      const size = byteLength(enclosure);
      const duration = durationSeconds(enclosure);
      return {
        url: httpUrl(enclosure.url)!,
        mime_type: mediaType(enclosure) ?? UNKNOWN_MEDIA_TYPE,
        ...(size !== null ? { size_in_bytes: size } : {}),
        ...(duration !== null ? { duration_in_seconds: duration } : {}),
      };
    });
    if (attachments.length) item.attachments = attachments;
    if (article.language) item.language = article.language;
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
  return text.replace(
    /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    "",
  );
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
