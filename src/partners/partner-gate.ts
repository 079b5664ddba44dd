import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { RateLimiterRes } from "rate-limiter-flexible";
import { createBudget, type Budget, type SharedBudgetStore } from "./budget.ts";
import { clientAddress } from "./client-address.ts";
import type { Partner, PartnersConfig } from "./partners-file.ts";
import { createVaryMemo } from "../protocol/vary.ts";

/** Paths every client may read without a key and without counting against a limit: health checks and the widget's script. */
export const DEFAULT_OPEN_PATHS = ["/health", "/ready", "/embed.js"];
/** Where a partner's key travels: this header, or the `key` query parameter (for the widget, which cannot set headers on a script or iframe). */
export const API_KEY_HEADER = "x-api-key";
export const API_KEY_PARAMETER = "key";
/** How long browsers may reuse a preflight answer. */
export const PREFLIGHT_MAX_AGE_SECONDS = 600;
/** The window every per-minute budget is counted over. */
const WINDOW_SECONDS = 60;
/** Response headers a partner's script may read across origins. */
const EXPOSED_HEADERS = "ETag, Last-Modified, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining";
const ALLOWED_METHODS = "GET, HEAD, POST, OPTIONS";

/** Answers a request itself (true) or lets it through (false), possibly after a rate-limit lookup. */
export type PartnerGate = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface PartnerGateOptions {
  /** The partners file; null keeps the gateway open: any origin, no key, no limit. @default null */
  partners?: PartnersConfig | null;
  /** Called on every 429 with the partner's name, or `anonymous` (metrics; never a client address). */
  onRateLimited?: (client: string) => void;
  /** Paths exempt from keys and limits (CORS still applies): exact, or every path under one ending in "/". @default DEFAULT_OPEN_PATHS */
  openPaths?: string[];
  /** The cluster's Redis (REDIS_URL): budgets are counted there, so they hold across instances. @default null: counted per instance */
  shared?: SharedBudgetStore | null;
}

/** The partner whose key a gate accepted for a request; null for anonymous requests and requests it has not seen. */
export type RequestPartner = (req: IncomingMessage) => Partner | null;

/**
 * A gate made by `createPartnerGate`: it also says whose key it accepted for
 * each request it admitted, and judges the WebSocket upgrades claimed for it.
 */
export type KeyedPartnerGate = PartnerGate & { partnerOf: RequestPartner; claimUpgrade: ClaimUpgrade };

/**
 * The CSP `frame-ancestors` sources for the embed page: `*` when no partners
 * file is configured, else the key's partner's origins, else (anonymous) every
 * partner's origins; `'none'` when that leaves nothing.
 */
export function frameAncestors(partners: PartnersConfig | null, partner: Partner | null): string {
  if (!partners) return "*";
  const origins = partner ? partner.allowedOrigins : allOrigins(partners);
  return origins.length ? origins.join(" ") : "'none'";
}

/**
 * Access control in front of every route, GraphQL and cached answers alike:
 * API keys, CORS and per-minute budgets.
 *
 * Without a partners file nothing is refused or counted, and CORS behaves as
 * Yoga's did (any origin is granted). With one, a request is:
 * - refused with 401 when it carries an unknown key, or no key while anonymous use is refused;
 * - refused with 403 when a browser uses a key from an origin the partner did not list
 *   (keys in a widget are public; the origin list is what keeps other sites from spending them);
 * - refused with 403 `ORIGIN_REQUIRED` when a publishable key comes without one of its partner's
 *   origins (curl sends none), and counted per client address as well as per key;
 * - granted CORS only for its partner's origins (anonymous: any partner's origin), never `*`;
 * - counted against its partner's budget, or its client address's anonymous budget,
 *   and refused with 429 and `Retry-After` beyond it. Budgets never share a counter.
 * Preflights are answered here, before any budget is spent. Every response varies on `Origin`
 * (with partners, on `X-API-Key` too).
 */
export function createPartnerGate({
  partners = null,
  onRateLimited,
  openPaths = DEFAULT_OPEN_PATHS,
  shared = null,
}: PartnerGateOptions = {}): KeyedPartnerGate {
  // Whose key admitted each request: read by the embed page (frame ancestors) and the operation metrics (client labels).
  const partnerOfRequest = new WeakMap<IncomingMessage, Partner>();
  // Upgrades the server claimed for this gate (see ClaimUpgrade), each answered by its own callback.
  const upgradeClaims = new WeakMap<IncomingMessage, (check: UpgradeCheck) => void>();
  const byHash = new Map((partners?.partners ?? []).map((p) => [p.keyHash, p]));
  const anyPartnerOrigin = new Set(partners ? allOrigins(partners) : []);
  // One limiter per partner (budgets differ) and one for anonymous addresses; entries expire with their window.
  const partnerLimiters = new Map(
    (partners?.partners ?? []).map((p) => [
      p.name,
      createBudget({ name: `partner:${p.name}`, points: p.requestsPerMinute, durationSeconds: WINDOW_SECONDS, shared }),
    ]),
  );
  // A publishable key's budget is also shared out per client address, so one visitor cannot spend it all.
  const addressLimiters = new Map(
    (partners?.partners ?? []).flatMap((p) =>
      p.publishable
        ? [
            [
              p.name,
              createBudget({
                name: `partner-address:${p.name}`,
                points: p.publishable.requestsPerMinutePerAddress,
                durationSeconds: WINDOW_SECONDS,
                shared,
              }),
            ] as const,
          ]
        : [],
    ),
  );
  const anonymousLimiter = partners?.anonymous
    ? createBudget({ name: "anonymous", points: partners.anonymous.requestsPerMinute, durationSeconds: WINDOW_SECONDS, shared })
    : null;

  // With partners, an answer also depends on the key: a shared cache must not hand a keyed answer to a keyless client.
  const vary = createVaryMemo(partners ? "Origin, X-API-Key" : "Origin");

  const gate: PartnerGate = (req, res) => {
    const claim = upgradeClaims.get(req);
    if (claim) {
      // A WebSocket upgrade (see claimUpgrade): the server judges it with checkUpgrade and answers it on the socket.
      upgradeClaims.delete(req);
      claim(checkUpgrade);
      return true;
    }
    varyOn(res, vary);
    res.setHeader("x-content-type-options", "nosniff");
    // Only the embed page may sit in a frame; it replaces these two.
    res.setHeader("x-frame-options", "DENY");
    res.setHeader("content-security-policy", "frame-ancestors 'none'");
    const origin = typeof req.headers.origin === "string" ? req.headers.origin : null;

    if (!partners) {
      // Open to every origin, and nothing here uses cookies: `*`, which browsers never pair with credentials.
      if (origin) grantCors(req, res, "*", false);
      if (req.method === "OPTIONS") return answerPreflight(res);
      return false;
    }

    const { key, path } = readKey(req);
    const partner = key === null ? null : (byHash.get(sha256(key)) ?? null);
    const allowed = partner ? partner.allowedOrigins.includes(origin ?? "") : origin !== null && anyPartnerOrigin.has(origin);
    if (allowed) grantCors(req, res, origin!, false);
    if (req.method === "OPTIONS") {
      if (origin && !allowed) return refuse(res, 403, "FORBIDDEN", `origin ${origin} may not call this gateway`);
      return answerPreflight(res);
    }
    const verdict = judge(req, { origin, key, partner, allowed, path }, { spend: true, upgrade: false });
    return verdict instanceof Promise ? verdict.then((v) => answer(res, v)) : answer(res, verdict);
  };

  /**
   * The checks after CORS, in order: the key, the key's origins, the open paths, anonymous use,
   * publishable keys, then the budgets (only when `spend`). A WebSocket upgrade (`upgrade`) is
   * also refused for an origin no partner lists: CORS does not apply to WebSockets, so the
   * origin check a browser leaves to CORS on HTTP is made here.
   */
  const judge = (
    req: IncomingMessage,
    { origin, key, partner, allowed, path }: Caller,
    { spend, upgrade }: { spend: boolean; upgrade: boolean },
  ): Verdict | Promise<Verdict> => {
    if (!partners) return ADMITTED_ANONYMOUS;
    if (key !== null && !partner) return refusal(401, "UNAUTHENTICATED", "unknown API key");
    if (partner && origin && !allowed) return refusal(403, "FORBIDDEN", `origin ${origin} is not allowed for this key`);
    if (upgrade && !partner && origin && !allowed) return refusal(403, "FORBIDDEN", `origin ${origin} may not call this gateway`);
    if (partner) partnerOfRequest.set(req, partner);
    if (openPaths.some((open) => (open.endsWith("/") ? path.startsWith(open) : open === path)))
      return partner ? { admitted: true, partner } : ADMITTED_ANONYMOUS;
    if (!partner && !anonymousLimiter) {
      return {
        ...refusal(
          401,
          "UNAUTHENTICATED",
          `an API key is required: send it in the ${API_KEY_HEADER} header or the ${API_KEY_PARAMETER} parameter`,
        ),
        keyMissing: true,
      };
    }
    if (partner?.publishable && !partner.allowedOrigins.includes(origin ?? refererOrigin(req) ?? "")) {
      return refusal(
        403,
        "ORIGIN_REQUIRED",
        `this key is publishable (it is in web pages, for the widget) and is accepted only from its partner's sites: send one of their origins in Origin (or Referer, where a browser sends no Origin: the embed page in an iframe). Server-to-server calls need a key that is not publishable`,
      );
    }
    if (!spend) return { admitted: true, partner };
    const spends: Spend[] = [];
    const addressLimiter = partner ? addressLimiters.get(partner.name) : undefined;
    // The visitor's share first: a request it refuses spends nothing of the key's budget, which the partner's other visitors share.
    if (addressLimiter)
      spends.push({
        budget: addressLimiter,
        key: clientAddress(req),
        limit: partner!.publishable!.requestsPerMinutePerAddress,
        scope: " from this address with this key",
      });
    if (partner)
      spends.push({ budget: partnerLimiters.get(partner.name)!, key: partner.name, limit: partner.requestsPerMinute, scope: "" });
    else spends.push({ budget: anonymousLimiter!, key: clientAddress(req), limit: partners.anonymous!.requestsPerMinute, scope: "" });
    return spendInOrder(spends).then((outcome): Verdict => {
      if (!outcome.refused) return { admitted: true, partner, limit: outcome.spend.limit, remaining: outcome.remaining };
      onRateLimited?.(partner ? partner.name : "anonymous");
      const { spend: refusedSpend } = outcome;
      const retryAfter = Math.max(1, Math.ceil(outcome.msBeforeNext / 1000));
      const headers = { "retry-after": String(retryAfter), "x-ratelimit-limit": String(refusedSpend.limit), "x-ratelimit-remaining": "0" };
      return {
        ...refusal(
          429,
          "RATE_LIMITED",
          `more than ${refusedSpend.limit} requests in a minute${refusedSpend.scope}; retry in ${retryAfter} s`,
        ),
        headers,
      };
    });
  };

  const checkUpgrade: UpgradeCheck = async (req, { key: given, spend = true } = {}) => {
    const origin = typeof req.headers.origin === "string" ? req.headers.origin : null;
    const read = readKey(req);
    const key = given === undefined || given === null ? read.key : given;
    const partner = key === null || !partners ? null : (byHash.get(sha256(key)) ?? null);
    const allowed =
      !partners || (partner ? partner.allowedOrigins.includes(origin ?? "") : origin !== null && anyPartnerOrigin.has(origin));
    const verdict = await judge(req, { origin, key: partners ? key : null, partner, allowed, path: read.path }, { spend, upgrade: true });
    return verdict.admitted ? { admitted: true, partner: verdict.partner } : verdict;
  };

  return Object.assign(gate, {
    partnerOf: (req: IncomingMessage) => partnerOfRequest.get(req) ?? null,
    claimUpgrade: (req: IncomingMessage, onGate: (check: UpgradeCheck) => void) => void upgradeClaims.set(req, onGate),
  });
}

/** The caller as the gate reads it: its Origin, its key and that key's partner, whether the origin is allowed, the path. */
interface Caller {
  origin: string | null;
  key: string | null;
  partner: Partner | null;
  allowed: boolean;
  path: string;
}

type Verdict = { admitted: true; partner: Partner | null; limit?: number; remaining?: number } | UpgradeRefusal;

const ADMITTED_ANONYMOUS: Verdict = { admitted: true, partner: null };

function refusal(status: number, code: string, message: string): UpgradeRefusal {
  return { admitted: false, status, code, message, headers: {} };
}

/** Writes a verdict on an HTTP response: a refusal answered (true), or the budget's headers and through (false). */
function answer(res: ServerResponse, verdict: Verdict): boolean {
  if (!verdict.admitted) {
    for (const [name, value] of Object.entries(verdict.headers)) res.setHeader(name, value);
    return refuse(res, verdict.status, verdict.code, verdict.message);
  }
  if (verdict.limit !== undefined) {
    res.setHeader("x-ratelimit-limit", String(verdict.limit));
    res.setHeader("x-ratelimit-remaining", String(verdict.remaining));
  }
  return false;
}

/** A WebSocket upgrade (or an operation on one) refused as an HTTP request would be: status, code, message, headers. */
export interface UpgradeRefusal {
  admitted: false;
  status: number;
  code: string;
  message: string;
  headers: Record<string, string>;
  /** The only fault is that no key came and anonymous use is refused: over WebSocket the key may still come in `connectionParams`. */
  keyMissing?: boolean;
}

export type UpgradeVerdict = { admitted: true; partner: Partner | null } | UpgradeRefusal;

/**
 * Judges a WebSocket upgrade, or one operation on its connection, by the
 * gate's rules for HTTP: the key (the request's header or `key` parameter,
 * or `key` given: one from graphql-ws `connectionParams`), the partner's
 * origins (and any partner's, for anonymous use: there is no CORS to do it),
 * publishable keys, and, with `spend` (the default), one request off the
 * same budgets HTTP requests count against.
 */
export type UpgradeCheck = (req: IncomingMessage, options?: { key?: string | null; spend?: boolean }) => Promise<UpgradeVerdict>;

/**
 * Marks `req` as a WebSocket upgrade for a gate: when the app's handler runs
 * it, the gate answers it no further (the rest of the app never sees it) and
 * hands `onGate` its `UpgradeCheck`, bound to its budgets.
 */
export type ClaimUpgrade = (req: IncomingMessage, onGate: (check: UpgradeCheck) => void) => void;

/** One budget a request is counted against: by whom (`key`), its size, and how a refusal names it. */
interface Spend {
  budget: Budget;
  key: string;
  limit: number;
  /** Said after "more than N requests in a minute" when it refuses. */
  scope: string;
}

type SpendOutcome = { refused: false; spend: Spend; remaining: number } | { refused: true; spend: Spend; msBeforeNext: number };

/**
 * Counts the request against each budget in turn and stops at the first that
 * refuses, so the budgets after it are not spent. Served, it reports the
 * budget with the fewest requests left (what the client runs into first).
 */
async function spendInOrder(spends: Spend[]): Promise<SpendOutcome> {
  let tightest: { spend: Spend; remaining: number } | null = null;
  for (const spend of spends) {
    try {
      const { remainingPoints } = await spend.budget.consume(spend.key);
      if (!tightest || remainingPoints < tightest.remaining) tightest = { spend, remaining: remainingPoints };
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      return { refused: true, spend, msBeforeNext: rejection.msBeforeNext };
    }
  }
  return { refused: false, ...tightest! };
}

/**
 * The origin of `Referer`, for a request without `Origin`: a browser loading
 * the embed page in an iframe navigates, and navigations carry no `Origin`,
 * only the embedding page's address in `Referer` (its origin at least, under
 * the default referrer policy). Neither header proves anything against a
 * script, which may write both: the per-address budget is what bounds it.
 */
function refererOrigin(req: IncomingMessage): string | null {
  const referer = req.headers.referer;
  if (typeof referer !== "string" || referer === "") return null;
  try {
    return new URL(referer).origin;
  } catch {
    return null;
  }
}

function allOrigins(partners: PartnersConfig): string[] {
  return [...new Set(partners.partners.flatMap((p) => p.allowedOrigins))];
}

function readKey(req: IncomingMessage): { key: string | null; path: string } {
  const [path = "/", query = ""] = (req.url ?? "/").split("?", 2);
  const header = req.headers[API_KEY_HEADER];
  if (typeof header === "string" && header !== "") return { key: header, path };
  const parameter = query.includes(`${API_KEY_PARAMETER}=`) ? new URLSearchParams(query).get(API_KEY_PARAMETER) : null;
  return { key: parameter || null, path };
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function grantCors(req: IncomingMessage, res: ServerResponse, origin: string, credentials: boolean): void {
  res.setHeader("access-control-allow-origin", origin);
  if (credentials) res.setHeader("access-control-allow-credentials", "true");
  res.setHeader("access-control-expose-headers", EXPOSED_HEADERS);
  if (req.method === "OPTIONS") {
    res.setHeader("access-control-allow-methods", ALLOWED_METHODS);
    const requested = req.headers["access-control-request-headers"];
    if (typeof requested === "string" && requested) res.setHeader("access-control-allow-headers", requested);
    res.setHeader("access-control-max-age", String(PREFLIGHT_MAX_AGE_SECONDS));
  }
}

function answerPreflight(res: ServerResponse): true {
  res.writeHead(204, { allow: ALLOWED_METHODS, "content-length": "0" });
  res.end();
  return true;
}

function refuse(res: ServerResponse, status: number, code: string, message: string): true {
  // Shaped like a GraphQL error, so GraphQL clients show it; plain-route clients read the same fields.
  const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
  return true;
}

/**
 * Adds `names` to `Vary` however the response is written later: handlers
 * (Yoga, the edge cache) replace `Vary` with their own through `writeHead`,
 * so the merge happens there, as the `on-headers` pattern does. `merge` gives
 * the merged value for a current one (a `createVaryMemo`: computed once per value).
 */
function varyOn(res: ServerResponse, merge: (current: string | number | string[] | undefined) => string): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    // The headers object, if any: writeHead(status, headers) or writeHead(status, reason, headers).
    const index = isHeaderObject(args[1]) ? 1 : isHeaderObject(args[2]) ? 2 : -1;
    const headers = index === -1 ? null : (args[index] as Record<string, unknown>);
    const key = headers ? varyKey(headers) : undefined;
    if (headers && key) args[index] = { ...headers, [key]: merge(String(headers[key])) };
    else res.setHeader("vary", merge(res.getHeader("vary")));
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse["writeHead"];
}

function isHeaderObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The key `Vary` is written under, in whatever case; most headers objects have none, and no key of another length is it. */
function varyKey(headers: Record<string, unknown>): string | undefined {
  for (const key of Object.keys(headers)) if (key.length === 4 && key.toLowerCase() === "vary") return key;
  return undefined;
}
