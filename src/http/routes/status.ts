import { redactUrl } from "../../config/redact-url.ts";
import type { FetchHistory } from "../../ops/fetch-history.ts";
import type { Store } from "../../store/store.ts";
import type { Route } from "../server/routes.ts";
import { renderStatusPage, STATUS_CSP } from "../pages/status-page.ts";

export const STATUS_PATH = "/status";

export interface StatusRouteDeps {
  store: Store;
  history: FetchHistory;
  /** Wall clock, epoch milliseconds. @default Date.now */
  now?: () => number;
}

/**
 * `GET /status`: the status page, built from what the store holds, never
 * reading a source (a page that refreshes every few seconds must not cause
 * upstream traffic).
 */
export function createStatusRoute({ store, history, now = Date.now }: StatusRouteDeps): Route {
  return {
    path: STATUS_PATH,
    handle: (req, res) => {
      const catalog = store.builtCatalog;
      const html = renderStatusPage({
        nowMs: now(),
        catalog: catalog && { version: catalog.version, articles: catalog.articles.length, builtAtMs: catalog.builtAt.getTime() },
        sources: store.config.sources.map((source) => ({
          id: source.id,
          name: source.name,
          // The same redaction as everywhere a source's URL is shown (user info too, not only the query).
          url: redactUrl(source.url),
          enabled: source.enabled,
          snapshot: source.enabled ? store.snapshot(source.id) : undefined,
          history: history.recent(source.id),
          push: source.enabled ? store.pushStatus(source.id) : undefined,
        })),
      });
      res.writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        "content-length": Buffer.byteLength(html),
        "cache-control": "no-store",
        "content-security-policy": STATUS_CSP,
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
      });
      res.end(req.method === "HEAD" ? undefined : html);
    },
  };
}
