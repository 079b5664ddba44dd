import { escapeHtml } from "../../ingest/escape-html.ts";
import { fullTextCounts, type SourceSnapshot } from "../../model/source-snapshot.ts";

/**
 * A source's full-text line on the status page: how many of its articles
 * carry their page's article, how the last read of pages went, and the last
 * page that gave none, with its code. Empty for a source without `fullText`.
 */
export function fullTextNote(snapshot: SourceSnapshot | undefined): string {
  const state = snapshot?.fullText;
  if (!state) return "";
  const { extracted, retrying, untried: pending } = fullTextCounts(snapshot.articles.length, state);
  const last = state.lastRead;
  const parts = [
    `full text: ${extracted} of ${snapshot.articles.length} articles`,
    state.failed.length ? `${state.failed.length} pages gave none` : "",
    retrying ? `${retrying} to try again` : "",
    pending ? `${pending} not tried yet` : "",
    last ? `last read ${last.pagesRead} pages: ${last.extracted} extracted, ${last.failed} failed` : "",
  ].filter(Boolean);
  const error = state.lastError
    ? ` <span class="error"><code>${escapeHtml(state.lastError.code)}</code> ${escapeHtml(state.lastError.url)}: ${escapeHtml(state.lastError.message)}</span>`
    : "";
  return `<span class="sub full-text">${escapeHtml(parts.join(" · "))}${error}</span>`;
}
