import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { escapeHtml } from "../../../ingest/escape-html.ts";

/** The card styles, shared by the embed page and the web component so both look the same. */
export const CARDS_CSS = readFileSync(new URL("./cards.css", import.meta.url), "utf8");
const PAGE_CSS = `html,body{margin:0;padding:0;background:transparent}\n${CARDS_CSS}`;
/** What the page posts to its parent, and what the parent's `/embed.js` may ask it (see newsgate-feed.js). */
export const HEIGHT_MESSAGE = "newsgate:height";
export const MEASURE_MESSAGE = "newsgate:measure";
/**
 * The page's one script: it tells the page that frames it how tall its content
 * is (a number, nothing else), on load, whenever that changes (the frame is
 * resized, the text reflows) and when the parent's `/embed.js` asks, so the
 * frame can fit its content. `*`: the parent's origin is not known here, and
 * a height is no secret; the parent checks where the message came from.
 */
const PAGE_SCRIPT = `(function () {
  if (window.parent === window) return;
  var last = -1;
  function post(always) {
    var height = Math.ceil(document.body.getBoundingClientRect().height);
    if (height === last && !always) return;
    last = height;
    window.parent.postMessage({ type: ${JSON.stringify(HEIGHT_MESSAGE)}, height: height }, "*");
  }
  window.addEventListener("load", function () { post(true); });
  window.addEventListener("resize", function () { post(false); });
  window.addEventListener("message", function (event) {
    if (event.source === window.parent && event.data && event.data.type === ${JSON.stringify(MEASURE_MESSAGE)}) post(true);
  });
  if (window.ResizeObserver) new ResizeObserver(function () { post(false); }).observe(document.body);
})();`;
const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;
/** The page loads nothing; its one stylesheet and its one script are allowed by hash. */
const PAGE_CSP = `default-src 'none'; style-src ${sha256(PAGE_CSS)}; script-src ${sha256(PAGE_SCRIPT)}; base-uri 'none'; form-action 'none'`;
const DATE = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", year: "numeric", timeZone: "UTC" });

export const EMBED_THEMES = ["light", "dark"] as const;
export type EmbedTheme = (typeof EMBED_THEMES)[number];

/** One card of the "Related editorial" block: what the widget's JSON carries, too. */
export interface Card {
  id: string;
  title: string;
  /** The story's page; null when it has none. */
  url: string | null;
  summary: string | null;
  readingTimeMinutes: number;
  publishedAt: string | null;
  /** The section's display name. */
  section: string;
}

/** The Content-Security-Policy of the embed page, given who may frame it. */
export function embedPagePolicy(frameAncestors: string): string {
  return `${PAGE_CSP}; frame-ancestors ${frameAncestors}`;
}

/** The iframe page: the same cards as the web component, rendered here, every value escaped. */
export function renderEmbedPage(input: { sectionName: string; cards: Card[]; theme: EmbedTheme }): string {
  const heading = `Latest in ${input.sectionName}`;
  const items = input.cards.map((card) => {
    const title =
      card.url && /^https?:\/\//i.test(card.url)
        ? `<a href="${escapeHtml(card.url)}" target="_blank" rel="noopener noreferrer">${escapeHtml(card.title)}</a>`
        : escapeHtml(card.title);
    const date = card.publishedAt ? new Date(card.publishedAt) : null;
    const time = date ? ` · <time datetime="${date.toISOString()}">${DATE.format(date)}</time>` : "";
    return [
      "<li><article>",
      `<p class="sec">${escapeHtml(card.section)}</p>`,
      `<h3>${title}</h3>`,
      card.summary ? `<p class="sum">${escapeHtml(card.summary)}</p>` : "",
      `<p class="meta">${card.readingTimeMinutes} min read${time}</p>`,
      "</article></li>",
    ].join("");
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(heading)} · Newsgate</title>
<style>${PAGE_CSS}</style>
</head><body>
<section class="ng${input.theme === "dark" ? " dark" : ""}" aria-labelledby="ng-heading">
<h2 id="ng-heading">${escapeHtml(heading)}</h2>
${items.length ? `<ul>\n${items.join("\n")}\n</ul>` : `<p class="msg">No articles yet</p>`}
</section>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}
