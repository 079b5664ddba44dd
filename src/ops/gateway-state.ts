import { fullTextCounts } from "../model/source-snapshot.ts";
import type { PushState } from "../model/push-status.ts";
import type { Store } from "../store/store.ts";
import type { GatewayState } from "./metrics.ts";

/**
 * What the metrics' gauges show, read from the store without reading any
 * source; `pushStateOf` gives each enabled source's WebSub state (none: not
 * reported).
 */
export function readGatewayState(store: Store, nowMs: number, pushStateOf?: (sourceId: string) => PushState): GatewayState {
  const catalog = store.builtCatalog;
  return {
    nowMs,
    catalog: catalog && { articles: catalog.articles.length, version: catalog.version, builtAtMs: catalog.builtAt.getTime() },
    sources: store.config.sources.map((source) => {
      const snapshot = source.enabled ? store.snapshot(source.id) : undefined;
      return {
        id: source.id,
        enabled: source.enabled,
        tried: snapshot !== undefined,
        ok: snapshot?.ok ?? false,
        items: snapshot?.articles.length ?? 0,
        lastSuccessAtMs: snapshot?.lastSuccessAt?.getTime() ?? null,
        push: source.enabled && pushStateOf ? pushStateOf(source.id) : null,
        fullText: source.fullText && snapshot?.fullText ? fullTextCounts(snapshot.articles.length, snapshot.fullText) : null,
      };
    }),
  };
}
