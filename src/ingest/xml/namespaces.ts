/**
 * Namespaces are matched by URI, never by the prefix a writer chose: the .NET
 * syndication writer calls Atom `a10:`, some writers make it the default
 * namespace of one element, others `p0:`. Each namespace a feed reader needs
 * has one short name here; an element's name for rss-parser is that short
 * name as its prefix (see `xml2js-view.ts`), whatever the document wrote.
 */
export type KnownNamespace =
  | "rss"
  | "atom"
  | "rdf"
  | "dc"
  | "dcterms"
  | "content"
  | "media"
  | "itunes"
  | "googleplay"
  | "podcast"
  | "slash"
  | "thr"
  | "xhtml"
  | "xml"
  | "feedburner"
  | "wfw"
  | "sy"
  | "georss"
  | "enc"
  | "yt";

/** The namespace of an element or attribute: a known one's short name, an unknown one's URI, or "" for none. */
export type Namespace = KnownNamespace | (string & {});

/**
 * Known namespace URIs, compared without case and without a trailing slash or
 * `#` (writers vary in both: `http://search.yahoo.com/mrss` and `…/mrss/`,
 * `http://www.itunes.com/DTDs/Podcast-1.0.dtd`).
 */
const BY_URI: ReadonlyMap<string, KnownNamespace> = new Map<string, KnownNamespace>([
  // RSS 1.0 and 0.90 put their elements in a namespace; RSS 2.0 has none (UserLand's is a rare extra).
  ["http://purl.org/rss/1.0", "rss"],
  ["http://my.netscape.com/rdf/simple/0.9", "rss"],
  ["http://channel.netscape.com/rdf/simple/0.9", "rss"],
  ["http://backend.userland.com/rss2", "rss"],
  ["http://blogs.law.harvard.edu/tech/rss", "rss"],
  ["http://www.w3.org/2005/atom", "atom"],
  ["http://purl.org/atom/ns", "atom"],
  ["http://www.w3.org/1999/02/22-rdf-syntax-ns", "rdf"],
  ["http://purl.org/dc/elements/1.1", "dc"],
  ["http://purl.org/dc/terms", "dcterms"],
  ["http://purl.org/rss/1.0/modules/content", "content"],
  ["http://search.yahoo.com/mrss", "media"],
  ["http://www.itunes.com/dtds/podcast-1.0.dtd", "itunes"],
  ["http://www.google.com/schemas/play-podcasts/1.0", "googleplay"],
  ["https://podcastindex.org/namespace/1.0", "podcast"],
  ["http://purl.org/rss/1.0/modules/slash", "slash"],
  ["http://purl.org/syndication/thread/1.0", "thr"],
  ["http://www.w3.org/1999/xhtml", "xhtml"],
  ["http://www.w3.org/xml/1998/namespace", "xml"],
  ["http://rssnamespace.org/feedburner/ext/1.0", "feedburner"],
  ["http://wellformedweb.org/commentapi", "wfw"],
  ["http://purl.org/rss/1.0/modules/syndication", "sy"],
  ["http://www.georss.org/georss", "georss"],
  ["http://purl.oclc.org/net/rss_2.0/enc", "enc"],
  ["http://www.youtube.com/xml/schemas/2015", "yt"],
]);

/** URIs as documents write them, resolved: a feed declares a handful, for thousands of elements. */
const RESOLVED = new Map<string, Namespace>();

/** The namespace a URI names: its short name when known, else the URI itself. */
export function namespaceOf(uri: string): Namespace {
  if (uri === "") return "";
  let ns = RESOLVED.get(uri);
  if (ns === undefined) {
    ns =
      BY_URI.get(
        uri
          .trim()
          .toLowerCase()
          .replace(/[/#]+$/, ""),
      ) ?? uri;
    // Bounded: a document can declare any number of made-up namespaces.
    if (RESOLVED.size < 1024) RESOLVED.set(uri, ns);
  }
  return ns;
}

/**
 * Prefixes every XML document has without declaring them (`xml:`), and the
 * ones real feeds use without declaring them often enough that a lenient
 * reader takes the usual meaning (an undeclared `dc:` or `media:` in a feed
 * is a mistake of its writer, not a different vocabulary).
 */
export const CONVENTIONAL_PREFIXES: ReadonlyMap<string, KnownNamespace> = new Map<string, KnownNamespace>([
  ["xml", "xml"],
  ["atom", "atom"],
  ["rdf", "rdf"],
  ["dc", "dc"],
  ["dcterms", "dcterms"],
  ["content", "content"],
  ["media", "media"],
  ["itunes", "itunes"],
  ["slash", "slash"],
  ["thr", "thr"],
  ["feedburner", "feedburner"],
]);
