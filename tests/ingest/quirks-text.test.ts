import { describe, expect, it } from "vitest";
import { parseFeedDate } from "../../src/ingest/dates.ts";
import { collapseWhitespace, htmlToText, repairEncoding, unwrapDoubleEscaped } from "../../src/ingest/text.ts";

/**
 * Quirks of real feeds in dates and text, each named after the feed that shows it
 * (tests/fixtures/real-world, tests/fixtures/corpus) and checked by a general rule.
 */
describe("dates real feeds write", () => {
  it("Yahoo Weather (rome/yweather.xml): a 12-hour time with a European zone name, '8:19 pm CEST'", () => {
    expect(parseFeedDate("Sun, 20 Apr 2014 8:19 pm CEST")?.toISOString()).toBe("2014-04-20T18:19:00.000Z");
    expect(parseFeedDate("Sun, 20 Apr 2014 12:19 am CEST")?.toISOString()).toBe("2014-04-19T22:19:00.000Z");
    expect(parseFeedDate("Sun, 20 Apr 2014 12:05 p.m. EDT")?.toISOString()).toBe("2014-04-20T16:05:00.000Z");
  });

  it("a 12-hour time without a zone is UTC whatever the server's time zone ('PM' is not a zone)", () => {
    const saved = process.env.TZ;
    process.env.TZ = "America/New_York";
    try {
      expect(parseFeedDate("Sun, 20 Apr 2014 8:19 pm")?.toISOString()).toBe("2014-04-20T20:19:00.000Z");
      expect(parseFeedDate("2014-04-20 08:19:33 PM")?.toISOString()).toBe("2014-04-20T20:19:33.000Z");
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it.each([
    ["WEST", "2014-04-20T19:19:00.000Z"],
    ["MESZ", "2014-04-20T18:19:00.000Z"],
    ["IST", "2014-04-20T14:49:00.000Z"], // India Standard Time, the reading feeds mean most
    ["AST", "2014-04-21T00:19:00.000Z"],
    ["NZDT", "2014-04-20T07:19:00.000Z"],
    ["AEST", "2014-04-20T10:19:00.000Z"],
    ["HKT", "2014-04-20T12:19:00.000Z"],
    ["PT", "2014-04-21T04:19:00.000Z"],
  ])("zone abbreviations beyond RFC 822's US ones: %s", (zone, iso) => {
    expect(parseFeedDate(`Sun, 20 Apr 2014 20:19:00 ${zone}`)?.toISOString()).toBe(iso);
  });

  it("an unknown zone name gives no date rather than a wrong one", () => {
    expect(parseFeedDate("Sun, 20 Apr 2014 20:19:00 XYZT")).toBeNull();
  });

  it("ROME's xml:base tests (rome/atom_1.0_b.xml): ISO 8601 with a one-digit second, '12:35:9+01:00'", () => {
    expect(parseFeedDate("2006-01-17T12:35:9+01:00")?.toISOString()).toBe("2006-01-17T11:35:09.000Z");
    expect(parseFeedDate("2006-1-7T2:5:3Z")?.toISOString()).toBe("2006-01-07T02:05:03.000Z");
    expect(parseFeedDate("2006-01-17 12:35:16,5 +0130")?.toISOString()).toBe("2006-01-17T11:05:16.500Z");
    // Impossible fields are refused, not rolled over into another day.
    expect(parseFeedDate("2006-02-31T12:00:00Z")).toBeNull();
    expect(parseFeedDate("2006-13-01T12:00:00Z")).toBeNull();
  });

  it("24:00 is the end of a day, but 24:30, day 31 of a 30-day month at 24:00 and an offset of +99:99 are no dates", () => {
    expect(parseFeedDate("2024-01-31T24:00:00Z")?.toISOString()).toBe("2024-02-01T00:00:00.000Z");
    expect(parseFeedDate("2024-01-31T24:30:00Z")).toBeNull();
    expect(parseFeedDate("2024-04-31T24:00:00Z")).toBeNull();
    expect(parseFeedDate("2024-01-31T10:00:00+99:99")).toBeNull();
    expect(parseFeedDate("2024-01-31T10:00:00+14:00")?.toISOString()).toBe("2024-01-30T20:00:00.000Z");
  });
});

describe("mojibake: UTF-8 read as Windows-1252 and encoded again", () => {
  it("Yandex (codehollow-feedreader/Rss20YandexRussia.xml): Cyrillic, with the undefined byte 0x81 as a C1 code", () => {
    expect(collapseWhitespace("Ð’ ÐœÐ¾Ñ\u0081ÐºÐ²Ðµ Ð¸Ð·-Ð·Ð° Ñ\u0081Ð¸Ð»ÑŒÐ½Ñ‹Ñ…")).toBe("В Москве из-за сильных");
  });

  it("der Standard (Rss20DaStandardAt.xml): č and ć, whose second byte 0x8D is undefined in Windows-1252", () => {
    expect(collapseWhitespace("Gemeinsame Geschichte - BeÄ\u008D, das Herz des Balkans")).toBe(
      "Gemeinsame Geschichte - Beč, das Herz des Balkans",
    );
    expect(collapseWhitespace("TurkoviÄ‡")).toBe("Turković");
    expect(repairEncoding("BeÄ\u008D")).toBe("Beč");
  });

  it("Japan Times (Rss20JapanTimes.xml) and Le Figaro (Rss20LeFigaro.xml): Latin Extended ō and œ", () => {
    expect(collapseWhitespace("the customary Å\u008DsÅ\u008Dji (big cleanup)")).toBe("the customary ōsōji (big cleanup)");
    expect(collapseWhitespace("Ã\u00A0 Paris, 22 Å“uvres rÃ©alisÃ©es")).toBe("à Paris, 22 œuvres réalisées");
  });

  it("20minutos (Rss10Minutos20.xml) and a SimplePie mock (feed_rss-2.0_for_file_mock.xml): CJK and emoji", () => {
    expect(collapseWhitespace("â€” ä»˜å½§Mad4Yu")).toBe("— 付彧Mad4Yu");
    expect(collapseWhitespace("â\u008Fºï¸\u008F Play")).toBe("⏺️ Play");
    expect(collapseWhitespace("ðŸ˜€ smile")).toBe("😀 smile");
  });

  it("a no-break space turned into a space is read back only beside certain mojibake", () => {
    expect(collapseWhitespace("dÃ©jÃ la")).toBe("déjà la");
    expect(collapseWhitespace("Ã la carte")).toBe("Ã la carte");
  });

  it("leaves genuine Latin-1 text alone, in the words of European languages", () => {
    const genuine = [
      "São Paulo",
      "Æble og Øre i Ålborg",
      "Ðað er Þór",
      "Ça va, señor? Año nuevo",
      "Ärger über Öl",
      "naïve Noël",
      "«café»…",
      "«CAFÉ»",
      "JOSÉ” dijo",
      "IRMÔ e",
      "AQUÍ…",
      "COSÌ…",
      "GROß”",
      "PŘÍBĚH",
      "Straße…",
      "Ä… is fine",
      "Âge and Ãtre stay",
      "sÄ… alone is ambiguous",
      "déjà…»",
      "Ýmir”",
      "crème brûlée",
      "Ærø",
      "3×”",
    ];
    for (const text of genuine) {
      expect(collapseWhitespace(text)).toBe(text);
      expect(repairEncoding(text)).toBe(text);
    }
  });

  it("repairs an ambiguous run when the same text holds certain mojibake ('sÄ… siÄ™')", () => {
    expect(collapseWhitespace("sÄ… siÄ™")).toBe("są się");
  });
});

describe("markup escaped twice inside real markup", () => {
  // rss-parser's reddit-atom.rss items #17, #21, #22: reddit's self text escaped twice, then its real footer.
  const reddit =
    "&amp;lt;!-- SC_OFF --&amp;gt;&amp;lt;div class=&amp;quot;md&amp;quot;&amp;gt;&amp;lt;p&amp;gt;A threesome &amp;amp;amp; more&amp;lt;/p&amp;gt; " +
    '&amp;lt;/div&amp;gt;&amp;lt;!-- SC_ON --&amp;gt; submitted by<a href="https://www.reddit.com/user/x">x</a><br/>';

  it("reddit (rss-parser/reddit-atom.rss): the escaped text is unwrapped, the real elements kept", () => {
    const html = unwrapDoubleEscaped(reddit);
    expect(html).toBe(
      '<!-- SC_OFF --><div class="md"><p>A threesome &amp; more</p> </div><!-- SC_ON --> submitted by<a href="https://www.reddit.com/user/x">x</a><br/>',
    );
    expect(htmlToText(html)).toBe("A threesome & more submitted byx");
  });

  it("leaves prose that mentions a tag, and a code sample that shows escaped markup, as written", () => {
    const prose = "<p>Write &amp;lt;b&amp;gt; to embolden</p>";
    expect(unwrapDoubleEscaped(prose)).toBe(prose);
    // feedburner.atom #7 shows an API answer whose value is escaped HTML.
    const code = '<pre>&lt;desc&gt;...<br />&amp;lt;a href="https://x.test/"&amp;gt;See the full policy&amp;lt;/a&amp;gt;</pre>';
    expect(unwrapDoubleEscaped(code)).toBe(code);
  });

  it("still unwraps a whole body escaped twice", () => {
    expect(unwrapDoubleEscaped("&lt;p&gt;Hi &lt;b&gt;there&lt;/b&gt;&lt;/p&gt;")).toBe("<p>Hi <b>there</b></p>");
  });
});
