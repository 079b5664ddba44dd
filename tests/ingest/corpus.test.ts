import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Article } from "../../src/model/article.ts";

import { decodeBody } from "../../src/ingest/decode.ts";
import { parseBody } from "../../src/ingest/parse-body.ts";
import type { RawItem } from "../../src/model/raw-feed.ts";
import { sanitizeContent } from "../../src/ingest/sanitize.ts";
import { contentHtmlOf } from "../../src/store/catalog/article-content.ts";
import { htmlToText } from "../../src/ingest/text.ts";
import { CORPUS_DIR, corpusFiles, readCorpus } from "../helpers/corpus.ts";
import type { SourceSnapshot } from "../../src/model/source-snapshot.ts";

/**
 * Every corpus file through the real pipeline (HTTP fetch on 127.0.0.1, decode,
 * detect, parse, normalize), checked against what the feed's origin project
 * asserts (expected.json) and against our own invariants.
 */
const NOW = Date.UTC(2026, 10, 28);
const FILES = corpusFiles();
const EXPECTED: Record<string, Record<string, any>> = JSON.parse(readFileSync(path.join(CORPUS_DIR, "expected.json"), "utf8")).files;
const ERROR_CODES = ["PARSE_ERROR", "UNSUPPORTED_FORMAT"];
const MARKUP =
  /<\/(p|div|span|a|b|i|em|strong|li|ul|ol|h[1-6]|table|td|tr|blockquote|font|pre|code)>|<(p|div|br|img|span|a\s|iframe|script)[^>]*>|&lt;\/?[a-z]+&gt;/i;

/** Files the origins require to fail, and the code we give. */
const MUST_FAIL: Record<string, string> = {
  "feeds/rss-parser/unrecognized.rss": "UNSUPPORTED_FORMAT",
  "feeds/gofeed/universal_empty_feed.xml": "PARSE_ERROR",
  "feeds/gofeed/json_invalid_invalid.json": "PARSE_ERROR",
  "feeds/gofeed/universal_unknown_feed.xml": "UNSUPPORTED_FORMAT",
  "feeds/feedparser/illformed_rss_empty_document.xml": "UNSUPPORTED_FORMAT",
};

let results: Map<string, SourceSnapshot>;
const result = (file: string) => results.get(file)!;
const first = (file: string): Article => {
  const article = result(file).articles[0];
  expect(article, `${file} has a first article`).toBeDefined();
  return article!;
};
/**
 * The parser's first item, for values of items we do not publish as articles
 * (an item with nothing to show: no title, text or link of its own).
 */
async function rawFirstItem(file: string): Promise<RawItem> {
  const decoded = decodeBody(readFileSync(path.join(CORPUS_DIR, file)), null);
  const { feed } = await parseBody(decoded.text, null, "auto");
  expect(result(file).articles, `${file} publishes no article`).toHaveLength(0);
  return feed.items[0]!;
}

/** feedparser's `bozo`: the feed was not read as written (an error, or a warning of a repair). */
const bozo = (file: string) => !result(file).ok || result(file).warning !== null;

beforeAll(async () => {
  results = await readCorpus(FILES, NOW);
  const failures: Record<string, number> = {};
  let articles = 0;
  let warned = 0;
  let itemsSeen = 0;
  for (const snapshot of results.values()) {
    articles += snapshot.articles.length;
    itemsSeen += snapshot.itemsSeen;
    if (snapshot.error) failures[snapshot.error.code] = (failures[snapshot.error.code] ?? 0) + 1;
    if (snapshot.warning) warned++;
  }
  const read = [...results.values()].filter((s) => s.ok).length;
  console.log(
    `corpus: ${FILES.length} files, ${read} read (${warned} with a repair warning), ${itemsSeen} items seen, ${articles} articles; failures by code: ${JSON.stringify(failures)}`,
  );
}, 60_000);

describe("every corpus file", () => {
  it.each(FILES)("%s: reads, or fails with a code", (file) => {
    const snapshot = result(file);
    if (MUST_FAIL[file]) {
      expect(snapshot.ok).toBe(false);
      expect(snapshot.error?.code).toBe(MUST_FAIL[file]);
      return;
    }
    expect(snapshot.error, `${file}: ${snapshot.error?.message}`).toBeNull();
    for (const article of snapshot.articles) {
      expect(article.title || article.summary, "a title or a summary").toBeTruthy();
      // A page to read, or none: never the feed's own URL.
      if (article.url !== null) {
        expect(article.url).toMatch(/^https?:\/\/[^\s/]+/);
        expect(() => new URL(article.url!)).not.toThrow();
        expect(article.url, "not the feed's own URL").not.toMatch(new RegExp(`/${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`));
      }
      if (article.publishedAt) expect(Number.isNaN(article.publishedAt.getTime())).toBe(false);
      // Markup, not prose that mentions a tag ("use `<meta>` tags", an IRC nick "<L29Ah>").
      expect(article.title, "no markup in a title").not.toMatch(MARKUP);
      expect(article.summary ?? "", "no markup in a summary").not.toMatch(MARKUP);
      expect(contentHtmlOf(article) ?? "").not.toMatch(/<script|javascript:|\son[a-z]+=/i);
    }
    expect(ERROR_CODES).toEqual(expect.arrayContaining(Object.values(MUST_FAIL).filter((c, i, a) => a.indexOf(c) === i)));
  });
});

/** Formats of gofeed's `version` field, as our detector names them. */
function formatOf(file: string): string {
  const name = path.basename(file);
  if (name.startsWith("version_rdf") || name.includes("rdf")) return "rdf";
  if (name.startsWith("json")) return "jsonfeed";
  if (name.includes("atom") || name.startsWith("relative_uri") || name.startsWith("feed_title")) return "atom";
  return "rss";
}

describe("values the origin projects assert (expected.json)", () => {
  const goldens = Object.entries(EXPECTED).filter(([, v]) => v.kind === "rss-parser-golden" || v.kind === "gofeed-golden");

  it.each(goldens)("%s: title, item count and first link as the origin asserts", (file, expected) => {
    const snapshot = result(file);
    expect(snapshot.ok, snapshot.error?.message).toBe(true);
    if (expected.title)
      expect(snapshot.feedTitle).toBe(
        expected.title.includes("<") ? htmlToText(expected.title) : expected.title.replace(/\s+/g, " ").trim(),
      );
    else expect(snapshot.feedTitle).toBeNull();
    expect(snapshot.itemsSeen).toBe(expected.item_count);
    if (expected.first_item_link) {
      const link = expected.first_item_link.trim();
      // Relative links are ours to resolve: the path must be the one the feed gave.
      if (/^https?:/.test(link)) expect(first(file).url).toBe(new URL(link).href);
      else expect(first(file).url?.endsWith(link)).toBe(true);
    }
    if (expected.kind === "gofeed-golden") expect(snapshot.format).toBe(formatOf(file));
  });

  it("rss-parser: an iTunes feed without an image reads; an HTML page is refused", () => {
    expect(result("feeds/rss-parser/itunes-missing-image.rss").ok).toBe(true);
    expect(result("feeds/rss-parser/unrecognized.rss").error?.code).toBe("UNSUPPORTED_FORMAT");
  });

  it("feed-extractor: relative channel and item links resolve against where the feed was read", () => {
    const file = "feeds/feed-extractor/rss-feed-miss-base-url.xml";
    // The origin resolves against a baseUrl option; ours is the feed's own URL.
    expect(new URL(first(file).url!).pathname).toBe(new URL(EXPECTED[file]!.first_item_link).pathname);
  });

  it("feed-extractor: RFC 822 dates in GMT", () => {
    const file = "feeds/feed-extractor/rss-feed-standard-realworld.xml";
    expect(first(file).publishedAt?.toISOString()).toBe(EXPECTED[file]!.first_item_published_iso);
  });

  const miniflux = Object.entries(EXPECTED).filter(([, v]) => v.kind === "miniflux-assert");
  it.each(miniflux)("%s: decoded text contains the origin's string", (file, expected) => {
    const snapshot = result(file);
    const texts = [snapshot.feedTitle ?? "", ...snapshot.articles.flatMap((a) => [a.title, a.summary ?? "", contentHtmlOf(a) ?? ""])];
    expect(texts.some((t) => t.includes(expected.decoded_text_contains))).toBe(true);
  });
});

/**
 * feedparser's `Expect:` lines, translated into our model: `bozo` is an error or a
 * repair warning; `feed['title']` is our plain-text feed title; `entries[0]` is
 * our first article (content sanitized to our allow-list, text as plain text).
 */
const FEEDPARSER: Record<string, (file: string) => void | Promise<void>> = {
  "encoding_bozo_double-encoded-html.xml": (f) => expect(first(f).summary).toBe("…"),
  "encoding_double-encoded-html.xml": (f) => {
    expect(bozo(f)).toBe(false);
    expect(first(f).summary).toBe("…");
  },
  "encoding_bozo_bogus_encoding.xml": (f) => expect(result(f).ok).toBe(true),
  "encoding_bozo_encoding_mismatch_crash.xml": (f) => expect(result(f).error).toBeNull(),
  "encoding_bozo_invalid-bytes-with-bom.xml": (f) => expect(bozo(f)).toBe(true),
  // feedparser keeps Windows-1252 mojibake; we read the valid UTF-8 and flag the one bad byte.
  "encoding_bozo_linenoise.xml": (f) => {
    expect(bozo(f)).toBe(true);
    expect(first(f).summary).toMatch(/^’<>”/);
  },
  "encoding_demoronize-1.xml": (f) => {
    expect(bozo(f)).toBe(false);
    expect(first(f).summary).toBe("don’t");
  },
  "encoding_euc-kr.xml": (f) => {
    expect(bozo(f)).toBe(false);
    expect(result(f).feedTitle).toBe("\ub144");
  },
  "encoding_big5.xml": (f) => {
    expect(bozo(f)).toBe(false);
    expect(result(f).encoding).toBe("big5");
  },
  "encoding_encoding_attribute_crash.xml": (f) => expect(result(f).error).toBeNull(),
  "illformed_aaa_illformed.xml": (f) => expect(bozo(f)).toBe(true),
  "illformed_always_strip_doctype.xml": (f) => {
    expect(bozo(f)).toBe(false);
    expect(result(f).feedTitle).toBe("found");
  },
  "illformed_rss_incomplete_cdata.xml": (f) => expect(bozo(f)).toBe(true),
  "illformed_rss_item_link_corrupted_ampersands.xml": (f) => expect(first(f).url).toBe("http://link/get?a=1&b=2"),
  // sax accepts an undeclared prefix where feedparser's parser does not: not bozo for us.
  "illformed_undeclared_namespace.xml": (f) => expect(result(f).ok).toBe(true),
  "illformed_rss_empty_document.xml": (f) => expect(bozo(f)).toBe(true),
  "illformed_chardet_shiftjis.xml": (f) => {
    expect(bozo(f)).toBe(true);
    expect(result(f).encoding).toBe("shift_jis");
  },
  "illformed_chardet_windows1255.xml": (f) => {
    expect(bozo(f)).toBe(true);
    expect(result(f).encoding).toBe("windows-1255");
  },
  "illformed_chardet_koi8r.xml": (f) => {
    expect(bozo(f)).toBe(true);
    expect(result(f).encoding).toBe("koi8-r");
  },
  // The DTD-declared entity is expanded by the lenient pass, which says so.
  "wellformed_rss_entity_in_doctype.xml": async (f) => expect((await rawFirstItem(f)).guid).toBe("tag:example.com,2006-05-04:/blog/"),
  "wellformed_rdf_doctype_contains_entity_decl.xml": (f) => expect(bozo(f)).toBe(false),
  "wellformed_rdf_rss_version_10.xml": (f) => {
    expect(bozo(f)).toBe(false);
    expect(result(f).format).toBe("rdf");
  },
  "wellformed_rdf_rss090_item_title.xml": (f) => {
    expect(bozo(f)).toBe(false);
    expect(first(f).title).toBe("Item title");
  },
  "wellformed_rss_rss_version_090.xml": (f) => {
    expect(bozo(f)).toBe(false);
    expect(result(f).format).toBe("rdf");
  },
  "wellformed_rss_item_enclosure_multiple.xml": (f) => {
    expect(bozo(f)).toBe(false);
    // Both enclosures are images; the second (image/gif) is among them.
    expect(first(f).image?.url).toMatch(/^http:\/\/example\.com\/[12]$/);
  },
  "wellformed_rss_item_guid_isPermaLink_conflict_link.xml": (f) => {
    expect(bozo(f)).toBe(false);
    expect(first(f).url).toBe("http://link.example.com/");
  },
  "wellformed_rss_item_description_not_a_doctype.xml": (f) => expect(bozo(f)).toBe(false),
  "wellformed_rss_item_content_encoded.xml": (f) => {
    expect(bozo(f)).toBe(false);
    expect(contentHtmlOf(first(f))).toBe("<p>Example content</p>");
  },
  "wellformed_rss_channel_title_apos.xml": (f) => expect(result(f).feedTitle).toBe("Mark's title"),
  "wellformed_media-rss_media_group.xml": (f) => expect(first(f).summary).toBe("Test Description"),
  "wellformed_media-rss_media_thumbnail.xml": (f) => expect(first(f).image?.url).toBe("http://example.com/thumbnail.jpg"),
  "wellformed_base_entry_content_xml_base_inherit_3.xml": (f) =>
    expect(contentHtmlOf(first(f))).toContain('href="http://example.com/test/test.html"'),
  "wellformed_base_feed_link_xml_base_iri.xml": (f) => expect(bozo(f)).toBe(false),
  "wellformed_atom10_relative_uri.xml": (f) => expect(result(f).feedTitle).toBe("Example test"),
  "wellformed_atom10_entry_link_rel_enclosure.xml": (f) => expect(bozo(f)).toBe(false),
  "wellformed_namespace_rss2.0withAtomNS.xml": (f) => expect(result(f).format).toBe("rss"),
  "wellformed_xml_escaped_apos.xml": (f) => expect(result(f).feedTitle).toBe("it's correct"),
  "wellformed_amp_amp01.xml": (f) => expect(first(f).title).toBe("&"),
  "wellformed_sanitize_entry_content_crazy.xml": (f) => {
    expect(contentHtmlOf(first(f))).toMatch(/^Crazy HTML -- Can Your Regex Parse This\?/);
    expect(contentHtmlOf(first(f))).toContain("<h1>Did The Javascript Execute?</h1>");
  },
  "wellformed_sanitize_entry_content_script_base64.xml": (f) => expect(contentHtmlOf(first(f))).toBe("safe description"),
  "wellformed_sanitize_entry_content_script_cdata.xml": (f) => expect(contentHtmlOf(first(f))).toBe("safe description"),
  "wellformed_sanitize_entry_content_iframe.xml": (f) => expect(contentHtmlOf(first(f))).toBe("safe <b>description</b>"),
  // feedparser keeps this style attribute; we drop every style attribute.
  "wellformed_sanitize_entry_content_style.xml": (f) =>
    expect(contentHtmlOf(first(f))).toBe(
      '<a href="http://www.ragingplatypus.com/" rel="nofollow noopener noreferrer">never trust your upstream platypus</a>',
    ),
  "wellformed_sanitize_entry_content_object.xml": (f) => expect(contentHtmlOf(first(f))).toBe("safe <b>description</b>"),
  "wellformed_sanitize_entry_content_embed.xml": (f) => expect(contentHtmlOf(first(f))).toBe("safe <b>description</b>"),
  "wellformed_sanitize_entry_content_meta.xml": (f) => expect(contentHtmlOf(first(f))).toBe("safe <b>description</b>"),
  // Feed titles are plain text for us: an image alone leaves nothing to show.
  "wellformed_sanitize_feed_title_onerror.xml": (f) => expect(result(f).feedTitle).toBeNull(),
  "wellformed_sanitize_feed_title_unacceptable_uri.xml": (f) => expect(result(f).feedTitle).toBe("safe"),
  "wellformed_sanitize_item_content_encoded_onload.xml": async (f) =>
    expect(sanitizeContent((await rawFirstItem(f)).contentHtml!, [])).toBe(
      '<img src="http://www.ragingplatypus.com/i/cam-full.jpg" loading="lazy" />',
    ),
  "wellformed_rss_item_multiple_dc_creator.xml": async (f) =>
    expect((await rawFirstItem(f)).authors.map((a) => a.name)).toEqual(["First Author", "Second Author"]),
  "wellformed_rss_item_pubDate.xml": async (f) => expect((await rawFirstItem(f)).published).toBe("Thu, 01 Jan 2004 19:48:21 GMT"),
  "wellformed_sanitize_item_content_encoded_crazy.xml": (f) =>
    expect(contentHtmlOf(first(f))).toMatch(/^Crazy HTML -- Can Your Regex Parse This\?/),
  "json_example.json": (f) => {
    expect(result(f).feedTitle).toBe("My Example Feed");
    expect(result(f).articles).toHaveLength(2);
  },
};

describe("feedparser's expectations, in our model", () => {
  const cases = Object.entries(EXPECTED).filter(([, v]) => v.kind === "feedparser-expect");
  it("covers every feedparser file of expected.json", () => {
    expect(cases.map(([file]) => path.basename(file)).sort()).toEqual(Object.keys(FEEDPARSER).sort());
  });
  it.each(cases)("%s", async (file) => {
    if (!MUST_FAIL[file]) expect(result(file).error, "no read error").toBeNull();
    await FEEDPARSER[path.basename(file)]!(file);
  });
});
