import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { FullTextCounts } from "../model/source-snapshot.ts";
import type { PushState } from "../model/push-status.ts";

/** Every series this module defines starts with this, so a dashboard finds them together. */
export const METRIC_PREFIX = "newsgate_";
/** Operation and partner names come from clients: past this many distinct values, new ones count as `other`. */
export const MAX_LABEL_VALUES = 200;
/**
 * New operation names one client (a partner, or an anonymous address) may
 * add to the labels; its further new names count as `other`. Without it one
 * client sending 200 made-up names would take every slot, and every name
 * after them (a partner's new release) would be `other`.
 */
export const MAX_NEW_OPERATION_NAMES_PER_CLIENT = 20;
/** Seconds; GraphQL answers are mostly served from memory, so the buckets start low. */
export const GRAPHQL_DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds; an upstream read is bounded by its `timeoutMs` (10 s by default, 120 s at most). */
export const UPSTREAM_DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120];

export type OperationOutcome = "ok" | "error";
/** `hit`: served fresh; `stale`: served a stale copy while it refreshes; `miss`: the caller waited for a read. */
export type CacheResult = "hit" | "stale" | "miss";
export type UpstreamOutcome = "ok" | "not_modified" | "error";

export interface UpstreamFetchReport {
  source: string;
  outcome: UpstreamOutcome;
  /** The ingest error code (`TIMEOUT`, `HTTP_STATUS`, …) when the outcome is `error`. */
  errorCode: string | null;
  seconds: number;
  /** Body bytes received (0 for a 304 or a failure). */
  bytes: number;
}

/** What the gauges show, read at every scrape so they are never out of date. */
export interface GatewayState {
  nowMs: number;
  catalog: { articles: number; version: number; builtAtMs: number } | null;
  sources: {
    id: string;
    enabled: boolean;
    tried: boolean;
    ok: boolean;
    items: number;
    lastSuccessAtMs: number | null;
    /** Its WebSub state (null when not reported: disabled, or no push in this gateway). */
    push: PushState | null;
    /** How its articles stand with their pages, for a source with `fullText` once read; else null. */
    fullText: FullTextCounts | null;
  }[];
}

/** What became of content a hub pushed: taken in, dropped (badly signed), unreadable, for no subscription of ours, or over `maxBytes`. */
export type PushedContentOutcome = "taken" | "dropped" | "unreadable" | "unknown" | "too_large";

/** The instance's link to Redis (REDIS_URL), read at every scrape. */
export interface RedisState {
  /** Connected, and the last call answered in time. */
  up: boolean;
  /** Failed or timed-out calls so far, by operation (`feed`, `lock`, `rate-limit`, …); they only grow. */
  errors: ReadonlyMap<string, number>;
  /** Source locks taken over because they were stale, so far; it only grows. */
  staleLocksTakenOver: number;
}

/**
 * The gateway's Prometheus metrics. Callers report events through these
 * methods (the edge cache calls `cacheHit("edge")`, the rate limiter
 * `rateLimited(partner)`) and never touch prom-client themselves.
 */
export interface Metrics {
  readonly registry: Registry;
  /** `client` (a partner's name or a client address) bounds how many new names it may add; without one only the overall bound applies. */
  graphqlOperation(operation: string, outcome: OperationOutcome, seconds: number, client?: string): void;
  upstreamFetch(report: UpstreamFetchReport): void;
  cacheHit(layer: string): void;
  cacheStale(layer: string): void;
  cacheMiss(layer: string): void;
  /** `count` lookups with one result (a request that found every source fresh counts one hit per source). */
  cacheLookup(layer: string, result: CacheResult, count?: number): void;
  rateLimited(partner: string): void;
  /** Content a hub pushed to a callback, by what became of it. */
  websubPush(outcome: PushedContentOutcome): void;
  /** Where the gauges read the catalog and the sources from (the gateway sets it once). */
  observe(read: () => GatewayState): void;
  /**
   * Adds `newsgate_redis_up`, `newsgate_redis_errors_total` and `newsgate_stale_locks_taken_over_total`,
   * read from `read` (once, and only with REDIS_URL: without it they are absent).
   */
  observeRedis(read: () => RedisState): void;
}

export interface MetricsOptions {
  /** @default a fresh Registry: never prom-client's global one, so two gateways (or tests) never share series */
  registry?: Registry;
  /** Also export the process's CPU, memory and event-loop series (prom-client's defaults). @default false */
  processMetrics?: boolean;
}

export function createMetrics({ registry = new Registry(), processMetrics = false }: MetricsOptions = {}): Metrics {
  const registers = [registry];
  if (processMetrics) {
    collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
    // prom-client names three gauges `_total`, a suffix Prometheus keeps for counters (promtool refuses
    // them). Each is the sum of the by-type gauge beside it (`…_active_handles{type}`), so they go.
    for (const name of ["active_handles_total", "active_requests_total", "active_resources_total"])
      registry.removeSingleMetric(`${METRIC_PREFIX}nodejs_${name}`);
  }
  let read: (() => GatewayState) | null = null;
  const operationName = boundedLabel("anonymous", MAX_NEW_OPERATION_NAMES_PER_CLIENT);
  const partnerName = boundedLabel("anonymous");

  const operations = new Counter({
    name: `${METRIC_PREFIX}graphql_operations_total`,
    help: "GraphQL operations executed, by operation name and outcome (error: the answer carried errors).",
    labelNames: ["operation", "outcome"] as const,
    registers,
  });
  const operationSeconds = new Histogram({
    name: `${METRIC_PREFIX}graphql_operation_duration_seconds`,
    help: "Time from a GraphQL request's parameters to its result, by operation name and outcome.",
    labelNames: ["operation", "outcome"] as const,
    buckets: GRAPHQL_DURATION_BUCKETS,
    registers,
  });
  const fetches = new Counter({
    name: `${METRIC_PREFIX}upstream_fetches_total`,
    help: "Upstream reads, by source and outcome (ok, not_modified, error).",
    labelNames: ["source", "outcome"] as const,
    registers,
  });
  const fetchErrors = new Counter({
    name: `${METRIC_PREFIX}upstream_errors_total`,
    help: "Failed upstream reads, by source and error code (TIMEOUT, HTTP_STATUS, PARSE_ERROR, ...).",
    labelNames: ["source", "code"] as const,
    registers,
  });
  const fetchSeconds = new Histogram({
    name: `${METRIC_PREFIX}upstream_fetch_duration_seconds`,
    help: "Time of one upstream read (fetch, decode, parse, normalize), by source and outcome.",
    labelNames: ["source", "outcome"] as const,
    buckets: UPSTREAM_DURATION_BUCKETS,
    registers,
  });
  const fetchBytes = new Counter({
    name: `${METRIC_PREFIX}upstream_bytes_total`,
    help: "Body bytes received from upstream, after decompression, by source.",
    labelNames: ["source"] as const,
    registers,
  });
  const cacheLookups = new Counter({
    name: `${METRIC_PREFIX}cache_lookups_total`,
    help: "Cache lookups by layer (feed: the per-source feed cache; edge: the response cache) and result (hit, stale, miss).",
    labelNames: ["layer", "result"] as const,
    registers,
  });
  const rateLimitedTotal = new Counter({
    name: `${METRIC_PREFIX}rate_limited_total`,
    help: "Requests refused by a rate limit, by partner.",
    labelNames: ["partner"] as const,
    registers,
  });
  const websubPushes = new Counter({
    name: `${METRIC_PREFIX}websub_pushes_total`,
    help: "Content hubs pushed to a callback, by outcome: taken, dropped (unsigned or wrongly signed), unreadable, unknown (no such subscription), too_large.",
    labelNames: ["outcome"] as const,
    registers,
  });

  // Gauges read the state at scrape time: nothing to keep in step, nothing stale after a reload.
  const state = () => read?.() ?? null;
  new Gauge({
    name: `${METRIC_PREFIX}catalog_articles`,
    help: "Articles in the catalog as last built (after merging duplicates).",
    registers,
    collect() {
      const catalog = state()?.catalog;
      if (catalog) this.set(catalog.articles);
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}catalog_version`,
    help: "Version of the catalog as last built; it grows by one on every rebuild.",
    registers,
    collect() {
      const catalog = state()?.catalog;
      if (catalog) this.set(catalog.version);
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}catalog_age_seconds`,
    help: "Seconds since the catalog was last rebuilt (it is rebuilt when some source's content changes).",
    registers,
    collect() {
      const now = state();
      if (now?.catalog) this.set(Math.max(0, (now.nowMs - now.catalog.builtAtMs) / 1000));
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}source_items`,
    help: "Articles each enabled source holds (its last good read).",
    labelNames: ["source"] as const,
    registers,
    collect() {
      this.reset();
      for (const source of state()?.sources ?? []) if (source.enabled && source.tried) this.set({ source: source.id }, source.items);
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}source_up`,
    help: "1 when an enabled source's last read succeeded, 0 when it failed (absent before its first read).",
    labelNames: ["source"] as const,
    registers,
    collect() {
      this.reset();
      for (const source of state()?.sources ?? []) if (source.enabled && source.tried) this.set({ source: source.id }, source.ok ? 1 : 0);
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}source_data_age_seconds`,
    help: "Seconds since each enabled source's last good read: how old the articles it serves may be.",
    labelNames: ["source"] as const,
    registers,
    collect() {
      this.reset();
      const now = state();
      for (const source of now?.sources ?? []) {
        if (source.enabled && source.lastSuccessAtMs !== null)
          this.set({ source: source.id }, Math.max(0, (now!.nowMs - source.lastSuccessAtMs) / 1000));
      }
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}sources`,
    help: "Configured sources by state (ok, failing, untried, disabled).",
    labelNames: ["state"] as const,
    registers,
    collect() {
      const counts = { ok: 0, failing: 0, untried: 0, disabled: 0 };
      for (const source of state()?.sources ?? []) {
        counts[!source.enabled ? "disabled" : !source.tried ? "untried" : source.ok ? "ok" : "failing"]++;
      }
      for (const [name, value] of Object.entries(counts)) this.set({ state: name }, value);
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}websub_sources`,
    help: "Enabled sources by WebSub state (active: a hub pushes their changes; off: not pushed, see the status page for why).",
    labelNames: ["state"] as const,
    registers,
    collect() {
      const counts: Record<PushState, number> = { off: 0, "no-hub": 0, subscribing: 0, active: 0, denied: 0, failed: 0, lapsed: 0 };
      for (const source of state()?.sources ?? []) if (source.push) counts[source.push]++;
      for (const [name, value] of Object.entries(counts)) this.set({ state: name }, value);
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}full_text_articles`,
    help: "Articles of sources with fullText by their page: extracted, failed (gave no article), retrying (a passing failure), untried.",
    labelNames: ["state"] as const,
    registers,
    collect() {
      const counts: FullTextCounts = { extracted: 0, failed: 0, retrying: 0, untried: 0 };
      for (const source of state()?.sources ?? []) {
        if (!source.fullText) continue;
        for (const name of Object.keys(counts) as (keyof FullTextCounts)[]) counts[name] += source.fullText[name];
      }
      for (const [name, value] of Object.entries(counts)) this.set({ state: name }, value);
    },
  });

  // Registered only with REDIS_URL: a lone instance has no Redis to be up or down.
  const registerRedis = (readRedis: () => RedisState) => {
    new Gauge({
      name: `${METRIC_PREFIX}redis_up`,
      help: "1 while the shared Redis (REDIS_URL) answers, 0 while this instance runs on its local caches and limits.",
      registers,
      collect() {
        this.set(readRedis().up ? 1 : 0);
      },
    });
    new Counter({
      name: `${METRIC_PREFIX}redis_errors_total`,
      help: "Redis calls that failed or timed out, by operation (connect, feed, lock, publish, subscribe, ping, rate-limit, persisted-operations).",
      labelNames: ["operation"] as const,
      registers,
      collect() {
        // The shared cache keeps the counts; the counter mirrors them at each scrape.
        this.reset();
        for (const [operation, count] of readRedis().errors) this.inc({ operation }, count);
      },
    });
    new Counter({
      name: `${METRIC_PREFIX}stale_locks_taken_over_total`,
      help: "Source locks in Redis taken over because they were stale (no expiry, or held longer than any read may take): a crashed holder or a hand-made key.",
      registers,
      collect() {
        this.reset();
        this.inc(readRedis().staleLocksTakenOver);
      },
    });
  };

  const cacheLookup = (layer: string, result: CacheResult, count = 1) => cacheLookups.inc({ layer, result }, count);
  return {
    registry,
    graphqlOperation(operation, outcome, seconds, client) {
      const labels = { operation: operationName(operation, client), outcome };
      operations.inc(labels);
      operationSeconds.observe(labels, seconds);
    },
    upstreamFetch({ source, outcome, errorCode, seconds, bytes }) {
      fetches.inc({ source, outcome });
      fetchSeconds.observe({ source, outcome }, seconds);
      // Incremented even by 0, so the series exists from the first read and rate() works from the start.
      fetchBytes.inc({ source }, bytes);
      if (outcome === "error") fetchErrors.inc({ source, code: errorCode ?? "UNKNOWN" });
    },
    cacheLookup,
    cacheHit: (layer) => cacheLookup(layer, "hit"),
    cacheStale: (layer) => cacheLookup(layer, "stale"),
    cacheMiss: (layer) => cacheLookup(layer, "miss"),
    rateLimited: (partner) => rateLimitedTotal.inc({ partner: partnerName(partner) }),
    websubPush: (outcome) => websubPushes.inc({ outcome }),
    observe(reader) {
      read = reader;
    },
    observeRedis: registerRedis,
  };
}

const LABEL_VALUE = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

/**
 * A label whose values come from outside (operation names, partner ids).
 * Each distinct value is a new series in every scraper, so the values are
 * checked and their number bounded: a client inventing names cannot grow the
 * metrics without end.
 */
function boundedLabel(fallback: string, perClient = Infinity): (value: string, client?: string) => string {
  const seen = new Set<string>();
  // New values each client added. Bounded without an LRU: a client is only entered when it adds a value, so at most MAX_LABEL_VALUES.
  const added = new Map<string, number>();
  return (value, client) => {
    if (!value) return fallback;
    if (seen.has(value)) return value;
    if (!LABEL_VALUE.test(value) || seen.size >= MAX_LABEL_VALUES) return "other";
    if (client !== undefined) {
      const count = added.get(client) ?? 0;
      if (count >= perClient) return "other";
      added.set(client, count + 1);
    }
    seen.add(value);
    return value;
  };
}
