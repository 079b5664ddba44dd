import { describe, expect, it } from "vitest";
import { clampFuture, parseFeedDate } from "../../src/ingest/dates.ts";
import { decodeBody } from "../../src/ingest/decode.ts";
import { detectFormat } from "../../src/ingest/detect.ts";
import { readPath } from "../../src/ingest/json-path.ts";
import { normalizeItem } from "../../src/ingest/normalize.ts";
import { emptyRawItem } from "../../src/model/raw-feed.ts";
import { htmlToText, truncateAtWord } from "../../src/ingest/text.ts";
import { canonicalUrl, resolveHttpUrl } from "../../src/ingest/urls.ts";

describe("dates", () => {
  it.each([
    ["Tue, 06 Oct 2026 09:00:00 EST", "2026-10-06T14:00:00.000Z"],
    ["Tue, 06 Oct 2026 09:00:00 PDT", "2026-10-06T16:00:00.000Z"],
    ["Tue, 06 Oct 2026 09:00:00 CEST", "2026-10-06T07:00:00.000Z"],
    ["06 Oct 2026 09:00:00 +0200", "2026-10-06T07:00:00.000Z"],
    ["2026-10-06T09:00:00Z", "2026-10-06T09:00:00.000Z"],
    ["2026-10-06T09:00:00+05:30", "2026-10-06T03:30:00.000Z"],
    ["2026-10-06T09:00:00", "2026-10-06T09:00:00.000Z"],
    ["2026-10-06", "2026-10-06T00:00:00.000Z"],
    ["03 Apr 02 1500 GMT", "2002-04-03T15:00:00.000Z"],
    ["Mon, 31 Dec 2018 12:00:00 +0100 (CET)", "2018-12-31T11:00:00.000Z"],
    ["Sat, 7 Sep 2019 9:05:03 +0000", "2019-09-07T09:05:03.000Z"],
    ["Tue,  6 Oct 2026 09:00 PST", "2026-10-06T17:00:00.000Z"],
    ["20261106T101010Z", "2026-11-06T10:10:10.000Z"],
    ["2023/01/05 10:20", "2023-01-05T10:20:00.000Z"],
  ])("reads %s as UTC %s", (text, iso) => {
    expect(parseFeedDate(text)?.toISOString()).toBe(iso);
  });

  it("reads dates without a zone as UTC whatever the server's time zone", () => {
    const saved = process.env.TZ;
    process.env.TZ = "America/New_York";
    try {
      expect(new Date(2026, 0, 1).getTimezoneOffset()).toBe(300);
      expect(parseFeedDate("2023/01/05 10:20")?.toISOString()).toBe("2023-01-05T10:20:00.000Z");
      expect(parseFeedDate("January 5, 2023")?.toISOString()).toBe("2023-01-05T00:00:00.000Z");
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it("gives null for nonsense and placeholders, never a wrong date", () => {
    for (const text of ["", "soon", "0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "32 Foo 2026"]) expect(parseFeedDate(text)).toBeNull();
  });

  it("clamps a date more than a day ahead to now", () => {
    const now = Date.UTC(2026, 10, 1);
    expect(clampFuture(new Date(now + 2 * 86_400_000), now)?.getTime()).toBe(now);
    expect(clampFuture(new Date(now + 3_600_000), now)?.getTime()).toBe(now + 3_600_000);
  });
});

describe("URLs", () => {
  it("drops tracking parameters, fragments and default ports, and lower-cases scheme and host", () => {
    expect(canonicalUrl("HTTPS://Wire.Example:443/a/B?utm_source=x&id=2&fbclid=y&gclid=z&a=1#top")).toBe(
      "https://wire.example/a/B?a=1&id=2",
    );
  });

  it("resolves against xml:base, then the feed link, then the feed URL", () => {
    expect(resolveHttpUrl("post", ["sub/", "https://feed.example/blog/", "https://other.example/"])).toBe(
      "https://feed.example/blog/sub/post",
    );
    expect(resolveHttpUrl("/p", [null, null, "https://feed.example/rss.xml"])).toBe("https://feed.example/p");
    expect(resolveHttpUrl("javascript:alert(1)", ["https://feed.example/"])).toBeNull();
    expect(resolveHttpUrl("relative", [])).toBeNull();
  });

  it("resolves each chain of bases as its own, however chains alternate (they are remembered by their text)", () => {
    const chains = Array.from({ length: 40 }, (_, n) => [
      "sub/",
      n % 3 === 0 ? "not a url::" : null,
      `https://feed${n % 20}.example/blog/`,
    ]);
    for (let round = 0; round < 2; round++) {
      for (const [n, chain] of chains.entries()) expect(resolveHttpUrl("post", chain)).toBe(`https://feed${n % 20}.example/blog/sub/post`);
    }
    // Text that reads alike once joined is still another chain.
    expect(resolveHttpUrl("p", ["a/", "https://x.example/b/"])).toBe("https://x.example/b/a/p");
    expect(resolveHttpUrl("p", ["a/https://x.example/b/"])).toBeNull();
  });
});

describe("text", () => {
  it("turns HTML into plain text, decoding entities once and dropping scripts", () => {
    expect(htmlToText("<p>Caf&eacute; &amp;amp; <b>bar</b></p><script>x()</script><p>next&nbsp;line</p>")).toBe("Café &amp; bar next line");
  });

  it("cuts long text at a word boundary with an ellipsis", () => {
    const text = "word ".repeat(100).trim();
    const cut = truncateAtWord(text, 32);
    expect(cut).toBe("word word word word word word…");
    expect(truncateAtWord("short", 32)).toBe("short");
  });
});

describe("charset decoding", () => {
  const latin1 = Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><t>Zürich</t>', "latin1");
  it("follows the XML declaration", () => expect(decodeBody(latin1, "application/xml").text).toContain("Zürich"));
  it("lets the HTTP charset win over the declaration", () => {
    const utf8 = Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><t>Zürich</t>', "utf8");
    expect(decodeBody(utf8, "text/xml; charset=utf-8").text).toContain("Zürich");
  });
  it("strips a UTF-8 BOM", () => expect(decodeBody(Buffer.from("\uFEFF<t>é</t>", "utf8"), null).text).toBe("<t>é</t>"));
  it("reads undeclared non-UTF-8 bytes as Windows-1252 when nothing better can be guessed, and says so", () => {
    const decoded = decodeBody(Buffer.from([0x3c, 0x74, 0x3e, 0x80, 0x93, 0x3c]), null);
    expect(decoded).toEqual({
      text: "<t>€“<",
      encoding: "windows-1252",
      warning: "no charset declared and not UTF-8; read as windows-1252",
    });
  });
  it("guesses an undeclared code page from the bytes", () => {
    const koi8 = Buffer.from([
      ...Buffer.from("<t>"),
      ...[
        0xf0, 0xd2, 0xc9, 0xcd, 0xc5, 0xd2, 0x20, 0xcc, 0xc5, 0xce, 0xd4, 0xd9, 0x20, 0xce, 0xcf, 0xd7, 0xcf, 0xd3, 0xd4, 0xc5, 0xca,
      ].flatMap((b) => [b]),
      ...Buffer.from("</t>"),
    ]);
    expect(decodeBody(koi8, null)).toMatchObject({ text: "<t>Пример ленты новостей</t>", encoding: "koi8-r" });
  });
});

describe("format detection", () => {
  it.each([
    ['<?xml version="1.0"?>\n<!-- hi --><rss version="2.0">', "rss"],
    ['<feed xmlns="http://www.w3.org/2005/Atom">', "atom"],
    ['<rdf:RDF xmlns:rdf="x">', "rdf"],
    ['{"version":"https://jsonfeed.org/version/1.1","items":[]}', "jsonfeed"],
    ['{"response":{"results":[]}}', "json"],
  ])("sniffs %s as %s", (body, format) => expect(detectFormat(body, null)).toBe(format));

  it("refuses HTML and empty bodies with codes", () => {
    expect(() => detectFormat("<!DOCTYPE html><html>", "text/html")).toThrow(expect.objectContaining({ code: "UNSUPPORTED_FORMAT" }));
    expect(() => detectFormat("   ", null)).toThrow(expect.objectContaining({ code: "PARSE_ERROR" }));
  });
});

describe("JSON field paths", () => {
  it("reads nested fields and collects across arrays, own properties only", () => {
    const json = JSON.parse('{"a":{"b":[{"t":"x"},{"t":"y"},{}]},"__proto__":{"polluted":1}}');
    expect(readPath(json, "a.b[].t")).toEqual(["x", "y"]);
    expect(readPath(json, "a.missing.deeper")).toBeUndefined();
    expect(readPath({}, "constructor.name")).toBeUndefined();
  });
});

describe("text repairs", () => {
  it("reads C1 control codes as the Windows-1252 characters they were meant as", () => {
    expect(htmlToText("don\u0092t \u0093quote\u0094")).toBe("don’t “quote”");
  });
  it("repairs UTF-8 that was read as Windows-1252 and encoded again", () => {
    expect(htmlToText("Wait&#226;&#128;&#166; caf\u00c3\u00a9 \u00e2\u20ac\u0153hi\u00e2\u20ac\u009d")).toBe("Wait… café “hi”");
  });
  it("leaves genuine text alone", () => {
    for (const text of ["Ä… is fine", "Â is a letter", "São Tomé – Zürich’s café", "ÃÂâ"]) expect(htmlToText(text)).toBe(text);
  });
});

describe("the section a category names", () => {
  const sections = [
    { slug: "world", name: "Tech" },
    { slug: "tech", name: "Technology" },
    { slug: "science", name: "Science & Nature" },
  ];
  const sectionOf = (categories: string[]) => {
    const item = { ...emptyRawItem(), title: "A story", link: "https://wire.example/story", categories };
    const feed = { title: null, link: null, base: null, warning: null, ttlMinutes: null, language: null, authors: [], items: [item] };
    return normalizeItem(item, feed, {
      sourceId: "wire",
      defaultSection: "science",
      sections,
      feedUrl: "https://wire.example/feed",
      now: Date.UTC(2026, 10, 1),
    })!.section;
  };

  it("is the first section in the list whose slug or name (in any case) the category is", () => {
    expect(sectionOf(["tech"])).toBe("world"); // the first section's name, before the second's slug
    expect(sectionOf(["TECHNOLOGY"])).toBe("tech");
    expect(sectionOf(["science & nature"])).toBe("science");
    expect(sectionOf(["World"])).toBe("world");
  });

  it("is named by the first category that names one, else it is the source's default", () => {
    expect(sectionOf(["Elections", "Technology", "Tech"])).toBe("tech");
    expect(sectionOf(["Elections", "Markets"])).toBe("science");
    expect(sectionOf([])).toBe("science");
  });
});
