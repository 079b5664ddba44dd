import type { FetchRecord } from "../../ops/fetch-history.ts";
import { escapeHtml } from "../../ingest/escape-html.ts";

export const CHART_WIDTH = 220;
export const CHART_HEIGHT = 48;
/** Room at the top for the scale labels. */
const TOP = 11;

/**
 * A small inline SVG of a source's recent reads, oldest on the left: one bar
 * per read for its latency (red when it failed), and a line for the items the
 * source held after it. Pure markup with presentation attributes and classes:
 * no script and no inline style, so it passes a strict Content-Security-Policy.
 */
export function fetchChart(label: string, records: FetchRecord[]): string {
  const title = `${label}: latency and items of the last ${records.length} reads`;
  if (records.length === 0) {
    return `<svg class="chart" width="${CHART_WIDTH}" height="${CHART_HEIGHT}" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" role="img" aria-label="${escapeHtml(title)}"><title>${escapeHtml(title)}</title><text x="4" y="28" class="none">no reads yet</text></svg>`;
  }
  const plotHeight = CHART_HEIGHT - TOP - 1;
  const slot = CHART_WIDTH / Math.max(records.length, 10);
  const maxMs = Math.max(1, ...records.map((r) => r.durationMs));
  const mostItems = Math.max(...records.map((r) => r.items));
  // The scale never divides by zero; the label shows the true figure.
  const maxItems = Math.max(1, mostItems);
  const bars = records
    .map((r, i) => {
      const height = Math.max(1, (r.durationMs / maxMs) * plotHeight);
      const kind = r.ok ? (r.status === "not-modified" ? "bar same" : "bar") : "bar err";
      const tip = `${new Date(r.at).toISOString()} ${r.status}, ${Math.round(r.durationMs)} ms, ${r.items} items, ${r.bytes} bytes`;
      return `<rect class="${kind}" x="${fixed(i * slot + 1)}" y="${fixed(CHART_HEIGHT - 1 - height)}" width="${fixed(Math.max(1, slot - 2))}" height="${fixed(height)}"><title>${escapeHtml(tip)}</title></rect>`;
    })
    .join("");
  const points = records
    .map((r, i) => `${fixed(i * slot + slot / 2)},${fixed(CHART_HEIGHT - 1 - (r.items / maxItems) * plotHeight)}`)
    .join(" ");
  const line =
    records.length > 1
      ? `<polyline class="items" points="${points}"/>`
      : `<circle class="items-dot" cx="${points.split(",")[0]}" cy="${points.split(",")[1]}" r="2"/>`;
  return (
    `<svg class="chart" width="${CHART_WIDTH}" height="${CHART_HEIGHT}" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" role="img" aria-label="${escapeHtml(title)}">` +
    `<title>${escapeHtml(title)}</title>` +
    `<line class="axis" x1="0" y1="${CHART_HEIGHT - 0.5}" x2="${CHART_WIDTH}" y2="${CHART_HEIGHT - 0.5}"/>` +
    bars +
    line +
    `<text x="2" y="9" class="scale">${Math.round(maxMs)} ms</text>` +
    `<text x="${CHART_WIDTH - 2}" y="9" class="scale items-scale" text-anchor="end">${mostItems} items</text>` +
    `</svg>`
  );
}

function fixed(value: number): string {
  return String(Math.round(value * 10) / 10);
}
