/**
 * Corpus comparison: what Newsgate serves, entry by entry and field by field,
 * against an independent reader (Debian's python3-feedparser 6.0; for JSON
 * Feed, which feedparser 6.0 cannot read, a plain reading of the JSON Feed spec
 * in reference_reader.py), over every real-world feed file we hold.
 *
 * Run: `npm run corpus:compare` (writes tests/corpus/report.md and report.json).
 * Used by tests/corpus/compare.test.ts.
 *
 * Everything is served from one loopback fixture server, byte for byte, and
 * read through the real pipeline (fetch, decode, detect, parse, normalize);
 * the reference reader runs once, in one Python process, on the same bytes.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Parser } from "htmlparser2";
import pLimit from "p-limit";
import { parseSourcesConfig } from "../../src/config/sources-file.ts";
import type { Article } from "../../src/model/article.ts";
import { createFetcher } from "../../src/ingest/fetcher.ts";
import { IngestPool } from "../../src/ingest/ingest-pool.ts";
import { readSource } from "../../src/ingest/read-source.ts";
import { contentHtmlOf } from "../../src/store/catalog/article-content.ts";
import { MAX_AUTHOR_NAME_CHARS, MAX_AUTHORS } from "../../src/ingest/authors.ts";
import { sanitizeContent } from "../../src/ingest/sanitize.ts";
import { decodeHTML } from "entities";
import { startFixtureServer, type Route } from "../helpers/fixture-server.ts";
import type { SourceSnapshot } from "../../src/model/source-snapshot.ts";

// ---------------------------------------------------------------------------------------------
// Settings

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.resolve(HERE, "../fixtures");
/** The fixed clock (as tests/ingest/corpus.test.ts): dates after it are "future", output never changes with the day. */
export const NOW = Date.UTC(2026, 10, 28);
export const PYTHON = "/usr/bin/python3";
const READER_SCRIPT = path.join(HERE, "reference_reader.py");
/** Where the fixture server's real origin (a random port) is written in the report, so output is deterministic. */
const FIXTURE_ORIGIN = "http://fixtures.test";
/** Our summaries are cut near SUMMARY_MAX_CHARS (src/ingest/text.ts); titles near TITLE_MAX_CHARS. */
const ELLIPSIS = "…";
/** Dates within this are the same instant. */
const DATE_TOLERANCE_MS = 1000;
const EXCERPT = 120;

/** The folders of real-world feeds: each has feeds/<origin>/... (globbed at run time; a missing one is skipped). */
export const DEFAULT_ROOTS: CorpusRoot[] = [
  { name: "corpus", dir: path.join(FIXTURES, "corpus") },
  { name: "real-world", dir: path.join(FIXTURES, "real-world") },
];

export interface CorpusRoot {
  name: string;
  dir: string;
}

export interface CompareOptions {
  roots?: CorpusRoot[];
  now?: number;
  python?: string;
  /** Only files whose id contains this (for a quick look at one feed). */
  filter?: string;
}

// ---------------------------------------------------------------------------------------------
// Report model

export const FIELDS = ["title", "link", "date", "author", "summary", "body"] as const;
export type Field = (typeof FIELDS)[number];
export type SevereKind = "reordered" | "merged" | "feedUrlAsLink";

export interface Difference {
  field: Field | "missing" | "extra";
  entry: string;
  /** Set when a documented rule explains it (KNOWN_DIFFERENCES): not our fault. */
  known: string | null;
  ours: string;
  reference: string;
}

export interface SevereFault {
  kind: SevereKind;
  file: string;
  entry: string;
  detail: string;
}

export interface FileReport {
  file: string;
  origin: string;
  format: string | null;
  wellFormed: boolean | null;
  reader: string;
  referenceVersion: string;
  referenceBozo: string | null;
  referenceEntries: number;
  oursOk: boolean;
  oursError: string | null;
  oursWarning: string | null;
  oursItemsSeen: number;
  oursArticles: number;
  matched: number;
  /** Reference entries with a real difference (missing, or any field differing, known differences aside). */
  entriesDiffering: number;
  differences: Difference[];
  severe: SevereFault[];
}

export interface FieldTotals {
  compared: number;
  equal: number;
  differ: number;
  known: number;
}

export interface Totals {
  files: number;
  filesCompared: number;
  referenceEntries: number;
  oursArticles: number;
  matched: number;
  missing: number;
  missingKnown: number;
  extra: number;
  extraKnown: number;
  entriesDiffering: number;
  /** entriesDiffering / referenceEntries. */
  differingShare: number;
  fields: Record<Field, FieldTotals>;
  severe: Record<SevereKind, number>;
  knownByRule: Record<string, number>;
}

export interface Report {
  now: string;
  readers: string[];
  totals: Totals;
  byOrigin: Record<
    string,
    Omit<Totals, "fields" | "knownByRule" | "files" | "filesCompared"> & { files: number; fields: Record<Field, number> }
  >;
  referenceUnreadable: { file: string; reason: string; oursArticles: number }[];
  oursRefused: { file: string; error: string; referenceEntries: number }[];
  files: FileReport[];
  severe: SevereFault[];
  rules: { id: string; field: string; reason: string }[];
}

// ---------------------------------------------------------------------------------------------
// An entry's own markup (RefEntry.entryXml): which elements it holds, read plainly (no namespace resolution:
// the conventional prefixes, as feeds write them).

export interface EntryElement {
  prefix: string;
  local: string;
  attrs: string;
  /** The element's content as XML (CDATA and entities as written). */
  inner: string;
}

const XML_TOKEN =
  /<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->|<[?!][^>]*>|<(\/?)(?:([A-Za-z_][\w.-]*):)?([A-Za-z_][\w.-]*)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>/g;

/** The elements in an entry's markup, in document order (by start), leaving out whatever is inside an atom:source. */
export function entryElements(xml: string): EntryElement[] {
  const open: { prefix: string; local: string; attrs: string; innerStart: number; order: number }[] = [];
  const done: (EntryElement & { order: number })[] = [];
  let order = 0;
  const inSource = () => open.slice(1).some((o) => o.local === "source");
  for (const m of xml.matchAll(XML_TOKEN)) {
    if (m[3] === undefined) continue; // CDATA, comment, declaration
    const [, close, prefix = "", local, attrs = "", selfClosing] = m;
    if (close) {
      const i = open.map((o) => `${o.prefix}:${o.local}`).lastIndexOf(`${prefix}:${local}`);
      if (i < 0) continue;
      const el = open[i]!;
      open.length = i + 1;
      const source = inSource() && el.local !== "source";
      open.pop();
      if (!source)
        done.push({ prefix: el.prefix, local: el.local, attrs: el.attrs, inner: xml.slice(el.innerStart, m.index), order: el.order });
    } else if (selfClosing) {
      if (!inSource()) done.push({ prefix, local: local!, attrs, inner: "", order: order++ });
    } else open.push({ prefix, local: local!, attrs, innerStart: m.index! + m[0].length, order: order++ });
  }
  return done.sort((a, b) => a.order - b.order).map(({ order: _, ...el }) => el);
}

/** An element's content as a reader sees it: CDATA as written, the rest with its entities decoded once. */
export function elementValue(inner: string): string {
  return inner
    .split(/(<!\[CDATA\[[\s\S]*?\]\]>)/)
    .map((part) => (part.startsWith("<![CDATA[") ? part.slice(9, -3) : decodeHTML(part)))
    .join("");
}

/** An element's text, read as HTML and as plain text (a reader may take it either way). */
const elementTexts = (el: EntryElement) => {
  const value = elementValue(el.inner);
  return [...new Set([htmlText(value), collapse(value)])].filter(Boolean);
};

/**
 * Where a summary-like element stands in our order (src/ingest/xml/read-entry.ts SUMMARY: atom summary, description,
 * summary, dc:description, itunes:summary, itunes:subtitle, media:description), or Infinity for one only feedparser
 * reads (dcterms:description); null for any other element.
 */
export function summaryRank(el: EntryElement, atomEntry: boolean): number | null {
  const { prefix, local } = el;
  if (local === "summary")
    return prefix === "atom" || (prefix === "" && atomEntry) ? 0 : prefix === "" ? 2 : prefix === "itunes" ? 4 : null;
  if (local === "description")
    return prefix === "" ? 1 : prefix === "dc" ? 3 : prefix === "media" ? 6 : prefix === "dcterms" ? Infinity : null;
  if (local === "subtitle") return prefix === "itunes" ? 5 : null;
  return null;
}

/** The entry's summary-like elements that hold text, each with its rank in our order and its texts. */
export function summaryElements(xml: string): { rank: number; name: string; texts: string[] }[] {
  const atomEntry = /^<(?:atom:)?entry[\s>]/.test(xml.trimStart());
  return entryElements(xml).flatMap((el) => {
    const rank = summaryRank(el, atomEntry);
    const texts = rank === null ? [] : elementTexts(el);
    return texts.length ? [{ rank: rank!, name: el.prefix ? `${el.prefix}:${el.local}` : el.local, texts }] : [];
  });
}

type SummaryElement = ReturnType<typeof summaryElements>[number];
/** Of an entry's summary-like elements, the one our order picks: the first by rank that holds text (document order among equals). */
export function ourSummaryElement(list: SummaryElement[]): SummaryElement | null {
  return list
    .filter((e) => Number.isFinite(e.rank))
    .reduce<SummaryElement | null>((best, e) => (!best || e.rank < best.rank ? e : best), null);
}
/** itunes:summary and itunes:subtitle (ranks 4, 5): a podcast's blurb, not a description. */
const PODCAST_RANKS = new Set([4, 5]);
/** The feed escaped an entity twice in the entry's own markup ("&amp;ldquo;"). */
const DOUBLE_ESCAPED_ENTITY = /&amp;(?:[a-z][a-z0-9]*|#\d+|#x[0-9a-f]+);/i;

const attr = (attrs: string, name: string) =>
  new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`)
    .exec(attrs)
    ?.slice(1)
    .find((v) => v !== undefined);

/** The entry's link elements (RSS <link>text</link>, Atom <link href>): rel (Atom's default "alternate"), type, href or text. */
export function entryLinks(xml: string): { rel: string; type: string | null; href: string | null; attrs: string; atom: boolean }[] {
  return entryElements(xml)
    .filter((el) => el.local === "link" && (el.prefix === "" || el.prefix === "atom"))
    .map((el) => {
      const hrefAttr = attr(el.attrs, "href");
      const atom = hrefAttr !== undefined;
      const value = atom ? decodeHTML(hrefAttr!).trim() : elementValue(el.inner).trim();
      return {
        rel: (attr(el.attrs, "rel") ?? "alternate").trim().toLowerCase(),
        type: attr(el.attrs, "type")?.trim().toLowerCase() ?? null,
        href: value || null,
        attrs: el.attrs,
        atom,
      };
    });
}

/** Whether the entry has a link of its own: an RSS <link> with text, or an Atom link with no rel or rel="alternate". */
export function hasOwnLink(xml: string): boolean {
  return entryLinks(xml).some((l) => l.rel === "alternate" && (!!l.href || l.atom));
}

const HTML_TYPE = /^(text\/html|application\/xhtml\+xml)$/;
/** Some resolution of a link as written that gives ours: as it is, against our home page, the reference's, or the document. */
const resolvesTo = (c: RuleCase, link: string) =>
  [
    link,
    href(link, c.oursFeedLink ?? undefined),
    href(link, href(c.reference.feedLink, c.feedUrl) ?? undefined),
    href(link, c.feedUrl),
  ].includes(c.ours);
/** The reference link is the entry's id/guid (feedparser's fallback when it finds no link it takes). */
const theirsIsId = (c: RuleCase) => !!c.theirs && !!c.ref?.id && (c.theirs === href(c.ref.id, c.feedUrl) || c.theirs === c.ref.id.trim());

// ---------------------------------------------------------------------------------------------
// Known differences: where the reference is wrong, or the models differ on purpose. Each is
// reported as "known: reason", never hidden, never counted as our fault. General rules only.

interface Reference {
  reader: string;
  bozo: boolean;
  bozoException: string | null;
  version: string;
  feedTitle: string | null;
  feedLink: string | null;
  selfLinks: string[];
  feedAuthor: string | null;
  /** The feed-level authors (feedparser's feed.authors; JSON Feed's top-level authors/author). */
  feedAuthorList: RefAuthor[];
  /** The document's text before its first item/entry (XML only). */
  feedHead?: string;
  /** The encoding feedparser read the document in (XML only). */
  encoding?: string | null;
  /** Whether the document's bytes are valid UTF-8 (BOM aside). */
  utf8Valid?: boolean;
  /** Whether the document has a full-content element at all (content:encoded, atom content, xhtml body). */
  hasContentElement: boolean;
  entries: RefEntry[];
}

interface RefEntry {
  id: string | null;
  title: string | null;
  titleType: string;
  link: string | null;
  links: string[];
  author: string | null;
  authors: string[];
  /** The entry's authors as the reference gives them (JSON Feed: the item's, else the feed's, as the spec says). */
  authorList: RefAuthor[];
  /** Whether the entry's markup in the document has an author element of its own (null: cannot tell). */
  authorInDocument: boolean | null;
  /** The entry's own markup in the document (XML only; null when its elements cannot be lined up with the entries). */
  entryXml?: string | null;
  date: string | null;
  dateRaw: string | null;
  summary: string | null;
  summaryType: string;
  content: string | null;
  contentType: string | null;
  enclosures: string[];
  /** The summary/content as the feed wrote them (feedparser with sanitize_html=False), when they differ; only for documents that may hold <script>/<style>. */
  summaryUnsanitized?: string | null;
  contentUnsanitized?: string | null;
}

interface RefAuthor {
  name: string | null;
  email: string | null;
}

/** What a rule sees of one difference. */
interface RuleCase {
  field: Field | "missing" | "extra";
  ref: RefEntry | null;
  article: Article | null;
  reference: Reference;
  /** The normalized values compared (text for text fields, href for links, ISO for dates). */
  ours: string;
  theirs: string;
  feedUrl: string;
  /** Our feed's home page (the snapshot's feedLink), absolute. */
  oursFeedLink: string | null;
  now: number;
  /** Whether another reference value (as text/href) would have matched ours under this field's comparison. */
  sameAs: (theirs: string) => boolean;
}

interface KnownRule {
  id: string;
  field: Field | "missing" | "extra";
  reason: string;
  applies: (c: RuleCase) => boolean;
}

// Windows-1252's characters for 0x80–0x9F; the rest of 0x80–0xFF are Latin-1 (and 0x81, 0x8D, 0x8F, 0x90, 0x9D,
// which Windows-1252 leaves undefined, come out as the C1 controls of the same code, as Latin-1 reads them).
const CP1252_HIGH = "€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ";
/** The byte a character was read from when UTF-8 was read as Windows-1252 or Latin-1, or -1. */
function cp1252Byte(ch: string): number {
  const i = CP1252_HIGH.indexOf(ch);
  if (i >= 0) return 0x80 + i;
  const code = ch.charCodeAt(0);
  return code >= 0x80 && code <= 0xff && ch.length === 1 ? code : -1;
}
const utf8Fatal = new TextDecoder("utf-8", { fatal: true });
/**
 * UTF-8 that was read as Windows-1252 or Latin-1 ("CÃ´te dâ€™Ivoire"), each well-formed sequence (a lead byte
 * C2–F4 and exactly the continuation bytes it asks for) turned back when it is valid UTF-8; anything else kept.
 * A space where a continuation byte is due is read as the NBSP (0xA0) our whitespace collapsing made of it
 * (and a two-byte lead last in the text as one whose NBSP was trimmed). That space may also have stood for the NBSP
 * and a space after it ("Ã\u00A0 la" collapses to "Ã la"): `spaceAfterNbsp` reads it so.
 */
export function unmojibake(text: string, spaceAfterNbsp = false): string {
  const ch = [...text];
  let out = "";
  for (let i = 0; i < ch.length; i++) {
    const lead = cp1252Byte(ch[i]!);
    const need = lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : 0;
    if (need) {
      const bytes = [lead];
      for (let k = 1; k <= need && i + k < ch.length; k++) {
        const b = ch[i + k] === " " ? 0xa0 : cp1252Byte(ch[i + k]!);
        if (b < 0x80 || b > 0xbf) break;
        bytes.push(b);
      }
      // "Â"/"Ã" last: its 0xA0 was trailing whitespace that collapsing trimmed.
      if (need === 1 && bytes.length === 1 && i === ch.length - 1) bytes.push(0xa0);
      if (bytes.length === need + 1) {
        try {
          out += utf8Fatal.decode(Uint8Array.from(bytes));
          // Collapsing made one space of an NBSP byte and the space after it: give the space back when asked.
          if (spaceAfterNbsp && ch[i + need] === " " && bytes[need] === 0xa0) out += " ";
          i += need;
          continue;
        } catch {
          // not UTF-8: keep the characters
        }
      }
    }
    out += ch[i];
  }
  return out;
}
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
const utcParts = (iso: string) => {
  const d = new Date(iso);
  return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
};

const hasText = (ref: RefEntry) =>
  !!(refText(ref.title, ref.titleType) || refText(ref.summary, ref.summaryType) || refText(ref.content, ref.contentType));
/** Whether turning the reference's Windows-1252 readings of UTF-8 back gives ours (see unmojibake). */
const repairsTo = (c: RuleCase) =>
  unmojibake(c.theirs) !== c.theirs && (c.sameAs(collapse(unmojibake(c.theirs))) || c.sameAs(collapse(unmojibake(c.theirs, true))));
/** feedparser read a document whose bytes are valid UTF-8 as a single-byte Western encoding. */
const referenceMisread = (reference: Reference) =>
  !!reference.utf8Valid && /^(windows-1252|cp1252|iso-8859-1|latin-?1|us-ascii)$/i.test(reference.encoding ?? "");
/** Whether ours is the feed's home page (our snapshot's, or the reference's resolved the way it resolves links). */
const isOurHomePage = (c: RuleCase) => !!c.ours && (c.ours === c.oursFeedLink || c.ours === href(c.reference.feedLink, c.feedUrl));
const encodingGuessed = (c: RuleCase) => /^CharacterEncodingOverride/.test(c.reference.bozoException ?? "");

/** Zone names in the wild that feedparser's RFC 822 reader does not know (it reads them as UTC), with their offsets in hours. */
const ZONES_FEEDPARSER_MISSES: Record<string, number> = {
  CET: 1,
  CEST: 2,
  BST: 1,
  IST: 1,
  EET: 2,
  EEST: 3,
  WEST: 1,
  MSK: 3,
  JST: 9,
  AEST: 10,
  AEDT: 11,
};

export const KNOWN_DIFFERENCES: KnownRule[] = [
  {
    id: "untitled-item",
    field: "title",
    reason:
      "the item has no title: we make one from the start of its summary, else its link or its enclosure's (normalize.ts, by design); the reference leaves it empty",
    applies: (c) =>
      !c.theirs &&
      !!c.article &&
      (collapse(c.article.summary ?? "").startsWith(c.ours.replace(/…$/, "")) ||
        [c.article.url, ...(c.article.enclosures ?? []).map((e) => e.url)].some((u) => !!u && u.includes(c.ours.split("/")[0]!))),
  },
  {
    id: "home-page-link",
    field: "link",
    reason: "the item has no http(s) link of its own: we link the feed's home page (normalize.ts, by design); the reference gives none",
    applies: (c) => !c.theirs && !!c.reference.feedLink && c.ours === href(c.reference.feedLink, c.feedUrl),
  },
  {
    id: "relative-link-base",
    field: "link",
    reason:
      "a relative link: we resolve it against the feed's home link (where the feed lives), the reference against the document URL, here the loopback fixture server",
    applies: (c) => {
      const theirs = href(c.theirs);
      const ours = href(c.ours);
      if (!theirs || !ours) return false;
      const t = new URL(theirs);
      const o = new URL(ours);
      if (
        t.origin === new URL(c.feedUrl).origin &&
        o.origin !== t.origin &&
        o.pathname + o.search + o.hash === t.pathname + t.search + t.hash
      )
        return true;
      // Or: the entry's own relative link, against our home page ours, against the document theirs.
      const own = c.ref?.entryXml
        ? entryLinks(c.ref.entryXml).filter((l) => l.rel === "alternate" && !!l.href && !/^[a-z][a-z0-9+.-]*:/i.test(l.href))
        : [];
      return (
        t.origin === new URL(c.feedUrl).origin &&
        own.some((l) => href(l.href, c.oursFeedLink ?? undefined) === ours && href(l.href, c.feedUrl) === theirs)
      );
    },
  },
  {
    id: "feed-author-inherited",
    field: "author",
    reason:
      "the entry has no author element of its own in the document: we give it the feed's authors, feedparser gives none " +
      "(checked: ours are feedparser's feed authors, or each is written in the feed's metadata before the first entry)",
    applies: (c) => {
      if (c.theirs || !c.ref || !c.article || c.ref.authorInDocument !== false) return false;
      const ours = ourAuthors(c.article);
      if (!ours.length) return false;
      if (sameAuthors(ours, refAuthors(c.reference.feedAuthorList ?? []))) return true;
      const head = collapse(decodeHTML(c.reference.feedHead ?? "")).toLowerCase();
      return ours.every((a) => (a.name ? head.includes(a.name.toLowerCase()) : !!a.email && head.includes(a.email)));
    },
  },
  {
    id: "author-name-cut",
    field: "author",
    reason: `an author's name is longer than ${MAX_AUTHOR_NAME_CHARS} characters (a whole list in one dc:creator): we cut it at a word with "…" (authors.ts MAX_AUTHOR_NAME_CHARS)`,
    applies: (c) => {
      if (!c.ref || !c.article) return false;
      const ours = ourAuthors(c.article);
      const theirs = refAuthors(c.ref.authorList ?? []);
      if (ours.length !== theirs.length || !ours.some((a) => a.name?.endsWith(ELLIPSIS))) return false;
      const cut = (a: AuthorKey): AuthorKey => {
        if (!a.name?.endsWith(ELLIPSIS)) return a;
        const head = a.name.slice(0, -1).trimEnd();
        const full = theirs.find((t) => !!t.name && t.name.length > MAX_AUTHOR_NAME_CHARS && t.name.startsWith(head));
        return full ? { ...a, name: full.name } : a;
      };
      return sameAuthors(ours.map(cut), theirs);
    },
  },
  {
    id: "authors-capped",
    field: "author",
    reason: `the entry names more than ${MAX_AUTHORS} authors: we keep the first ${MAX_AUTHORS} (authors.ts MAX_AUTHORS, a newsroom is no byline)`,
    applies: (c) => {
      if (!c.ref || !c.article) return false;
      const ours = ourAuthors(c.article);
      const theirs = refAuthors(c.ref.authorList ?? []);
      return ours.length === MAX_AUTHORS && theirs.length > MAX_AUTHORS && authorsWithin(ours, theirs);
    },
  },
  ...(["title", "summary", "body"] as const).map(
    (field): KnownRule => ({
      id: `double-escaped-${field}`,
      field,
      reason:
        "the feed escapes its HTML twice (reddit's &amp;lt;p&amp;gt;): we unwrap one level (text.ts unwrapDoubleEscaped), the reference shows the markup as text",
      applies: (c) => /<\/?[a-z!][^>]*>/i.test(c.theirs) && c.sameAs(htmlText(c.theirs)),
    }),
  ),
  {
    id: "second-summary-as-content",
    field: "body",
    reason:
      "the feed has no full content, but feedparser files a second summary (itunes:summary after description) as content; our body is the description",
    applies: (c) => !c.reference.hasContentElement && !!c.ref?.summary && c.sameAs(refText(c.ref.summary, c.ref.summaryType)),
  },
  ...(["title", "summary", "body", "author", "missing", "extra"] as const).map(
    (field): KnownRule => ({
      id: `reference-guessed-encoding-${field}`,
      field,
      reason:
        "feedparser found the declared encoding wrong and guessed another (no chardet): its text is mojibake, no reference (ours has no U+FFFD)",
      applies: (c) => encodingGuessed(c) && !c.ours.includes("\uFFFD"),
    }),
  ),
  {
    id: "nothing-to-show",
    field: "missing",
    reason: "the entry has no title, no text, no enclosure and no link but its guid: not an article (normalize.ts skips it, by design)",
    applies: (c) =>
      !!c.ref &&
      !hasText(c.ref) &&
      c.ref.enclosures.length === 0 &&
      (!c.ref.link || (!!c.ref.id && href(c.ref.link, c.feedUrl) === href(c.ref.id, c.feedUrl))),
  },
  {
    id: "reference-date-pm",
    field: "date",
    reason: 'feedparser ignores the PM of a 12-hour time ("8:19 pm CEST", "02:02:33 PM"): 12 hours early',
    applies: (c) => {
      if (!/\d\s*pm\b/i.test(c.ref?.dateRaw ?? "") || !c.ours || !c.theirs) return false;
      // A zone name feedparser does not know (it knows the US ones) is read as UTC as well: 12 hours less its offset.
      const zone = /\b([A-Z]{3,4})\s*$/.exec(c.ref!.dateRaw!.trim())?.[1];
      const offset = zone && zone in ZONES_FEEDPARSER_MISSES ? ZONES_FEEDPARSER_MISSES[zone]! : 0;
      return Date.parse(c.ours) - Date.parse(c.theirs) === (12 - offset) * 3600 * 1000;
    },
  },
  {
    id: "reference-date-slashes",
    field: "date",
    reason: 'feedparser misreads a year-first date with slashes ("2020/1/10 14:33:00") as year/day/month',
    applies: (c) => {
      const m = /^\s*(\d{4})\/(\d{1,2})\/(\d{1,2})\b/.exec(c.ref?.dateRaw ?? "");
      return !!m && !!c.ours && utcParts(c.ours).join("-") === [+m[1]!, +m[2]!, +m[3]!].join("-");
    },
  },
  {
    id: "reference-date-unparsed",
    field: "date",
    reason:
      "feedparser cannot read this date (non-English day/month names, RFC 822 in JSON Feed, other non-RFC forms); we can, and the year agrees",
    applies: (c) =>
      !c.theirs &&
      !!c.ref?.dateRaw &&
      !!c.ours &&
      new RegExp(`\\b(${new Date(c.ours).getUTCFullYear()}|${String(new Date(c.ours).getUTCFullYear()).slice(2)})\\b`).test(c.ref.dateRaw),
  },
  ...(["title", "summary", "body", "author"] as const).map(
    (field): KnownRule => ({
      id: `reference-read-utf8-as-cp1252-${field}`,
      field,
      reason:
        "the document's bytes are valid UTF-8 but feedparser read them as Windows-1252/Latin-1 (following a wrong declaration): " +
        "its text is the Windows-1252 reading of our text's UTF-8 bytes (checked: turning each such sequence back gives ours)",
      applies: (c) => referenceMisread(c.reference) && repairsTo(c),
    }),
  ),
  ...(["title", "summary", "body", "author"] as const).map(
    (field): KnownRule => ({
      id: `mojibake-repaired-${field}`,
      field,
      reason:
        "the feed's own text is UTF-8 decoded as Windows-1252 and encoded again (\"CÃ´te dâ€™Ivoire\", in the file's bytes): " +
        "we repair it (text.ts repairMojibake), feedparser keeps it (checked: turning each such sequence back gives ours)",
      applies: (c) => !referenceMisread(c.reference) && repairsTo(c),
    }),
  ),
  ...(["title", "summary"] as const).map(
    (field): KnownRule => ({
      id: `json-feed-entities-decoded-${field}`,
      field,
      reason:
        'JSON Feed text fields are plain text, but feeds write HTML entities in them ("&#8216;Jokes&#8217;", "&amp;"): ' +
        "we decode them once (parse-json.ts, by design), the spec reading keeps them (checked: decodeHTML(reference) is ours)",
      applies: (c) =>
        c.reference.reader.startsWith("JSON Feed") && decodeHTML(c.theirs) !== c.theirs && c.sameAs(collapse(decodeHTML(c.theirs))),
    }),
  ),
  ...(["summary", "body"] as const).map(
    (field): KnownRule => ({
      id: `script-style-text-kept-${field}`,
      field,
      reason:
        "feedparser's sanitizer drops <script>/<style> tags but keeps their text; ours drops the elements whole " +
        "(checked: the entry's HTML as the feed wrote it, sanitized by our sanitizeContent, gives our text)",
      applies: (c) => {
        const raw =
          field === "body"
            ? (c.ref?.contentUnsanitized ?? (c.ref?.content == null ? c.ref?.summaryUnsanitized : null))
            : (c.ref?.summaryUnsanitized ?? c.ref?.contentUnsanitized);
        if (!raw || !/<(script|style)[\s>]/i.test(raw)) return false;
        return c.sameAs(htmlText(sanitizeContent(raw, [c.feedUrl])));
      },
    }),
  ),
  ...(["title", "summary", "body", "author"] as const).map(
    (field): KnownRule => ({
      id: `control-chars-dropped-${field}`,
      field,
      reason: "we drop control characters (U+0000–U+001F but whitespace, U+007F–U+009F) from text; feedparser keeps them",
      applies: (c) => new RegExp(CONTROL_CHARS.source).test(c.theirs) && c.sameAs(collapse(c.theirs.replace(CONTROL_CHARS, ""))),
    }),
  ),
  ...(["summary", "body"] as const).map(
    (field): KnownRule => ({
      id: field === "summary" ? "summary-element-choice" : "summary-element-choice-body",
      field,
      reason:
        "the entry has several summary-like elements: feedparser's summary is whichever came last (a media:description photo caption, " +
        "an itunes:subtitle), ours the first in our order (read-entry.ts SUMMARY: atom summary, description, summary, dc:description, " +
        "itunes:summary, itunes:subtitle, media:description) (checked: both are texts of the entry's own elements, ours the one our order picks)",
      applies: (c) => {
        if (!c.ref?.entryXml || !c.theirs) return false;
        const list = summaryElements(c.ref.entryXml);
        const ours = ourSummaryElement(list);
        // The body: the entry has no content, our body is our summary, the reference's its summary.
        if (field === "body" && c.ref.content != null) return false;
        return !!ours && ours.texts.some((t) => c.sameAs(t)) && list.some((e) => e !== ours && e.texts.includes(c.theirs));
      },
    }),
  ),
  ...(["summary", "body"] as const).map(
    (field): KnownRule => ({
      id: field === "summary" ? "podcast-subtitle-as-summary" : "podcast-subtitle-as-body",
      field,
      reason:
        "the entry has no description-like element but an itunes:subtitle/itunes:summary: we use it as the summary (read-entry.ts SUMMARY), " +
        "feedparser keeps it in `subtitle` only (checked: ours is the text of that element, the reference has no summary)",
      applies: (c) => {
        if (!c.ref?.entryXml || refText(c.ref.summary, c.ref.summaryType)) return false;
        const list = summaryElements(c.ref.entryXml);
        const ours = ourSummaryElement(list);
        if (field === "body" && c.ref.content != null) return false;
        return !!ours && list.every((e) => PODCAST_RANKS.has(e.rank)) && ours.texts.some((t) => c.sameAs(t));
      },
    }),
  ),
  ...(["title", "summary"] as const).map(
    (field): KnownRule => ({
      id: `entities-decoded-${field}`,
      field,
      reason:
        'the feed escaped its text twice ("&amp;ldquo;" in its markup): we decode the entity once more (text.ts), the reference shows ' +
        '"&ldquo;" as text (checked: the entry\'s markup has such an entity, and decodeHTML(reference) is ours)',
      applies: (c) =>
        !c.reference.reader.startsWith("JSON Feed") &&
        DOUBLE_ESCAPED_ENTITY.test(c.ref?.entryXml ?? "") &&
        decodeHTML(c.theirs) !== c.theirs &&
        c.sameAs(collapse(decodeHTML(c.theirs))),
    }),
  ),
  {
    id: "reference-id-as-link",
    field: "link",
    reason:
      "the entry has no link of its own: feedparser gives its id/guid (urn:, tag:, ...) as the link; ours is none or the feed's home page " +
      "(checked: the reference link is the entry's id, and the entry's markup has no link/alternate element)",
    applies: (c) =>
      !!c.theirs && !!c.ref?.id && (!c.ours || isOurHomePage(c)) && theirsIsId(c) && c.ref.entryXml != null && !hasOwnLink(c.ref.entryXml),
  },
  {
    id: "non-http-link-dropped",
    field: "link",
    reason:
      "the entry's own link is not http(s) (tag:, urn:, at:): we take none, by design (normalize.ts: an article links a web page), " +
      "feedparser gives it (checked: the reference link is one of the entry's own link elements, ours is none or the feed's home page)",
    applies: (c) =>
      !!c.theirs &&
      !/^https?:/i.test(c.theirs) &&
      (!c.ours || isOurHomePage(c)) &&
      !!c.ref?.entryXml &&
      entryLinks(c.ref.entryXml).some((l) => l.rel === "alternate" && !!l.href && (l.href === c.theirs || href(l.href) === c.theirs)),
  },
  {
    id: "non-html-alternate-link",
    field: "link",
    reason:
      "the entry's alternate link has a type that is not HTML (application/pdf, ...): feedparser skips it and gives the entry's id as the link, " +
      "we take it (it is the entry's link) (checked: ours is that link's href, the reference link is the entry's id)",
    applies: (c) =>
      theirsIsId(c) &&
      !!c.ref?.entryXml &&
      entryLinks(c.ref.entryXml).some(
        (l) => l.atom && l.rel === "alternate" && !!l.type && !HTML_TYPE.test(l.type) && !!l.href && resolvesTo(c, l.href),
      ),
  },
  {
    id: "empty-link-href",
    field: "link",
    reason:
      "the entry's only alternate link has an empty href: feedparser resolves it to the document's base URL (the feed itself), " +
      "we ignore it and take the entry's http(s) id (checked: the entry's alternate links are all empty, ours is its id)",
    applies: (c) => {
      const links = c.ref?.entryXml ? entryLinks(c.ref.entryXml).filter((l) => l.rel === "alternate") : [];
      return (
        links.length > 0 &&
        links.every((l) => l.atom && !l.href) &&
        !!c.ref?.id &&
        c.ours === href(c.ref.id) &&
        /^https?:$/.test(new URL(c.ours).protocol)
      );
    },
  },
  {
    id: "rss-link-with-attributes",
    field: "link",
    reason:
      "the item's RSS <link> carries attributes (uri=\"at://…\") but no href: feedparser reads no link, we read its text (checked: ours is that element's text)",
    applies: (c) =>
      !c.theirs &&
      !!c.ref?.entryXml &&
      entryLinks(c.ref.entryXml).some((l) => !l.atom && l.attrs.trim() !== "" && !!l.href && resolvesTo(c, l.href)),
  },
  {
    id: "content-src-skipped",
    field: "body",
    reason:
      "the entry's atom content has a src (out-of-line content, RFC 4287 4.1.3.2: then it must be empty): we skip it (read-entry.ts) and our body " +
      "is the summary, feedparser reads what the element holds (checked: the content element has src, ours is the text of our summary element)",
    applies: (c) => {
      const xml = c.ref?.entryXml;
      if (
        !xml ||
        !entryElements(xml).some(
          (el) => el.local === "content" && (el.prefix === "" || el.prefix === "atom") && attr(el.attrs, "src") !== undefined,
        )
      )
        return false;
      const ours = ourSummaryElement(summaryElements(xml));
      return !!ours && ours.texts.includes(c.ours);
    },
  },
  {
    id: "repeated-item-folded",
    field: "missing",
    reason:
      "the item has no guid and no link and repeats an earlier item's title and date: we keep one (normalize.ts dedupe key, by design), " +
      "feedparser lists both (checked: an earlier reference entry with the same title, date, enclosures and no id or link)",
    applies: (c) => {
      const ref = c.ref;
      if (!ref || ref.id || ref.link || !refText(ref.title, ref.titleType)) return false;
      const i = c.reference.entries.indexOf(ref);
      return c.reference.entries
        .slice(0, Math.max(0, i))
        .some(
          (o) =>
            !o.id &&
            !o.link &&
            refText(o.title, o.titleType) === refText(ref.title, ref.titleType) &&
            o.date === ref.date &&
            o.enclosures.join() === ref.enclosures.join(),
        );
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Authors: compared as sets of {name, email}, by name, else e-mail, order aside.

interface AuthorKey {
  name: string | null;
  email: string | null;
}

const EMAIL_PAREN_NAME = /^(?:mailto:)?([^\s@<>()]+@[^\s@<>()]+)\s*\((.*)\)$/i;
const NAME_PAREN_EMAIL = /^(.*?)\s*\(\s*(?:mailto:)?([^\s@<>()]+@[^\s@<>()]+)\s*\)$/i;
const NAME_ANGLE_EMAIL = /^(.*?)\s*<\s*(?:mailto:)?([^\s@<>()]+@[^\s@<>()]+)\s*>$/i;
const BARE_EMAIL = /^(?:mailto:)?([^\s@<>()]+@[^\s@<>()]+)$/i;
const authorName = (text: string | null | undefined) => (text ? collapse(text).normalize("NFC") || null : null);
const authorEmail = (text: string | null | undefined) =>
  text
    ? text
        .trim()
        .replace(/^mailto:/i, "")
        .toLowerCase() || null
    : null;

/** One reference author: its name as text; feedparser sometimes leaves "email (Name)" (or "Name <email>") as the name. */
export function refAuthorKey(author: RefAuthor): AuthorKey {
  let email = authorEmail(author.email);
  let raw = author.name ?? "";
  const angle = NAME_ANGLE_EMAIL.exec(raw.trim());
  if (angle) [raw, email] = [angle[1]!, email ?? authorEmail(angle[2])];
  let name = raw ? htmlText(raw) : "";
  const emailFirst = EMAIL_PAREN_NAME.exec(name);
  const nameFirst = emailFirst ? null : NAME_PAREN_EMAIL.exec(name);
  const bare = emailFirst || nameFirst ? null : BARE_EMAIL.exec(name);
  if (emailFirst) [email, name] = [email ?? authorEmail(emailFirst[1]), emailFirst[2]!];
  else if (nameFirst) [name, email] = [nameFirst[1]!, email ?? authorEmail(nameFirst[2])];
  else if (bare) [email, name] = [email ?? authorEmail(bare[1]), ""];
  return { name: authorName(name), email };
}

function dedupeAuthors(list: AuthorKey[]): AuthorKey[] {
  const seen = new Set<string>();
  return list.filter((a) => {
    if (!a.name && !a.email) return false;
    const key = `${a.name?.toLowerCase() ?? ""}\n${a.email ?? ""}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const refAuthors = (list: RefAuthor[]) => dedupeAuthors(list.map(refAuthorKey));
const ourAuthors = (article: Article) =>
  dedupeAuthors(
    (article.authors?.length ? article.authors : article.author ? [{ name: article.author, email: null }] : []).map((a) => ({
      name: authorName(a.name),
      email: authorEmail(a.email),
    })),
  );
const showAuthors = (list: AuthorKey[]) => list.map((a) => a.name ?? `<${a.email}>`).join("; ");

/** Names pair case aside (both sides drop repeats that differ only in case, keeping whichever came first). */
function pairOf(x: AuthorKey, list: AuthorKey[]): number {
  const i = list.findIndex((y) => !!x.name && !!y.name && x.name.toLowerCase() === y.name.toLowerCase());
  return i >= 0 ? i : list.findIndex((y) => (!x.name || !y.name) && !!x.email && x.email === y.email);
}

/** Whether two author lists name the same people: a one-to-one pairing, by name, else (one has no name) by e-mail. */
export function sameAuthors(a: AuthorKey[], b: AuthorKey[]): boolean {
  if (a.length !== b.length) return false;
  const left = [...b];
  for (const x of a) {
    const i = pairOf(x, left);
    if (i < 0) return false;
    left.splice(i, 1);
  }
  return true;
}

/** Whether every author of `part` pairs with one of `whole` (as sameAuthors, not one-to-one in size). */
function authorsWithin(part: AuthorKey[], whole: AuthorKey[]): boolean {
  const left = [...whole];
  for (const x of part) {
    const i = pairOf(x, left);
    if (i < 0) return false;
    left.splice(i, 1);
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Text normalization, independent of src/ (so a fault in our htmlToText cannot hide itself).

const SKIP = new Set(["script", "style", "noscript", "template", "iframe", "object", "head", "title", "svg", "math"]);
const BLOCK = new Set([
  "p",
  "div",
  "br",
  "li",
  "ul",
  "ol",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "tr",
  "td",
  "th",
  "table",
  "blockquote",
  "section",
  "article",
  "header",
  "footer",
  "figure",
  "figcaption",
  "pre",
  "hr",
  "dd",
  "dt",
  "dl",
  "caption",
  "img",
]);

export function collapse(text: string): string {
  return text.replace(/[\s\u00A0\u200B]+/g, " ").trim();
}

/** HTML to text: tags stripped, entities decoded once, a space at each block boundary, whitespace collapsed. */
export function htmlText(html: string): string {
  if (!/[<&]/.test(html)) return collapse(html);
  const parts: string[] = [];
  let skipping = 0;
  const parser = new Parser(
    {
      onopentagname: (name) => {
        if (SKIP.has(name)) skipping++;
        else if (BLOCK.has(name)) parts.push(" ");
      },
      onclosetag: (name) => {
        if (SKIP.has(name)) skipping = Math.max(0, skipping - 1);
        else if (BLOCK.has(name)) parts.push(" ");
      },
      ontext: (text) => {
        if (!skipping) parts.push(text);
      },
    },
    { decodeEntities: true, lowerCaseTags: true, recognizeSelfClosing: true },
  );
  parser.write(html);
  parser.end();
  return collapse(parts.join(""));
}

/** A reference value as text: HTML types are read as HTML, text types as they are. */
function refText(value: string | null, type: string | null): string {
  if (!value) return "";
  return type && /html/i.test(type) ? htmlText(value) : collapse(value);
}

const WORD = /[\p{L}\p{N}]+/gu;
export function words(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

function sameMultiset(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  const x = [...a].sort();
  const y = [...b].sort();
  return x.every((w, i) => w === y[i]);
}

const chars = (text: string) => [...text.replace(/\s+/g, "")];

/**
 * Same words, a different order (a parser that moved text around). Also by
 * characters (whitespace aside): moved text nodes glued to their neighbours
 * make different "words" of the same letters ("bytobenjaab123" for "by benjaab123 to").
 */
export function reordered(ours: string, theirs: string): boolean {
  const a = words(ours);
  const b = words(theirs);
  if (a.length > 1 && sameMultiset(a, b) && a.join(" ") !== b.join(" ")) return true;
  const x = chars(ours);
  const y = chars(theirs);
  return x.length > 3 && sameMultiset(x, y) && x.join("") !== y.join("");
}

/** A cut summary against the same length of the reference's start (the last, possibly cut, word aside). */
function reorderedPrefix(oursHead: string, theirs: string): boolean {
  const a = words(oursHead).slice(0, -1);
  const b = words(theirs).slice(0, a.length);
  if (a.length > 1 && sameMultiset(a, b) && a.join(" ") !== b.join(" ")) return true;
  const x = chars(oursHead.replace(/\S+$/, ""));
  const y = chars(theirs).slice(0, x.length);
  return x.length > 3 && sameMultiset(x, y) && x.join("") !== y.join("");
}

function href(link: string | null | undefined, base?: string): string | null {
  if (!link) return null;
  try {
    return new URL(link.trim(), base).href;
  } catch {
    return null;
  }
}

function withoutFragment(link: string): string {
  const i = link.indexOf("#");
  return i < 0 ? link : link.slice(0, i);
}

/** Where two texts part, shown from a little before. */
function excerptPair(a: string, b: string): [string, string] {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const start = i > 60 ? i - 40 : 0;
  const cut = (s: string) => {
    const body = s.slice(start, start + EXCERPT);
    return `${start > 0 ? "…" : ""}${body}${start + EXCERPT < s.length ? "…" : ""}`;
  };
  return [cut(a), cut(b)];
}

// ---------------------------------------------------------------------------------------------
// Reading the files

interface CorpusFile {
  id: string;
  root: CorpusRoot;
  relative: string;
  origin: string;
  bytes: Buffer;
  kind: "json" | "xml";
  format: string | null;
  wellFormed: boolean | null;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...walk(full));
    else out.push(full);
  }
  return out;
}

/** Per-file facts from a root's manifest.json, when it has one ({files: {path: {...}}} or [{file|path, ...}]). */
function manifestOf(root: CorpusRoot): Map<string, { format: string | null; wellFormed: boolean | null }> {
  const map = new Map<string, { format: string | null; wellFormed: boolean | null }>();
  const file = path.join(root.dir, "manifest.json");
  if (!existsSync(file)) return map;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return map;
  }
  const add = (key: string, value: any) => {
    if (!key || !value || typeof value !== "object") return;
    const facts = {
      format: typeof value.format === "string" ? value.format : null,
      wellFormed: typeof value.wellFormed === "boolean" ? value.wellFormed : null,
    };
    const clean = key.replace(/^\.?\//, "");
    map.set(clean, facts);
    map.set(clean.replace(/^feeds\//, ""), facts);
  };
  const list = Array.isArray(data) ? data : Array.isArray((data as any)?.files) ? (data as any).files : null;
  if (list) for (const entry of list) add(entry?.file ?? entry?.path ?? entry?.name, entry);
  else {
    const files = (data as any)?.files && typeof (data as any).files === "object" ? (data as any).files : data;
    for (const [key, value] of Object.entries(files as object)) add(key, value);
  }
  return map;
}

export function discoverFiles(roots: CorpusRoot[], filter?: string): CorpusFile[] {
  const files: CorpusFile[] = [];
  for (const root of roots) {
    const feeds = path.join(root.dir, "feeds");
    if (!existsSync(feeds)) continue;
    const manifest = manifestOf(root);
    for (const full of walk(feeds)) {
      const relative = path.relative(root.dir, full).split(path.sep).join("/");
      const id = `${root.name}/${relative}`;
      if (filter && !id.includes(filter)) continue;
      const base = path.basename(full);
      if (base.startsWith(".") || /^(manifest\.json|MANIFEST\.md|README\.md|LICEN[CS]E.*)$/i.test(base)) continue;
      const bytes = readFileSync(full);
      const head = bytes
        .subarray(0, 64)
        .toString("utf8")
        .replace(/^\uFEFF/, "")
        .trimStart();
      const inFeeds = relative.replace(/^feeds\//, "");
      const facts = manifest.get(relative) ?? manifest.get(inFeeds) ?? { format: null, wellFormed: null };
      files.push({
        id,
        root,
        relative,
        origin: `${root.name}:${inFeeds.includes("/") ? inFeeds.split("/")[0] : "(top)"}`,
        bytes,
        kind: head.startsWith("{") || head.startsWith("[") || /\.json$/i.test(base) ? "json" : "xml",
        format: facts.format,
        wellFormed: facts.wellFormed,
      });
    }
  }
  return files.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

const contentTypeOf = (file: CorpusFile) => (file.kind === "json" ? "application/json" : "application/xml");

function runReferenceReader(
  python: string,
  docs: { file: string; location: string; contentType: string; kind: string; bytes: string }[],
): Promise<Reference[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [READER_SCRIPT], { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk) => (err += chunk));
    child.on("error", (error) =>
      reject(new Error(`cannot run ${python}: ${error.message} (needs python3-feedparser: apt-get install -y python3-feedparser)`)),
    );
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`reference reader exited ${code}: ${err.trim().slice(-2000)}`));
      try {
        resolve(JSON.parse(Buffer.concat(out).toString("utf8")) as Reference[]);
      } catch (error) {
        reject(new Error(`reference reader answered no JSON: ${(error as Error).message}`));
      }
    });
    child.stdin.end(JSON.stringify(docs));
  });
}

async function readOurs(files: CorpusFile[], urlOf: (file: CorpusFile) => string, now: number): Promise<Map<string, SourceSnapshot>> {
  const fetchFeed = createFetcher();
  const pool = new IngestPool();
  const ingest = pool.run.bind(pool);
  const results = new Map<string, SourceSnapshot>();
  const limit = pLimit(16);
  await Promise.all(
    files.map((file, index) =>
      limit(async () => {
        const config = parseSourcesConfig(
          {
            sections: [{ slug: "news", name: "News" }],
            sources: [{ id: `corpus-${index}`, name: file.id, url: urlOf(file), section: "news", timeoutMs: 20_000 }],
          },
          path.join(file.root.dir, "sources.json"),
        );
        results.set(
          file.id,
          await readSource(
            config.sources[0]!,
            { sections: config.sections, rootDir: file.root.dir },
            { fetchFeed, now: () => now, ingest },
          ),
        );
      }),
    ),
  );
  await pool.close();
  return results;
}

// ---------------------------------------------------------------------------------------------
// Comparing one file

function entryLabel(ref: RefEntry | null, article: Article | null, index: number): string {
  const title = ref?.title ? refText(ref.title, ref.titleType) : (article?.title ?? "");
  const key = ref?.id ?? ref?.link ?? article?.guid ?? article?.url ?? "";
  return `#${index + 1} ${JSON.stringify(title.slice(0, 60))}${key ? ` <${key.slice(0, 100)}>` : ""}`;
}

interface FileContext {
  file: CorpusFile;
  reference: Reference;
  feedUrl: string;
  now: number;
}

function compareFile(
  ctx: FileContext,
  snapshot: SourceSnapshot,
  fieldTotals: Record<Field, FieldTotals>,
  knownByRule: Record<string, number>,
): FileReport {
  const { file, reference, feedUrl, now } = ctx;
  const oursFeedLink = href(snapshot.feedLink, feedUrl);
  const articles = snapshot.ok ? snapshot.articles : [];
  const refs = reference.entries;
  const report: FileReport = {
    file: file.id,
    origin: file.origin,
    format: file.format,
    wellFormed: file.wellFormed,
    reader: reference.reader,
    referenceVersion: reference.version,
    referenceBozo: reference.bozo ? (reference.bozoException ?? "bozo") : null,
    referenceEntries: refs.length,
    oursOk: snapshot.ok,
    oursError: snapshot.error ? `${snapshot.error.code}: ${snapshot.error.message}` : null,
    oursWarning: snapshot.warning,
    oursItemsSeen: snapshot.itemsSeen,
    oursArticles: articles.length,
    matched: 0,
    entriesDiffering: 0,
    differences: [],
    severe: [],
  };

  const selfLinks = new Set([feedUrl, ...reference.selfLinks.map((l) => href(l, feedUrl)).filter((l): l is string => !!l)]);
  const known = (c: RuleCase): string | null => {
    const rule = KNOWN_DIFFERENCES.find((r) => r.field === c.field && r.applies(c));
    if (!rule) return null;
    knownByRule[rule.id] = (knownByRule[rule.id] ?? 0) + 1;
    return `${rule.id}: ${rule.reason}`;
  };

  // --- Matching: id/guid, then link (exact, then without fragment), then normalized title.
  const index = (key: (a: Article) => string | null) => {
    const map = new Map<string, number[]>();
    articles.forEach((a, i) => {
      const k = key(a);
      if (k) map.set(k, [...(map.get(k) ?? []), i]);
    });
    return map;
  };
  const byGuid = index((a) => (a.guid ? collapse(a.guid) : null));
  const byUrl = index((a) => href(a.url));
  const byUrlNoFragment = index((a) => {
    const h = href(a.url);
    return h ? withoutFragment(h) : null;
  });
  const byTitle = index((a) => collapse(a.title).toLowerCase() || null);
  const TEXT_KEY = 60;
  const textKey = (text: string) => (text.length >= 8 ? text.replace(/…$/, "").slice(0, TEXT_KEY).toLowerCase() : null);
  const byText = index((a) => textKey(collapse(a.summary ?? "")));
  const taken = new Map<number, number[]>(); // article index -> reference entry indexes
  const matchOf: (number | null)[] = [];
  refs.forEach((ref, r) => {
    const link = href(ref.link, feedUrl);
    const steps: [Map<string, number[]>, string | null, boolean][] = [
      [byGuid, ref.id ? collapse(ref.id) : null, true],
      [byUrl, link, true],
      [byUrlNoFragment, link ? withoutFragment(link) : null, true],
      // A shared title is no evidence of one story: only an article not yet matched.
      [byTitle, collapse(refText(ref.title, ref.titleType)).toLowerCase() || null, false],
      // An untitled entry: by the start of its text (our summary is the description's text, else the body's).
      [byText, textKey(refText(ref.summary, ref.summaryType) || refText(ref.content, ref.contentType)), false],
    ];
    let found: number | null = null;
    for (const [map, key, shared] of steps) {
      const candidates = key ? map.get(key) : undefined;
      if (!candidates) continue;
      const free = candidates.find((i) => !taken.has(i));
      if (free !== undefined) found = free;
      else if (shared) found = candidates[0]!;
      if (found !== null) break;
    }
    matchOf.push(found);
    if (found !== null) taken.set(found, [...(taken.get(found) ?? []), r]);
  });
  // Last: what is left on both sides, in order, when as many are left on each (an entry with no id, no link
  // and a title or text that reads differently, e.g. decoded differently, is still the same item of the feed).
  const isRepeat = (r: number) => refs.slice(0, r).some((o) => o.id === refs[r]!.id && o.link === refs[r]!.link && (o.id || o.link));
  const leftRefs = refs.map((_, r) => r).filter((r) => matchOf[r] === null && !isRepeat(r));
  const leftArticles = articles.map((_, a) => a).filter((a) => !taken.has(a));
  if (leftRefs.length > 0 && leftRefs.length === leftArticles.length) {
    leftRefs.forEach((r, i) => {
      matchOf[r] = leftArticles[i]!;
      taken.set(leftArticles[i]!, [r]);
    });
  }

  // --- MERGED: distinct reference entries (distinct ids or links) that became one article.
  for (const [a, rs] of [...taken.entries()].sort((x, y) => x[0] - y[0])) {
    if (rs.length < 2) continue;
    // Distinct: two real ids, or two real links, that differ (an entry without either is not evidence).
    const ids = new Set(rs.map((r) => refs[r]!.id).filter(Boolean));
    const links = new Set(rs.map((r) => href(refs[r]!.link, feedUrl)).filter(Boolean));
    if (ids.size > 1 || links.size > 1) {
      report.severe.push({
        kind: "merged",
        file: file.id,
        entry: entryLabel(null, articles[a]!, a),
        detail:
          `${rs.length} distinct entries became one article: ${rs.map((r) => `<${refs[r]!.id ?? "no id"} | ${refs[r]!.link ?? "no link"}>`).join(", ")}`.slice(
            0,
            400,
          ),
      });
    }
  }
  const distinctKeys = new Set(refs.map((r, i) => r.id ?? href(r.link, feedUrl) ?? `entry ${i}`));
  const missingCount = matchOf.filter((m) => m === null).length;
  if (snapshot.ok && articles.length < distinctKeys.size - missingCount) {
    report.severe.push({
      kind: "merged",
      file: file.id,
      entry: "(whole feed)",
      detail: `${articles.length} articles for ${distinctKeys.size} distinct reference entries (${missingCount} reported missing)`,
    });
  }

  // --- Per entry, per field.
  const differing = new Set<number>();
  const addDifference = (r: number | null, d: Difference) => {
    report.differences.push(d);
    if (!d.known && r !== null) differing.add(r);
  };
  refs.forEach((ref, r) => {
    const a = matchOf[r];
    const label = entryLabel(ref, a == null ? null : articles[a]!, r);
    if (a == null) {
      // Repeats of an entry already compared (same id and link) are not missing: a feed that repeats an item keeps one.
      if (isRepeat(r)) return;
      const theirs = refText(ref.title, ref.titleType) || href(ref.link, feedUrl) || ref.id || "";
      const k = known({
        field: "missing",
        ref,
        article: null,
        reference,
        ours: "",
        theirs,
        feedUrl,
        oursFeedLink,
        now,
        sameAs: () => false,
      });
      addDifference(r, {
        field: "missing",
        entry: label,
        known: k,
        ours: snapshot.ok ? "(no article)" : `(feed refused: ${snapshot.error?.code})`,
        reference: theirs.slice(0, EXCERPT),
      });
      return;
    }
    const group = taken.get(a)!;
    if (group[0] !== r) {
      // The second of a merged group is reported as MERGED when distinct; an entry that only shares its link
      // (no ids) but says something else is one we do not serve: missing.
      const first = refs[group[0]!]!;
      const sameStory =
        first.id === ref.id && collapse(refText(first.title, first.titleType)) === collapse(refText(ref.title, ref.titleType));
      const distinct = report.severe.some((s) => s.kind === "merged" && s.entry === entryLabel(null, articles[a]!, a));
      if (!sameStory && !distinct) {
        addDifference(r, {
          field: "missing",
          entry: label,
          known: null,
          ours: `(folded into ${entryLabel(null, articles[a]!, a)}: same link)`.slice(0, EXCERPT),
          reference: (refText(ref.title, ref.titleType) || ref.link || "").slice(0, EXCERPT),
        });
      }
      return;
    }
    report.matched++;
    const article = articles[a]!;
    const check = (
      field: Field,
      same: (theirs: string) => boolean,
      ours: string,
      theirs: string,
      reorder?: () => boolean,
      theirsShown?: string,
      severeHere = false,
    ) => {
      fieldTotals[field].compared++;
      if (same(theirs)) {
        fieldTotals[field].equal++;
        return;
      }
      if (reorder?.()) {
        severeHere = true;
        report.severe.push({
          kind: "reordered",
          file: file.id,
          entry: label,
          detail: `${field}: ours ${JSON.stringify(ours.slice(0, EXCERPT))} / reference ${JSON.stringify(theirs.slice(0, EXCERPT))}`,
        });
      }
      // A severe fault is never explained away: no rule is asked.
      const k = severeHere ? null : known({ field, ref, article, reference, ours, theirs, feedUrl, oursFeedLink, now, sameAs: same });
      if (k) fieldTotals[field].known++;
      else fieldTotals[field].differ++;
      const [o, t] = excerptPair(ours || "(none)", theirsShown ?? (theirs || "(none)"));
      addDifference(r, { field, entry: label, known: k, ours: o, reference: t });
    };

    // title (ours may be cut at TITLE_MAX_CHARS)
    {
      const ours = collapse(article.title);
      const theirs = refText(ref.title, ref.titleType);
      const same = (t: string) => ours === t || (ours.endsWith(ELLIPSIS) && t.startsWith(ours.slice(0, -1).trimEnd()));
      check("title", same, ours, theirs, () => reordered(ours, theirs));
    }
    // link: article.url against the entry's link, both absolute
    {
      const ours = href(article.url ?? undefined) ?? article.url ?? "";
      const theirs = href(ref.link, feedUrl) ?? "";
      const feedUrlAsLink = selfLinks.has(ours) && ours !== theirs;
      if (feedUrlAsLink) {
        report.severe.push({
          kind: "feedUrlAsLink",
          file: file.id,
          entry: label,
          detail: `our url is the feed's own URL ${ours}; reference link: ${theirs || "(none)"}`,
        });
      }
      check("link", (t) => ours === t, ours, theirs, undefined, undefined, feedUrlAsLink);
    }
    // date: published, else updated, as the same instant within a second
    {
      const ours = article.publishedAt ? article.publishedAt.toISOString() : "";
      const theirs = ref.date ?? "";
      const same = (t: string) => ours === t || (!!ours && !!t && Math.abs(Date.parse(ours) - Date.parse(t)) <= DATE_TOLERANCE_MS);
      check("date", same, ours, theirs, undefined, ref.dateRaw && !theirs ? `(unparsed: ${ref.dateRaw})` : undefined);
    }
    // author: our authors list against the reference's, as sets (by name, else e-mail)
    {
      const oursList = ourAuthors(article);
      const theirList = refAuthors(ref.authorList ?? []);
      const ours = showAuthors(oursList);
      const theirs = showAuthors(theirList);
      // Other values a rule may hold ours against are shown the same way; "same" is the set comparison.
      const same = (t: string) => t === ours || (t === theirs && sameAuthors(oursList, theirList));
      check("author", same, ours, theirs);
    }
    // summary: ours is the description's text, else the start of the body, cut at a word (SUMMARY_MAX_CHARS)
    {
      const ours = article.summary ? collapse(article.summary) : "";
      const theirs = refText(ref.summary, ref.summaryType) || refText(ref.content, ref.contentType);
      const cut = ours.endsWith(ELLIPSIS);
      const head = cut ? ours.slice(0, -1).trimEnd() : ours;
      const same = (t: string) => ours === t || (cut && t.startsWith(head));
      check("summary", same, ours, theirs, () => (cut ? reorderedPrefix(head, theirs) : reordered(ours, theirs)));
    }
    // body: our sanitized body against the reference's content, else its summary, both as text
    {
      const html = contentHtmlOf(article);
      const ours = html ? htmlText(html) : "";
      const theirs = ref.content != null ? refText(ref.content, ref.contentType) : refText(ref.summary, ref.summaryType);
      check(
        "body",
        (t) => ours === t,
        ours,
        theirs,
        () => reordered(ours, theirs),
      );
    }
  });

  // --- Articles of ours with no reference entry.
  articles.forEach((article, a) => {
    if (taken.has(a)) return;
    const ours = `${article.title} <${article.url ?? "no link"}>`;
    const k = known({ field: "extra", ref: null, article, reference, ours, theirs: "", feedUrl, oursFeedLink, now, sameAs: () => false });
    addDifference(null, {
      field: "extra",
      entry: entryLabel(null, article, a),
      known: k,
      ours: ours.slice(0, EXCERPT),
      reference: "(no entry)",
    });
  });

  report.entriesDiffering = differing.size;
  return report;
}

// ---------------------------------------------------------------------------------------------
// The whole corpus

function emptyFields<T>(make: () => T): Record<Field, T> {
  return Object.fromEntries(FIELDS.map((f) => [f, make()])) as Record<Field, T>;
}

export async function compareCorpus(options: CompareOptions = {}): Promise<Report> {
  const now = options.now ?? NOW;
  const files = discoverFiles(options.roots ?? DEFAULT_ROOTS, options.filter);
  const routes: Record<string, Route> = {};
  const pathOf = (file: CorpusFile) => `/${file.id.split("/").map(encodeURIComponent).join("/")}`;
  for (const file of files)
    routes[pathOf(file)] = (_req, res) => void res.writeHead(200, { "content-type": contentTypeOf(file) }).end(file.bytes);
  const server = await startFixtureServer(routes);
  const origin = new URL(server.url("/")).origin;
  const urlOf = (file: CorpusFile) => server.url(pathOf(file));
  let references: Reference[];
  let ours: Map<string, SourceSnapshot>;
  try {
    [references, ours] = await Promise.all([
      runReferenceReader(
        options.python ?? PYTHON,
        files.map((f) => ({
          file: f.id,
          location: urlOf(f),
          contentType: contentTypeOf(f),
          kind: f.kind,
          bytes: f.bytes.toString("base64"),
        })),
      ),
      readOurs(files, urlOf, now),
    ]);
  } finally {
    await server.close();
  }

  const fieldTotals = emptyFields<FieldTotals>(() => ({ compared: 0, equal: 0, differ: 0, known: 0 }));
  const knownByRule: Record<string, number> = {};
  const reports: FileReport[] = [];
  const referenceUnreadable: Report["referenceUnreadable"] = [];
  const oursRefused: Report["oursRefused"] = [];
  files.forEach((file, i) => {
    const reference = references[i]!;
    const snapshot = ours.get(file.id)!;
    if (!snapshot.ok)
      oursRefused.push({
        file: file.id,
        error: `${snapshot.error?.code}: ${snapshot.error?.message}`,
        referenceEntries: reference.entries.length,
      });
    if (reference.entries.length === 0 && reference.bozo) {
      // The reference cannot read it: nothing to hold ours against.
      referenceUnreadable.push({
        file: file.id,
        reason: reference.bozoException ?? "bozo",
        oursArticles: snapshot.ok ? snapshot.articles.length : 0,
      });
    }
    const fileReport = compareFile({ file, reference, feedUrl: urlOf(file), now }, snapshot, fieldTotals, knownByRule);
    if (reference.entries.length === 0 && reference.bozo) {
      fileReport.differences = fileReport.differences.filter((d) => d.field !== "extra");
    }
    reports.push(fileReport);
  });

  const severe = reports.flatMap((r) => r.severe);
  const sum = (pick: (r: FileReport) => number, list = reports) => list.reduce((n, r) => n + pick(r), 0);
  const count = (list: FileReport[], field: Difference["field"], isKnown: boolean) =>
    list.reduce((n, r) => n + r.differences.filter((d) => d.field === field && !!d.known === isKnown).length, 0);
  const totals: Totals = {
    files: files.length,
    filesCompared: reports.filter((r) => !(r.referenceEntries === 0 && r.referenceBozo)).length,
    referenceEntries: sum((r) => r.referenceEntries),
    oursArticles: sum((r) => r.oursArticles),
    matched: sum((r) => r.matched),
    missing: count(reports, "missing", false),
    missingKnown: count(reports, "missing", true),
    extra: count(reports, "extra", false),
    extraKnown: count(reports, "extra", true),
    entriesDiffering: sum((r) => r.entriesDiffering),
    differingShare: 0,
    fields: fieldTotals,
    severe: { reordered: 0, merged: 0, feedUrlAsLink: 0 },
    knownByRule: Object.fromEntries(Object.entries(knownByRule).sort()),
  };
  totals.differingShare = totals.referenceEntries ? totals.entriesDiffering / totals.referenceEntries : 0;
  for (const s of severe) totals.severe[s.kind]++;

  const byOrigin: Report["byOrigin"] = {};
  for (const originName of [...new Set(reports.map((r) => r.origin))].sort()) {
    const list = reports.filter((r) => r.origin === originName);
    const fields = emptyFields(() => 0);
    for (const r of list) for (const d of r.differences) if (!d.known && d.field !== "missing" && d.field !== "extra") fields[d.field]++;
    const listSevere = list.flatMap((r) => r.severe);
    const referenceEntries = sum((r) => r.referenceEntries, list);
    const entriesDiffering = sum((r) => r.entriesDiffering, list);
    byOrigin[originName] = {
      files: list.length,
      referenceEntries,
      oursArticles: sum((r) => r.oursArticles, list),
      matched: sum((r) => r.matched, list),
      missing: count(list, "missing", false),
      missingKnown: count(list, "missing", true),
      extra: count(list, "extra", false),
      extraKnown: count(list, "extra", true),
      entriesDiffering,
      differingShare: referenceEntries ? entriesDiffering / referenceEntries : 0,
      fields,
      severe: {
        reordered: listSevere.filter((s) => s.kind === "reordered").length,
        merged: listSevere.filter((s) => s.kind === "merged").length,
        feedUrlAsLink: listSevere.filter((s) => s.kind === "feedUrlAsLink").length,
      },
    };
  }

  const report: Report = {
    now: new Date(now).toISOString(),
    readers: [...new Set(references.map((r) => r.reader))].sort(),
    totals,
    byOrigin,
    referenceUnreadable,
    oursRefused,
    files: reports,
    severe,
    rules: KNOWN_DIFFERENCES.map((r) => ({ id: r.id, field: r.field, reason: r.reason })),
  };
  // The fixture server's port changes every run: write its origin as a fixed one.
  // (its host alone too: a title made of a link is host and path).
  return JSON.parse(
    JSON.stringify(report).split(origin).join(FIXTURE_ORIGIN).split(new URL(origin).host).join(new URL(FIXTURE_ORIGIN).host),
  ) as Report;
}

// ---------------------------------------------------------------------------------------------
// Rendering

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\s+/g, " ");

export function renderMarkdown(report: Report): string {
  const t = report.totals;
  const lines: string[] = [];
  lines.push("# Corpus comparison: Newsgate against an independent reader", "");
  lines.push(...totalsTable(report), "");
  lines.push(
    "Generated by `npm run corpus:compare` (tests/corpus/compare.ts). Reference: Debian's python3-feedparser for RSS/Atom; " +
      "JSON Feed (which feedparser 6.0 cannot read) against a plain reading of the JSON Feed spec (tests/corpus/reference_reader.py). " +
      `Fixed clock: ${report.now}.`,
    "",
  );
  lines.push(`Readers: ${report.readers.join("; ")}`, "");
  lines.push("## Totals", "");
  lines.push(
    `- files: ${t.files} (compared: ${t.filesCompared}; reference cannot read: ${report.referenceUnreadable.length}; we refuse: ${report.oursRefused.length})`,
  );
  lines.push(`- reference entries: ${t.referenceEntries}; our articles: ${t.oursArticles}; matched: ${t.matched}`);
  lines.push(`- missing: ${t.missing} (+${t.missingKnown} known); extra: ${t.extra} (+${t.extraKnown} known)`);
  lines.push(
    `- reference entries that differ for real (missing or any field, known differences aside): ${t.entriesDiffering} = **${pct(t.differingShare)}**`,
    "",
  );
  lines.push("| field | compared | equal | differ | known |", "|---|---:|---:|---:|---:|");
  for (const f of FIELDS)
    lines.push(`| ${f} | ${t.fields[f].compared} | ${t.fields[f].equal} | ${t.fields[f].differ} | ${t.fields[f].known} |`);
  lines.push("", "### Severe faults", "", "| fault | count |", "|---|---:|");
  lines.push(
    `| REORDERED text | ${t.severe.reordered} |`,
    `| MERGED entries | ${t.severe.merged} |`,
    `| FEED-URL-AS-LINK | ${t.severe.feedUrlAsLink} |`,
    "",
  );
  for (const kind of ["reordered", "merged", "feedUrlAsLink"] as SevereKind[]) {
    const list = report.severe.filter((s) => s.kind === kind);
    if (!list.length) continue;
    lines.push(`#### ${kind}`, "");
    for (const s of list) lines.push(`- \`${s.file}\` ${cell(s.entry)}: ${cell(s.detail)}`);
    lines.push("");
  }
  lines.push("### Known differences (rules)", "");
  if (!report.rules.length) lines.push("(none)");
  for (const r of report.rules) lines.push(`- **${r.id}** (${r.field}, ${t.knownByRule[r.id] ?? 0} cases): ${r.reason}`);
  lines.push(
    "",
    "## Per origin",
    "",
    "| origin | files | ref entries | ours | matched | missing | extra | differing | share | title | link | date | author | summary | body | reord | merged | feedurl |",
  );
  lines.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const [name, o] of Object.entries(report.byOrigin)) {
    lines.push(
      `| ${name} | ${o.files} | ${o.referenceEntries} | ${o.oursArticles} | ${o.matched} | ${o.missing} | ${o.extra} | ${o.entriesDiffering} | ${pct(o.differingShare)} | ` +
        `${FIELDS.map((f) => o.fields[f]).join(" | ")} | ${o.severe.reordered} | ${o.severe.merged} | ${o.severe.feedUrlAsLink} |`,
    );
  }
  lines.push("", "## Files the reference cannot read (bozo, no entries)", "");
  for (const u of report.referenceUnreadable)
    lines.push(`- \`${u.file}\`: ${cell(u.reason.slice(0, 200))} (ours: ${u.oursArticles} articles)`);
  lines.push("", "## Files we refuse", "");
  for (const r of report.oursRefused)
    lines.push(`- \`${r.file}\`: ${cell(r.error.slice(0, 200))} (reference: ${r.referenceEntries} entries)`);
  lines.push("", "## Per file", "");
  for (const f of report.files) {
    if (!f.differences.length && !f.severe.length) continue;
    lines.push(`### ${f.file}`, "");
    lines.push(
      `reference: ${f.reader} ${f.referenceVersion || "?"}, ${f.referenceEntries} entries${f.referenceBozo ? ` (bozo: ${cell(f.referenceBozo.slice(0, 160))})` : ""}; ` +
        `ours: ${f.oursOk ? `${f.oursArticles} articles of ${f.oursItemsSeen} items` : `refused (${cell(f.oursError ?? "")})`}${f.oursWarning ? ` (warning: ${cell(f.oursWarning.slice(0, 160))})` : ""}` +
        `${f.format ? `; manifest format ${f.format}` : ""}${f.wellFormed === false ? ", not well-formed" : ""}`,
      "",
    );
    for (const s of f.severe) lines.push(`- **${s.kind.toUpperCase()}** ${cell(s.entry)}: ${cell(s.detail)}`);
    for (const d of f.differences) {
      lines.push(`- ${d.known ? `known (${d.known.split(":")[0]})` : "**differs**"} ${d.field} ${cell(d.entry)}`);
      lines.push(`  - ours: \`${cell(d.ours) || " "}\``, `  - ref:  \`${cell(d.reference) || " "}\``);
    }
    lines.push("");
  }
  return `${lines.join("\n")}\n`;
}

/**
 * The headline numbers as a small markdown block that can be pasted into a README as it is. "Differing for real":
 * reference entries we miss, or where any field differs, differences explained by a documented rule aside.
 */
export function totalsTable(report: Report): string[] {
  const t = report.totals;
  const share = (n: number, of: number) => (of ? `${((100 * n) / of).toFixed(2)}%` : "–");
  return [
    `<!-- corpus-totals: generated by \`npm run corpus:compare\`, fixed clock ${report.now} -->`,
    "| corpus comparison | value |",
    "|---|---:|",
    `| files (compared) | ${t.files} (${t.filesCompared}) |`,
    `| reference entries | ${t.referenceEntries} |`,
    `| our articles (matched) | ${t.oursArticles} (${t.matched}) |`,
    `| missing (known) | ${t.missing} (${t.missingKnown}) |`,
    `| **entries differing for real** | **${t.entriesDiffering} = ${pct(t.differingShare)}** |`,
    "",
    "| field | compared | differ for real | share | known (rules) |",
    "|---|---:|---:|---:|---:|",
    ...FIELDS.map(
      (f) =>
        `| ${f} | ${t.fields[f].compared} | ${t.fields[f].differ} | ${share(t.fields[f].differ, t.fields[f].compared)} | ${t.fields[f].known} |`,
    ),
    "",
    "| severe fault | count |",
    "|---|---:|",
    `| REORDERED text | ${t.severe.reordered} |`,
    `| MERGED entries | ${t.severe.merged} |`,
    `| FEED-URL-AS-LINK | ${t.severe.feedUrlAsLink} |`,
    "<!-- /corpus-totals -->",
  ];
}

export function summaryText(report: Report): string {
  const t = report.totals;
  const out = [
    `corpus comparison: ${t.files} files (${t.filesCompared} compared), ${t.referenceEntries} reference entries, ${t.oursArticles} articles, ${t.matched} matched`,
    `missing ${t.missing} (+${t.missingKnown} known), extra ${t.extra} (+${t.extraKnown} known); differing for real: ${t.entriesDiffering} = ${pct(t.differingShare)}`,
    ...FIELDS.map(
      (f) =>
        `  ${f.padEnd(8)} compared ${String(t.fields[f].compared).padStart(5)}  equal ${String(t.fields[f].equal).padStart(5)}  differ ${String(t.fields[f].differ).padStart(4)}  known ${String(t.fields[f].known).padStart(4)}`,
    ),
    `severe: REORDERED ${t.severe.reordered}, MERGED ${t.severe.merged}, FEED-URL-AS-LINK ${t.severe.feedUrlAsLink}`,
    `reference cannot read ${report.referenceUnreadable.length} files; we refuse ${report.oursRefused.length}`,
  ];
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------
// CLI

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const filter = process.argv[2];
  compareCorpus({ filter })
    .then((report) => {
      if (!filter) {
        writeFileSync(path.join(HERE, "report.md"), renderMarkdown(report));
        writeFileSync(path.join(HERE, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
      } else process.stdout.write(renderMarkdown(report));
      console.log(summaryText(report));
      console.log(
        `${filter ? "(filtered: no report written) " : "wrote tests/corpus/report.md and report.json "}in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      // The report is written: exit rather than wait on any handle a reader left open.
      process.exit(0);
    })
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
