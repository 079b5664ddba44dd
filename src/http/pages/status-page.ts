import { createHash } from "node:crypto";

import type { FetchRecord } from "../../ops/fetch-history.ts";
import { escapeHtml } from "../../ingest/escape-html.ts";
import { fetchChart } from "./status-chart.ts";
import { fullTextNote } from "./full-text-note.ts";
import type { SourceSnapshot } from "../../model/source-snapshot.ts";
import type { PushStatus } from "../../model/push-status.ts";

/** How often the page reloads itself (a meta refresh: no script needed). */
export const STATUS_REFRESH_SECONDS = 10;

export interface StatusSourceRow {
  id: string;
  name: string;
  /** Redacted (see redactUrl): no user info, query or fragment, which may carry keys. */
  url: string;
  enabled: boolean;
  snapshot: SourceSnapshot | undefined;
  history: FetchRecord[];
  /** WebSub push state (see src/push). @default not shown */
  push?: PushStatus;
}

export interface StatusView {
  nowMs: number;
  sources: StatusSourceRow[];
  catalog: { version: number; articles: number; builtAtMs: number } | null;
  /** @default STATUS_REFRESH_SECONDS */
  refreshSeconds?: number;
}

const STYLESHEET = `
:root { color-scheme: light; --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --muted: #57606a; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 24px; color: #1f2328; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; }
.summary { color: var(--muted); margin: 0 0 16px; }
.summary strong { color: #1f2328; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: middle; padding: 8px 10px; border-bottom: 1px solid var(--line); }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.failing td { background: #fff5f5; }
tr.failing td:first-child { box-shadow: inset 4px 0 0 var(--bad); }
tr.disabled td { color: var(--muted); }
.name { font-weight: 600; }
.sub { display: block; color: var(--muted); font-size: 12px; word-break: break-all; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.badge.ok { background: #dafbe1; color: var(--ok); }
.badge.failing { background: #ffebe9; color: var(--bad); }
.badge.warning { background: #fff8c5; color: var(--warn); }
.badge.untried, .badge.disabled { background: #eaeef2; color: var(--muted); }
.error { color: var(--bad); max-width: 340px; word-break: break-word; }
.error code { font-weight: 600; }
.note { color: var(--warn); max-width: 340px; word-break: break-word; }
.none { color: var(--muted); fill: var(--muted); font-size: 11px; }
.chart { display: block; background: #fbfcfd; border: 1px solid #eaeef2; border-radius: 3px; }
.chart .bar { fill: #8fb3d9; }
.chart .bar.same { fill: #c5d8ec; }
.chart .bar.err { fill: var(--bad); }
.chart .items { fill: none; stroke: #1f2328; stroke-width: 1.5; }
.chart .items-dot { fill: #1f2328; }
.chart .axis { stroke: var(--line); }
.chart .scale { font-size: 9px; fill: var(--muted); }
.legend { color: var(--muted); font-size: 12px; margin-top: 12px; }
td { overflow-wrap: anywhere; }
/* A phone: each source becomes a card of labelled lines; nothing is wider than the screen. */
@media (max-width: 760px) {
  body { margin: 12px; }
  table, tbody, tr, td { display: block; width: 100%; }
  thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
  tr.source { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 12px; overflow: hidden; }
  tr.failing td:first-child { box-shadow: none; }
  tr.failing { border-left: 4px solid var(--bad); }
  td { position: relative; min-height: 2.3em; padding: 6px 10px 6px 8.5em; border-bottom: 1px solid #eaeef2; text-align: left; }
  td:last-child { border-bottom: 0; }
  td.num { text-align: left; }
  td::before { content: attr(data-label); position: absolute; left: 10px; top: 7px; width: 7.5em; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
  td.head { padding-left: 10px; background: #f6f8fa; }
  td.head::before { content: none; }
  td.wide { padding-left: 10px; }
  td.wide::before { position: static; display: block; width: auto; margin-bottom: 4px; }
  .error, .note { max-width: none; }
  .chart { max-width: 100%; height: auto; }
}
`;

/** The stylesheet is the page's only inline content; the policy names its hash, so nothing else can style or run. */
const STYLE_HASH = createHash("sha256").update(STYLESHEET).digest("base64");

/** Nothing loads from anywhere, no script runs, only our stylesheet applies, and no one may frame the page. */
export const STATUS_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${STYLE_HASH}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * The status page: a summary line and one row per source (health, last read,
 * age of its data, items, last error, a chart of recent reads). Every value
 * from a sources file or an upstream is escaped. Pure: the route gathers the view.
 */
export function renderStatusPage(view: StatusView): string {
  const refresh = view.refreshSeconds ?? STATUS_REFRESH_SECONDS;
  const enabled = view.sources.filter((s) => s.enabled);
  const failing = enabled.filter((s) => s.snapshot && !s.snapshot.ok).length;
  const ok = enabled.filter((s) => s.snapshot?.ok).length;
  const untried = enabled.filter((s) => !s.snapshot).length;
  const catalog = view.catalog
    ? `catalog v${view.catalog.version}: <strong>${view.catalog.articles}</strong> articles, rebuilt ${ago(view.nowMs, view.catalog.builtAtMs)}`
    : "catalog not built yet";
  const rows = view.sources.map((source) => row(source, view.nowMs)).join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="${refresh}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Newsgate status${failing ? ` (${failing} failing)` : ""}</title>
<style>${STYLESHEET}</style>
</head>
<body>
<h1>Newsgate status</h1>
<p class="summary"><strong>${enabled.length}</strong> sources: <strong>${ok}</strong> ok, <strong>${failing}</strong> failing${untried ? `, <strong>${untried}</strong> not read yet` : ""} · ${catalog} · ${time(view.nowMs)} · refreshes every ${refresh} s</p>
<table>
<thead><tr><th>Source</th><th>Health</th><th>Last read</th><th>Age of data</th><th>Items</th><th>Last error</th><th>Recent reads</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<p class="legend">Recent reads: one bar per read, its height the time it took (red: failed, pale: not modified); the line is the number of items held after it.</p>
</body>
</html>
`;
}

function row(source: StatusSourceRow, nowMs: number): string {
  const snap = source.snapshot;
  const health = !source.enabled ? "disabled" : !snap ? "untried" : !snap.ok ? "failing" : snap.warning ? "warning" : "ok";
  const label = {
    disabled: "disabled",
    untried: "not read yet",
    failing: `failing${snap && snap.consecutiveFailures > 1 ? ` ×${snap.consecutiveFailures}` : ""}`,
    warning: "ok, with warning",
    ok: "ok",
  }[health];
  const problem = snap?.error
    ? `<span class="error"><code>${escapeHtml(snap.error.code)}</code> ${escapeHtml(snap.error.message)}</span>`
    : snap?.warning
      ? `<span class="note">${escapeHtml(snap.warning)}</span>`
      : `<span class="none">—</span>`;
  const format = snap?.format ? ` · ${escapeHtml(snap.format)}` : "";
  return `<tr class="source ${health}" data-source="${escapeHtml(source.id)}">
<td class="head"><span class="name">${escapeHtml(source.name)}</span><span class="sub">${escapeHtml(source.id)}${format}</span><span class="sub">${escapeHtml(source.url)}</span></td>
<td data-label="Health"><span class="badge ${health}">${label}</span>${pushLine(source.push, nowMs)}</td>
<td data-label="Last read">${snap?.lastFetchedAt ? `${ago(nowMs, snap.lastFetchedAt.getTime())}<span class="sub">${Math.round(snap.durationMs)} ms</span>` : `<span class="none">never</span>`}</td>
<td data-label="Age of data">${snap?.lastSuccessAt ? ago(nowMs, snap.lastSuccessAt.getTime()) : `<span class="none">no data</span>`}</td>
<td class="num" data-label="Items">${snap ? snap.articles.length : 0}</td>
<td data-label="Last error">${problem}${fullTextNote(snap)}</td>
<td class="wide" data-label="Recent reads">${fetchChart(source.name, source.history)}</td>
</tr>`;
}

/** The source's WebSub push state, under its health: off, no hub, subscribing, active until…, denied, failed or lapsed, with the reason. */
function pushLine(push: PushStatus | undefined, nowMs: number): string {
  if (!push) return "";
  const until = push.leaseEndsAt ? ` until ${time(push.leaseEndsAt.getTime())}` : "";
  const said =
    push.state === "active"
      ? `push: active${until}`
      : `push: ${push.state === "no-hub" ? "no hub" : push.state}${push.reason ? ` (${escapeHtml(push.reason)})` : ""}`;
  const last = push.lastPushAt ? `, last push ${ago(nowMs, push.lastPushAt.getTime())}` : "";
  return `<span class="sub push" data-push="${push.state}">${said}${last}</span>`;
}

/** A relative time with the exact one as a tooltip. */
function ago(nowMs: number, thenMs: number): string {
  const seconds = Math.max(0, Math.round((nowMs - thenMs) / 1000));
  const text =
    seconds < 2
      ? "just now"
      : seconds < 120
        ? `${seconds} s ago`
        : seconds < 7200
          ? `${Math.round(seconds / 60)} min ago`
          : seconds < 172_800
            ? `${Math.round(seconds / 3600)} h ago`
            : `${Math.round(seconds / 86_400)} days ago`;
  return `<time datetime="${new Date(thenMs).toISOString()}" title="${new Date(thenMs).toISOString()}">${text}</time>`;
}

function time(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `<time datetime="${iso}">${iso.slice(0, 19).replace("T", " ")} UTC</time>`;
}
