import { describe, expect, it } from "vitest";
import { indexedBodyText } from "../../src/store/catalog/indexed-text.ts";
import { htmlToText } from "../../src/ingest/text.ts";

describe("the body text that indexes read", () => {
  it("reads HTML as htmlToText does: blocks separate words, inline tags do not, entities decoded once", () => {
    const html =
      '<p>Chip<b>makers</b> &amp; &quot;foundries&quot;</p><p>expand&#160;in <a href="https://x.example/?a=1&amp;b=2">Arizona</a>&#x2019;s desert</p><ul><li>one</li><li>two</li></ul>';
    expect(indexedBodyText(html, 100)).toBe(htmlToText(html));
    expect(indexedBodyText(html, 100)).toBe('Chipmakers & "foundries" expand in Arizona’s desert one two');
  });

  it("keeps only the first words asked for", () => {
    const html = `<p>${Array.from({ length: 500 }, (_, i) => `w${i}`).join(" ")}</p>`;
    expect(indexedBodyText(html, 3)).toBe("w0 w1 w2");
  });

  it("never fails on what it cannot read: no body, a cut-off tag, impossible references", () => {
    expect(indexedBodyText(null, 10)).toBe("");
    expect(indexedBodyText("", 10)).toBe("");
    expect(indexedBodyText("<p>text cut <a href=", 10)).toBe("text cut");
    // As htmlToText reads them: a reference out of range is U+FFFD, one that is not a reference stays text.
    expect(indexedBodyText("a&#99999999;b &#0;c &#xZZ; &bogus; d", 10)).toBe("a\uFFFDb \uFFFDc &#xZZ; &bogus; d");
  });

  it("reads a feed's own HTML: comments and non-prose elements go with their content, every named reference is decoded", () => {
    const html = [
      "<!-- tracking pixel --><style>.x { color: red }</style>",
      '<div class="lede" style="margin:0">Caf&eacute; owners&nbsp;in Z&uuml;rich &mdash; <em>bet</em></div>',
      "<SCRIPT type=text/javascript>var promo = 'buy now';</SCRIPT><noscript>enable scripts</noscript>",
      "<p>on cocoa &copy 2026<svg><title>chart title</title><text>axis</text></svg></p>",
      "<iframe src=x>fallback words",
    ].join("");
    expect(indexedBodyText(html, 100)).toBe(htmlToText(html));
    expect(indexedBodyText(html, 100)).toBe("Café owners in Zürich — bet on cocoa &copy 2026");
  });
});
