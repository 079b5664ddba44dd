import { createRequire } from "node:module";
import Parser from "rss-parser";
import sax from "sax";
import { escapeHtml } from "./escape-html.ts";
import { IngestError } from "./ingest-error.ts";
import { MAX_XML_DEPTH, nestingDepth, repairXml } from "./repair-xml.ts";
import { emptyRawItem, type RawFeed, type RawImage, type RawItem } from "./raw-feed.ts";
import { readXmlTree, type XmlTree } from "./xml-tree.ts";

/**
 * Raw xml2js nodes we keep beside rss-parser's own fields: rss-parser drops
 * attributes we need (Atom link rels, `xml:base`, media sizes, category terms).
 */
const ITEM_FIELDS = [
  ["$", "xAttrs", { keepArray: true }],
  ["link", "xLinks", { keepArray: true }],
  ["title", "xTitle", { keepArray: true }],
  ["content", "xContent", { keepArray: true }],
  ["summary", "xSummary", { keepArray: true }],
  ["content:encoded", "xContentEncoded"],
  ["media:content", "xMediaContent", { keepArray: true }],
  ["media:thumbnail", "xMediaThumbnail", { keepArray: true }],
  ["media:group", "xMediaGroup", { keepArray: true }],
  ["media:description", "xMediaDescription"],
  ["itunes:image", "xItunesImage", { keepArray: true }],
  ["dc:creator", "xDcCreator", { keepArray: true }],
  ["dc:subject", "xDcSubject", { keepArray: true }],
  ["dc:date", "xDcDate"],
  ["author", "xAuthor", { keepArray: true }],
  ["category", "xCategory", { keepArray: true }],
  ["published", "xPublished"],
  ["issued", "xIssued"],
  ["updated", "xUpdated"],
  ["modified", "xModified"],
  ["id", "xId"],
  ["guid", "xGuid"],
  ["slash:comments", "xSlashComments"],
  ["thr:total", "xThrTotal"],
  ["itunes:author", "xItunesAuthor", { keepArray: true }],
] as const;
const FEED_FIELDS = [
  ["$", "xAttrs", { keepArray: true }],
  ["title", "xTitle", { keepArray: true }],
] as const;

type XmlNode = Record<string, unknown> & { $?: Record<string, string>; _?: string };
type ParsedItem = Record<string, unknown>;

/**
 * rss-parser builds an Atom entry's date with `new Date(x).toISOString()`, which
 * throws on a bad date and would lose the whole feed. A bad date must cost only
 * that field, so the entry is retried without its dates (we read them ourselves).
 */
interface RssParserInternals {
  parseString(xml: string): Promise<unknown>;
  buildAtomFeed(xml: Record<string, unknown>): Record<string, unknown>;
  parseItemAtom(entry: Record<string, unknown>): ParsedItem;
  parseItemRss(item: XmlNode, itemFields: unknown[]): ParsedItem;
  buildRSS(channel: XmlNode, items: unknown[]): Record<string, unknown>;
  buildRSS2(xml: Record<string, unknown>): Record<string, unknown>;
}
const ParserBase = Parser as unknown as new (options: object) => RssParserInternals;

class TolerantParser extends ParserBase {
  /** What `parseString` makes of xml2js's tree, for a tree read without xml2js: the same dispatch, with `defaultRSS: 2`. */
  buildFeed(tree: XmlTree): Record<string, unknown> {
    const rss = tree.rss as XmlNode | undefined;
    const version = rss && rss.$ && rss.$.version;
    if (tree.feed) return this.buildAtomFeed(tree);
    if (version && /^2/.test(version)) return this.buildRSS2(tree);
    if (tree["rdf:RDF"]) return this.buildRSS1(tree);
    if (version && /0\.9/.test(version)) return this.buildRSS0_9(tree);
    if (rss) return this.buildRSS2(tree);
    throw new Error("Feed not recognized as RSS 1 or 2.");
  }

  /**
   * rss-parser assumes every RSS document has a `<channel>` and crashes on one
   * without (valid, if empty, feeds such as `<rss version="0.91"/>`). RSS 0.9x
   * and 2.0 documents are read here with an empty channel instead; RSS 1.0
   * items are siblings of the channel, so they are read even when it is absent.
   */
  override buildRSS2(xml: Record<string, unknown>): Record<string, unknown> {
    const rss = xml.rss as XmlNode | undefined;
    if (rss && typeof rss === "object" && Array.isArray(rss.channel) && rss.channel[0] && typeof rss.channel[0] === "object") {
      // xml:base may sit on <rss> and on <channel>; the channel's is relative to the root's.
      const channel = rss.channel[0] as XmlNode;
      return { ...super.buildRSS2(xml), xBase: joinBases(rss.$?.["xml:base"], channel.$?.["xml:base"]) };
    }
    // Items straight under <rss>, without a channel, are still items.
    const items = rss && typeof rss === "object" && Array.isArray(rss.item) ? rss.item.filter((i) => i && typeof i === "object") : [];
    return this.buildRSS({}, items);
  }
  buildRSS0_9(xml: Record<string, unknown>): Record<string, unknown> {
    return this.buildRSS2(xml);
  }
  buildRSS1(xml: Record<string, unknown>): Record<string, unknown> {
    const rdf = (xml["rdf:RDF"] ?? {}) as XmlNode;
    const channel = Array.isArray(rdf.channel) && typeof rdf.channel[0] === "object" ? (rdf.channel[0] as XmlNode) : {};
    const items = Array.isArray(rdf.item) ? rdf.item.filter((i) => i && typeof i === "object") : [];
    return this.buildRSS(channel, items);
  }
  /**
   * rss-parser also makes a plain-text snippet of each item's description and
   * content:encoded (two regex passes and an entity decode over the whole body),
   * which nothing here reads: about a tenth of parsing a feed of full-content items.
   * The item is built as rss-parser builds it, without them.
   */
  override parseItemRss(xmlItem: XmlNode, itemFields: unknown[]): ParsedItem {
    // The item's tree is this parse's own: its description is set aside while rss-parser
    // reads it, rather than copying every other field into a new object per item.
    const description = xmlItem.description;
    xmlItem.description = undefined;
    try {
      const item = super.parseItemRss(xmlItem, withoutSnippets(itemFields));
      if (description) item.content = rssParserUtils.getContent((description as unknown[])[0]);
      return item;
    } finally {
      xmlItem.description = description;
    }
  }
  override parseItemAtom(entry: Record<string, unknown>): ParsedItem {
    // As for RSS: the entry's content is taken as rss-parser takes it, without the snippet made of it.
    const { content, ...rest } = entry;
    let item: ParsedItem;
    try {
      item = super.parseItemAtom(rest);
    } catch {
      const { published: _published, updated: _updated, ...undated } = rest;
      item = super.parseItemAtom(undated);
    }
    // Both as rss-parser sets them: our raw copy of the element (ITEM_FIELDS), and its content.
    if (content !== undefined) item.xContent = content;
    if (Array.isArray(content) && content.length > 0) item.content = rssParserUtils.getContent(content[0]);
    return item;
  }
}

/** rss-parser's helpers (not typed): how it reads an element's content. */
const rssParserUtils = createRequire(import.meta.url)("rss-parser/lib/utils.js") as { getContent(node: unknown): string };

/** Item fields of one feed (one array per feed), with rss-parser's `includeSnippet` dropped. */
const fieldsWithoutSnippets = new WeakMap<unknown[], unknown[]>();
function withoutSnippets(fields: unknown[]): unknown[] {
  let plain = fieldsWithoutSnippets.get(fields);
  if (!plain) {
    plain = fields.map((field) => (Array.isArray(field) && field.length > 2 && (field[2] as { includeSnippet?: boolean }).includeSnippet ? [field[0], field[1], { ...field[2], includeSnippet: false }] : field));
    fieldsWithoutSnippets.set(fields, plain);
  }
  return plain;
}

// Entity names sax decodes itself (XML's and HTML's), which the repair pass must leave alone.
const SAX_ENTITIES: ReadonlySet<string> = new Set(Object.keys((sax as unknown as { ENTITIES: Record<string, unknown> }).ENTITIES));

/**
 * Parses RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 text (already decoded from bytes):
 * strictly first, then, only if that fails, once more after the lenient
 * repairs real feed readers make (see `repair-xml.ts`). `readTree` is the
 * shortcut past xml2js; tests pass one that always declines, to compare.
 */
export async function parseXmlFeed(xml: string, readTree: (xml: string) => XmlTree | null = readXmlTree): Promise<RawFeed> {
  const tree = readTree(xml);
  // The shortcut reads nothing nested deeper than MAX_XML_DEPTH, so only what it declines is measured.
  if (tree === null && nestingDepth(xml) > MAX_XML_DEPTH) throw new IngestError("PARSE_ERROR", `XML nests deeper than ${MAX_XML_DEPTH} elements`);
  try {
    return await parseStrict(xml, tree);
  } catch (error) {
    if (!(error instanceof IngestError) || error.code !== "PARSE_ERROR") throw error;
    const repaired = repairXml(xml, SAX_ENTITIES);
    if (repaired === xml) throw error;

    try {
      const feed = await parseStrict(repaired, readTree(repaired));
      return { ...feed, warning: `not well-formed XML, read leniently (${error.message.replace(/^malformed XML: /, "")})` };
    } catch {
      throw error;
    }
  }
}

/** rss-parser's feed from `tree` when the shortcut read one, else from xml2js's. */
async function parseStrict(xml: string, tree: XmlTree | null): Promise<RawFeed> {
  // A fresh parser per feed: a reused one can carry the previous feed's error.
  const parser = new TolerantParser({
    defaultRSS: 2,
    customFields: { item: ITEM_FIELDS, feed: FEED_FIELDS },
  });
  let parsed: Record<string, unknown> & { items?: ParsedItem[] };
  try {
    parsed = (tree ? parser.buildFeed(tree) : await parser.parseString(xml)) as typeof parsed;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/not recognized/i.test(message)) throw new IngestError("UNSUPPORTED_FORMAT", "XML is neither RSS nor Atom", { cause: error });
    throw new IngestError("PARSE_ERROR", `malformed XML: ${firstLine(message)}`, { cause: error });
  }
  const feedBase = attr(parsed.xAttrs, "xml:base") ?? (typeof parsed.xBase === "string" ? parsed.xBase : null);
  return {
    title: htmlOf(first(parsed.xTitle)) ?? text(parsed.title),
    link: text(parsed.link),
    base: feedBase,
    warning: null,
    ttlMinutes: count(text(parsed.ttl)),
    language: null,
    authors: [],
    items: (parsed.items ?? []).map((item) => toRawItem(item, feedBase)),
  };
}

function joinBases(outer: string | undefined, inner: string | undefined): string | null {
  if (!inner) return outer ?? null;
  try {
    return new URL(inner, outer).href;
  } catch {
    return inner;
  }
}

function toRawItem(item: ParsedItem, feedBase: string | null): RawItem {
  const raw = emptyRawItem();
  raw.base = joinBases(feedBase ?? undefined, attr(item.xAttrs, "xml:base") ?? undefined);
  // Identity: RSS guid, Atom id, RDF about, in that order.
  raw.guid = text(item.xGuid) ?? text(item.guid) ?? text(item.xId) ?? text(item.id) ?? text(item["rdf:about"]);

  const titleNode = first(item.xTitle);
  raw.title = text(titleNode) ?? text(item.title);
  // Atom says whether a title is text or HTML; RSS titles are in practice often escaped HTML.
  raw.titleIsHtml = attrOf(titleNode, "type") !== "text";

  // An RSS guid is the permalink unless it says isPermaLink="false"; many feeds forget to
  // say so for bare numbers, so only a guid shaped like a URL or a path counts.
  const guidNode = item.xGuid as XmlNode | string | undefined;
  const guidIsPermalink = typeof guidNode === "string" || (guidNode?.$?.isPermaLink ?? "true").toLowerCase() !== "false";
  raw.link = alternateLink(item.xLinks) ?? text(item.link) ?? (guidIsPermalink && raw.guid && /^(https?:\/\/|\/)/i.test(raw.guid) ? raw.guid : null);

  // Summary and body: RSS description and content:encoded, Atom summary and content.
  const contentNode = first(item.xContent);
  const content = htmlOf(contentNode);
  raw.contentBase = attrOf(contentNode, "xml:base");
  const encoded = text(item.xContentEncoded);
  const summary = htmlOf(first(item.xSummary)) ?? (typeof item.content === "string" && !item.xContent ? item.content : null);
  raw.contentHtml = encoded ?? content;
  raw.summaryHtml = summary ?? text(item.xMediaDescription) ?? mediaGroupDescription(item.xMediaGroup);

  raw.authors = uniqueStrings([...names(item.xDcCreator), ...names(item.xAuthor), ...names(item.xItunesAuthor), text(item.creator)]).map((name) => ({ name, email: null, url: null }));
  raw.published = text(item.xPublished) ?? text(item.xIssued) ?? text(item.pubDate) ?? text(item.xDcDate);
  raw.updated = text(item.xUpdated) ?? text(item.xModified);
  raw.categories = uniqueStrings([...categories(item.xCategory), ...names(item.xDcSubject)]);
  raw.images = images(item);
  // Engagement: Slashdot's module, Atom threading's total or its replies link's count.
  raw.commentCount = count(text(item.xSlashComments)) ?? count(text(item.xThrTotal)) ?? repliesCount(item.xLinks);
  return raw;
}

/** Atom `<link rel="alternate">` (or no rel) wins; RSS has a plain `<link>` text node. */
function alternateLink(links: unknown): string | null {
  if (!Array.isArray(links)) return null;
  let fallback: string | null = null;
  for (const link of links as unknown[]) {
    if (typeof link === "string") {
      if (link.trim()) return link.trim();
      continue;
    }
    const node = link as XmlNode;
    const href = node.$?.href?.trim();
    if (!href) {
      if (typeof node._ === "string" && node._.trim()) fallback ??= node._.trim();
      continue;
    }
    const rel = node.$?.rel ?? "alternate";
    if (rel === "alternate") return href;
    if (rel !== "self" && rel !== "enclosure" && rel !== "replies" && rel !== "edit") fallback ??= href;
  }
  return fallback;
}

/**
 * Atom text constructs: `type="text"` must be escaped before it is treated as
 * HTML; Atom 0.3's `mode="base64"` carries the markup encoded.
 */
function htmlOf(node: unknown): string | null {
  if (node === undefined || node === null) return null;
  if (typeof node === "string") return node.trim() ? node : null;
  const element = node as XmlNode;
  const type = element.$?.type;
  if (typeof element._ === "string") {
    const value = element.$?.mode === "base64" ? Buffer.from(element._.replace(/\s+/g, ""), "base64").toString("utf8") : element._;
    if (type === "text" || type === "text/plain") return escapeHtml(value);
    return value.trim() ? value : null;
  }
  if (type === "xhtml" || Object.keys(element).some((key) => key !== "$")) {
    const { $: _attrs, ...children } = element;
    return Object.keys(children).length ? new XmlBuilder().build(children) : null;
  }
  return null;
}

/** Rebuilds inline XHTML content (Atom `type="xhtml"`) as markup for the sanitizer. */
class XmlBuilder {
  build(children: Record<string, unknown>): string {
    let out = "";
    for (const [name, values] of Object.entries(children)) {
      if (name === "_") {
        out += escapeHtml(String(values));
        continue;
      }
      for (const value of Array.isArray(values) ? values : [values]) out += this.element(name.replace(/^[a-z]+:/i, ""), value);
    }
    return out;
  }
  private element(name: string, value: unknown): string {
    if (typeof value === "string") return `<${name}>${escapeHtml(value)}</${name}>`;
    const node = value as XmlNode;
    const attrs = Object.entries(node.$ ?? {})
      .filter(([key]) => !key.startsWith("xmlns"))
      .map(([key, v]) => ` ${key}="${escapeHtml(v)}"`)
      .join("");
    const { $: _a, ...children } = node;
    return `<${name}${attrs}>${this.build(children)}</${name}>`;
  }
}

function mediaGroupDescription(groups: unknown): string | null {
  for (const group of asArray(groups)) {
    const description = text((group as XmlNode)["media:description"]);
    if (description) return description;
  }
  return null;
}

function images(item: ParsedItem): RawImage[] {
  const found: RawImage[] = [];
  const media = (nodes: unknown) => {
    for (const node of asArray(nodes)) {
      const a = (node as XmlNode)?.$;
      if (!a?.url) continue;
      const medium = a.medium ?? "";
      const type = a.type ?? "";
      if (medium && medium !== "image") continue;
      if (!medium && type && !type.startsWith("image/")) continue;
      found.push({ url: a.url, width: toInt(a.width), height: toInt(a.height) });
    }
  };
  media(item.xMediaContent);
  for (const group of asArray(item.xMediaGroup)) {
    media((group as XmlNode)["media:content"]);
    media((group as XmlNode)["media:thumbnail"]);
  }
  media(item.xMediaThumbnail);
  const enclosure = item.enclosure as { url?: string; type?: string } | undefined;
  if (enclosure?.url && (enclosure.type ?? "").startsWith("image/")) found.push({ url: enclosure.url });
  for (const node of asArray(item.xItunesImage)) {
    const href = (node as XmlNode)?.$?.href;
    if (href) found.push({ url: href });
  }
  return found;
}

function categories(nodes: unknown): string[] {
  return asArray(nodes).map((node) => {
    if (typeof node === "string") return node;
    const element = node as XmlNode;
    return element.$?.label ?? element.$?.term ?? (typeof element._ === "string" ? element._ : null);
  }).filter((value): value is string => typeof value === "string");
}

function names(nodes: unknown): string[] {
  return asArray(nodes).map((node) => {
    if (typeof node === "string") return node;
    const element = node as XmlNode;
    // Atom <author><name>…</name></author>; RSS <author> is an e-mail, optionally with a name.
    return text(element.name) ?? text(element._) ?? null;
  }).filter((value): value is string => typeof value === "string");
}

function text(value: unknown): string | null {
  if (Array.isArray(value)) return text(value[0]);
  if (typeof value === "string") return value.trim() ? value.trim() : null;
  if (value && typeof value === "object" && typeof (value as XmlNode)._ === "string") return text((value as XmlNode)._);
  return null;
}

function attr(attrs: unknown, name: string): string | null {
  if (!attrs || typeof attrs !== "object") return null;
  const value = (attrs as Record<string, unknown>)[name];
  return typeof value === "string" && value.trim() ? value.trim() : null;
}

function attrOf(node: unknown, name: string): string | null {
  return node && typeof node === "object" ? attr((node as XmlNode).$, name) : null;
}

function first(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function count(value: string | null | undefined): number | null {
  if (!value || !/^\s*\d{1,9}\s*$/.test(value)) return null;
  return Number(value);
}

function repliesCount(links: unknown): number | null {
  for (const link of asArray(links)) {
    const attrs = (link as XmlNode)?.$;
    if (attrs?.rel === "replies") {
      const value = count(attrs["thr:count"]);
      if (value !== null) return value;
    }
  }
  return null;
}

function toInt(value: string | undefined): number | null {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : null;
}

function uniqueStrings(values: (string | null | undefined)[]): string[] {
  const seen = new Set<string>();
  for (const value of values) {
    const trimmed = value?.trim();
    if (trimmed) seen.add(trimmed);
  }
  return [...seen];
}


function firstLine(message: string): string {
  return message.split("\n")[0]!.slice(0, 200);
}
