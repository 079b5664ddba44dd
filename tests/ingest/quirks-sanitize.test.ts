import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { decodeBody } from "../../src/ingest/decode.ts";
import { parseBody } from "../../src/ingest/parse-body.ts";
import { sanitizeContent } from "../../src/ingest/sanitize.ts";
import { htmlToText } from "../../src/ingest/text.ts";

/**
 * Sanitizer quirks found by comparing what we serve with python3-feedparser
 * over the real-world corpus (npm run corpus:compare). Each is named after the
 * feed that showed it.
 */

const BASE = ["https://feed.example/blog/"];
const REAL_WORLD = new URL("../fixtures/real-world/feeds/", import.meta.url);

/** The text a reader sees of a sanitized body. */
const shown = (html: string) => htmlToText(sanitizeContent(html, BASE));

async function sanitizedBodies(file: string): Promise<string[]> {
  const decoded = decodeBody(readFileSync(path.join(REAL_WORLD.pathname, file)), null);
  const { feed } = await parseBody(decoded.text, null, "auto");
  return feed.items.map((item) => sanitizeContent(item.contentHtml ?? "", BASE));
}

describe("intertwingly.net (SamRuby.xml, intertwingly.atom): an inline SVG logo before each post", () => {
  // As the feed writes it (xhtml content): a 100×100 logo whose <text> draws a "W".
  const LOGO =
    '<div xmlns="http://www.w3.org/1999/xhtml"><svg style="float:right" xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100">\n' +
    '  <defs><radialGradient id="g" cx="50%"><stop offset="0%" stop-color="#f8ce22"></stop></radialGradient></defs>\n' +
    '  <rect width="100" height="100" rx="10"/>\n' +
    '  <text x="50" y="90" font-size="90" fill="#5f9ea0" font-family="serif" text-anchor="middle">W</text>\n' +
    "</svg>\n<p>Usage: add wunderbar and nokogiri to your Gemfile.</p></div>";

  it("drops the logo with its text: the body does not start with a stray W", () => {
    expect(sanitizeContent(LOGO, BASE)).toBe("<div>\n<p>Usage: add wunderbar and nokogiri to your Gemfile.</p></div>");
    expect(shown(LOGO)).toBe("Usage: add wunderbar and nokogiri to your Gemfile.");
  });

  it("no post of the real feeds shows the logo's W", async () => {
    for (const file of ["feedjira/SamRuby.xml", "node-feedparser/intertwingly.atom"]) {
      const bodies = await sanitizedBodies(file);
      expect(bodies.length, file).toBeGreaterThan(15);
      for (const body of bodies) {
        expect(body, file).not.toMatch(/<svg|<text/i);
        expect(htmlToText(body), file).not.toMatch(/^W /);
      }
    }
  });

  it("drops an SVG's <title> and <desc> too, and keeps the text after a self-closed or unclosed-inside svg", () => {
    expect(shown("<p>a<svg><title>icon</title><desc>a bell</desc><path d='M0 0'/></svg>b</p>")).toBe("ab");
    expect(shown("<p>x<svg/>y</p>")).toBe("xy");
    expect(shown("<p>x<svg><text>W</text></p><p>after</p>")).toBe("x after");
  });
});

describe("yakubin.com (yakubin.atom): MathML with its TeX source in an <annotation>", () => {
  const MATH =
    '<p>When you request <math display="inline" xmlns="http://www.w3.org/1998/Math/MathML"><semantics><mi>n</mi>' +
    '<annotation encoding="application/x-tex">n</annotation></semantics></math> bytes from <code>bumpalo</code>, it gives you memory.</p>';

  it("drops the formula with its text, as the reader's text does: never the doubled 'nn'", () => {
    expect(sanitizeContent(MATH, BASE)).toBe("<p>When you request  bytes from <code>bumpalo</code>, it gives you memory.</p>");
    expect(shown(MATH)).toBe("When you request bytes from bumpalo, it gives you memory.");
    // The body's text and the summary's (htmlToText of the raw markup) agree.
    expect(shown(MATH)).toBe(htmlToText(MATH));
  });

  it("never shows an annotation's TeX, in any placement", () => {
    const tex =
      "<math><semantics><mrow><msup><mi>x</mi><mn>2</mn></msup></mrow><annotation-xml encoding='MathML-Content'><ci>x</ci></annotation-xml><annotation encoding='application/x-tex'>x^2</annotation></semantics></math>";
    expect(shown(`<p>a ${tex} b</p>`)).toBe("a b");
  });
});

describe("what a browser never shows is dropped with its text", () => {
  it("<template> and <noscript> (where bodies are shown, scripting is on)", () => {
    expect(shown("<template><p>inert</p></template><p>after</p>")).toBe("after");
    expect(shown('<p>a<noscript><img src="https://cdn.example/i.png">Enable JavaScript</noscript>b</p>')).toBe("ab");
  });

  it("keeps what is shown in place of media we drop: <object> and <iframe> fallback text", () => {
    // feedparser keeps both too (its wellformed_sanitize_entry_content_object/iframe fixtures).
    expect(sanitizeContent('safe<object classid="clsid:C932BA85"> <b>description</b>', BASE)).toBe("safe <b>description</b>");
    expect(sanitizeContent('safe<iframe src="http://example.com/"> <b>description</b></iframe>', BASE)).toBe("safe <b>description</b>");
    expect(shown("<p>a</p><video src='v.mp4'>Download the <a href='v.mp4'>video</a></video>")).toBe("a Download the video");
  });
});
