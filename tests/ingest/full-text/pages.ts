import { readFileSync } from "node:fs";
import { parseHTML } from "linkedom";

const FOLDER = new URL("../../fixtures/full-text/", import.meta.url);

/** The news articles among the fixtures (see tests/fixtures/full-text/MANIFEST.md), with what must and must not be extracted. */
export const ARTICLES = {
  "bbc-1": { lang: "en", absent: ["Skip to content", "Accessibility Help", "Also in the News"] },
  "nytimes-1": { lang: "en", absent: ["Skip to navigation", "View mobile version"] },
  "lemonde-1": { lang: "fr", absent: ["Édition Abonnés"] },
  "ars-1": { lang: "en", absent: ["Staff Directory", "Advertise with Ars"] },
  heise: { lang: "de", absent: ["Menü auf-/zuklappen", "Digitale Fotografie"] },
} as const;

export type ArticleName = keyof typeof ARTICLES;
export const ARTICLE_NAMES = Object.keys(ARTICLES) as ArticleName[];

/** A fixture page's bytes, as its site served them. */
export function pageBytes(name: string): Buffer {
  return readFileSync(new URL(`${name}/source.html`, FOLDER));
}

/** The paragraphs of text Readability's own test expects from the page, whitespace collapsed. */
export function expectedParagraphs(name: string): string[] {
  const { document } = parseHTML(`<html><body>${readFileSync(new URL(`${name}/expected.html`, FOLDER), "utf8")}</body></html>`);
  return [...document.querySelectorAll("p")].map((p) => collapse(p.textContent ?? "")).filter((text) => text.length > 60);
}

export function expectedMetadata(name: string): { title: string; readerable: boolean } {
  return JSON.parse(readFileSync(new URL(`${name}/expected-metadata.json`, FOLDER), "utf8"));
}

/** Text of an HTML fragment, whitespace collapsed and entities decoded (as a reader sees it). */
export function textOf(html: string): string {
  const { document } = parseHTML(`<html><body>${html}</body></html>`);
  return collapse(document.body.textContent ?? "");
}

export function collapse(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** An RSS feed of teasers: one item per page, its description a sentence. */
export function teaserFeed(items: { title: string; link: string; teaser: string; guid?: string }[]): string {
  const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Teasers</title><link>http://127.0.0.1/</link><description>Teasers only</description>
${items
  .map(
    (item) =>
      `<item><title>${escapeXml(item.title)}</title><link>${escapeXml(item.link)}</link><guid>${escapeXml(item.guid ?? item.link)}</guid>` +
      `<pubDate>${publishedAt(item.link).toUTCString()}</pubDate><description>${escapeXml(item.teaser)}</description></item>`,
  )
  .join("\n")}
</channel></rss>`;
}

/** An item's date, from its link alone: the same item keeps its date (and so its article hash) wherever it stands in the feed. */
function publishedAt(link: string): Date {
  let minutes = 0;
  for (const char of link) minutes = (minutes * 31 + char.charCodeAt(0)) % 1440;
  return new Date(Date.UTC(2026, 0, 10) + minutes * 60_000);
}
