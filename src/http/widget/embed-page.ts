import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { escapeHtml } from "../../ingest/escape-html.ts";

/** The card styles, shared by the embed page and the web component so both look the same. */
export const CARDS_CSS = readFileSync(new URL("./cards.css", import.meta.url), "utf8");
const PAGE_CSS = `html,body{margin:0;padding:0;background:transparent}\n${CARDS_CSS}`;
/** The page runs no script at all and loads nothing; its one stylesheet is allowed by hash. */
const PAGE_CSP = `default-src 'none'; style-src 'sha256-${createHash("sha256").update(PAGE_CSS).digest("base64")}'; base-uri 'none'; form-action 'none'`;
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
    const title = card.url && /^https?:\/\//i.test(card.url)
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
</body></html>
`;
}
