import Parser from "rss-parser";
import { IngestError } from "./ingest-error.ts";
import type { RawFeed, RawItem } from "../model/raw-feed.ts";
import { attribute, child, childText, findElement, type ElementName } from "./xml/elements.ts";
import { atomLinks, pageLink } from "./xml/links.ts";
import { authorsOf } from "./xml/people.ts";
import { count, joinBases, readEntry } from "./xml/read-entry.ts";
import { readXml, type XmlElement } from "./xml/read-xml.ts";
import { textConstructHtml } from "./xml/text-construct.ts";
import { elementOf, xml2jsView } from "./xml/xml2js-view.ts";

const CHANNEL: ElementName = ["", "channel"];
const FEED_LANGUAGE: readonly ElementName[] = [
  ["", "language"],
  ["dc", "language"],
];

type ParsedItem = Record<string | symbol, unknown>;
type ParsedFeed = { items?: ParsedItem[] };
type ViewNode = Record<string, unknown> & { $?: Record<string, string> };

/**
 * rss-parser's private builders, which read a tree in xml2js's shape (see
 * xml/xml2js-view.ts). rss-parser decides what the document is (RSS 0.9x,
 * 1.0, 2.0, Atom) and which elements are its items, as it always has.
 */
interface RssParserInternals {
  buildAtomFeed(xml: Record<string, unknown>): ParsedFeed;
  buildRSS(channel: ViewNode, items: unknown[]): ParsedFeed;
  buildRSS2(xml: Record<string, unknown>): ParsedFeed;
  parseItemAtom(entry: Record<string, unknown>): ParsedItem;
  parseItemRss(item: ViewNode): ParsedItem;
}
const ParserBase = Parser as unknown as new (options: object) => RssParserInternals;

/** Set on each item rss-parser builds: the element of the document it was built from. */
const FROM = Symbol("element");

class FeedRecognizer extends ParserBase {
  /** What `parseString` does with xml2js's tree, for the view: the same dispatch, with `defaultRSS: 2`. */
  buildFeed(tree: Record<string, unknown>): ParsedFeed {
    const rss = tree.rss as ViewNode | undefined;
    const version = rss?.$?.version;
    if (tree.feed) return this.buildAtomFeed(tree);
    if (version && /^2/.test(version)) return this.buildRSS2(tree);
    if (tree["rdf:RDF"]) return this.buildRSS1(tree);
    if (rss) return this.buildRSS2(tree);
    throw new Error("Feed not recognized as RSS 1 or 2.");
  }

  /**
   * rss-parser assumes every RSS document has a `<channel>` and crashes on one
   * without (valid, if empty, feeds such as `<rss version="0.91"/>`). Items
   * straight under `<rss>`, without a channel, are still items.
   */
  override buildRSS2(xml: Record<string, unknown>): ParsedFeed {
    const rss = xml.rss as ViewNode | undefined;
    if (rss && typeof rss === "object" && Array.isArray(rss.channel) && rss.channel[0] && typeof rss.channel[0] === "object")
      return super.buildRSS2(xml);
    const items = rss && typeof rss === "object" && Array.isArray(rss.item) ? rss.item.filter((i) => i && typeof i === "object") : [];
    return this.buildRSS({}, items);
  }
  /** RSS 1.0 items are siblings of the channel, so they are read even when it is absent. */
  buildRSS1(xml: Record<string, unknown>): ParsedFeed {
    const rdf = (xml["rdf:RDF"] ?? {}) as ViewNode;
    const channel = Array.isArray(rdf.channel) && typeof rdf.channel[0] === "object" ? (rdf.channel[0] as ViewNode) : {};
    const items = Array.isArray(rdf.item) ? rdf.item.filter((i) => i && typeof i === "object") : [];
    return this.buildRSS(channel, items);
  }
  /**
   * Each item's fields are read from the document (xml/read-entry.ts), so
   * rss-parser's own reading of them (copies, plain-text snippets of every
   * body, dates) would be thrown away: an item is only the element it is.
   */
  override parseItemRss(xmlItem: ViewNode): ParsedItem {
    return { [FROM]: elementOf(xmlItem) };
  }
  override parseItemAtom(entry: Record<string, unknown>): ParsedItem {
    return { [FROM]: elementOf(entry) };
  }
}

/**
 * The element that is the feed: the root, or a feed a page wraps (an Atom
 * feed inside an XHTML page). An Atom entry document is a feed of one entry.
 */
function feedElement(root: XmlElement): XmlElement | null {
  if (root.ns === "atom" && root.local === "entry")
    return { ns: "atom", local: "feed", prefix: null, attributes: {}, children: [root], cdata: false, end: root.end };
  return findElement(
    root,
    (element) =>
      (element.local === "feed" && element.ns === "atom") ||
      (element.local === "rss" && element.ns === "") ||
      (element.local === "RDF" && element.ns === "rdf"),
  );
}

/**
 * Parses RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 text (already decoded from bytes).
 * The document is read once, leniently (see xml/read-xml.ts); rss-parser
 * recognizes the format and finds the items; each item's fields are read
 * from the document itself, by namespace and in order (xml/read-entry.ts).
 * A document that needed repairs is read with a warning saying which; an item
 * the document was cut off inside is left out, as it is unfinished.
 */
export async function parseXmlFeed(xml: string): Promise<RawFeed> {
  const document = readXml(xml);
  if (!document.root) throw new IngestError("PARSE_ERROR", "malformed XML: no element in the document");
  const feed = feedElement(document.root);
  if (!feed) throw new IngestError("UNSUPPORTED_FORMAT", "XML is neither RSS nor Atom");

  let parsed: ParsedFeed;
  try {
    // A fresh parser per feed: a reused one can carry the previous feed's error.
    parsed = new FeedRecognizer({ defaultRSS: 2 }).buildFeed(xml2jsView(feed));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/not recognized/i.test(message)) throw new IngestError("UNSUPPORTED_FORMAT", "XML is neither RSS nor Atom", { cause: error });
    throw new IngestError("PARSE_ERROR", `malformed XML: ${message.split("\n")[0]!.slice(0, 200)}`, { cause: error });
  }

  // The channel carries an RSS feed's own fields; Atom's and RSS 1.0's documents hold them at the root or in a channel.
  const channel = child(feed, CHANNEL) ?? feed;
  const base = feed === channel ? attribute(feed, "xml:base") : joinBases(attribute(feed, "xml:base"), attribute(channel, "xml:base"));
  const items: RawItem[] = [];
  let unfinished = 0;
  for (const item of parsed.items ?? []) {
    const element = item[FROM] as XmlElement | null;
    if (!element) continue;
    if (element.end === "eof") {
      unfinished++;
      continue;
    }
    items.push(readEntry(element, base));
  }

  const problems = [...document.problems];
  if (unfinished > 0)
    problems.push(
      `cut off inside an item: the ${items.length} complete item${items.length === 1 ? "" : "s"} kept, the unfinished one left out`,
    );
  return {
    title: textConstructHtml(child(channel, ["atom", "title"]) ?? child(channel, ["", "title"])),
    link: pageLink(channel),
    base,
    warning: problems.length > 0 ? `not well-formed XML, read leniently (${problems.join("; ")})` : null,
    ttlMinutes: count(childText(channel, [["", "ttl"]])),
    language: attribute(channel, "xml:lang") ?? attribute(feed, "xml:lang") ?? childText(channel, FEED_LANGUAGE),
    authors: authorsOf(channel),
    items,
    // WebSub discovery: Atom links of the feed (or, in RSS, of the channel), found by namespace whatever their prefix.
    hubs: atomLinks(channel, "hub").flatMap((link) => attribute(link, "href") ?? []),
    selfUrl: atomLinks(channel, "self").map((link) => attribute(link, "href"))[0] ?? null,
  };
}
