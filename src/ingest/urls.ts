import normalizeUrl from "normalize-url";

/** Query parameters that track the reader and never change the page. */
export const TRACKING_PARAMETERS: (string | RegExp)[] = [
  /^utm_\w+/i,
  "fbclid",
  "gclid",
  "dclid",
  "gbraid",
  "wbraid",
  "msclkid",
  "yclid",
  "igshid",
  "mc_cid",
  "mc_eid",
  "_ga",
  "_gl",
  "ref_src",
  "oly_enc_id",
  "oly_anon_id",
  "vero_id",
  "_hsenc",
  "_hsmi",
  "mkt_tok",
];

/**
 * Resolves a link against the bases in order (the innermost first) and returns
 * it when it is an absolute http(s) URL. Relative bases are themselves resolved
 * against the bases after them.
 */
export function resolveHttpUrl(link: string | null | undefined, bases: (string | null | undefined)[]): string | null {
  return httpUrlResolver(bases)(link);
}

/**
 * `resolveHttpUrl` for many links against the same bases: the chain of bases
 * is resolved once, on the first link that needs it, not once per link.
 */
export function httpUrlResolver(bases: (string | null | undefined)[]): (link: string | null | undefined) => string | null {
  let base: string | undefined;
  let baseResolved = false;
  return (link) => {
    if (!link) return null;
    const trimmed = link.trim();
    if (!trimmed) return null;
    if (!baseResolved) {
      base = resolveBases(bases);
      baseResolved = true;
    }
    try {
      const url = new URL(trimmed, base);
      if (url.protocol !== "http:" && url.protocol !== "https:") return null;
      return url.href;
    } catch {
      return null;
    }
  };
}

/** The absolute URL a chain of bases (the innermost first) comes to, as `httpUrlResolver` resolves links against it; null when none parses. */
export function resolvedBase(bases: (string | null | undefined)[]): string | null {
  return resolveBases(bases) ?? null;
}

/**
 * Chains of bases resolved lately, by their text: a feed's items share theirs,
 * and resolving one costs a URL parse per base for every item. Kept as the
 * href (an immutable string), which is what `new URL` reads of a URL base.
 */
const resolvedChains = new Map<string, string | undefined>();
const MAX_RESOLVED_CHAINS = 16;

function resolveBases(bases: (string | null | undefined)[]): string | undefined {
  const key = JSON.stringify(bases);
  if (resolvedChains.has(key)) return resolvedChains.get(key);
  const base = resolveChain(bases)?.href;
  if (resolvedChains.size >= MAX_RESOLVED_CHAINS) resolvedChains.clear();
  resolvedChains.set(key, base);
  return base;
}

function resolveChain(bases: (string | null | undefined)[]): URL | undefined {
  let base: URL | undefined;
  for (let i = bases.length - 1; i >= 0; i--) {
    const candidate = bases[i];
    if (!candidate) continue;
    try {
      base = new URL(candidate.trim(), base);
    } catch {
      // A malformed base is skipped; the outer ones still apply.
    }
  }
  return base;
}

/**
 * The identity form of a URL: scheme and host lower-case, default port,
 * fragment and tracking parameters dropped, remaining parameters sorted. Two
 * links to the same story from two feeds compare equal in this form; the link
 * shown to readers keeps what the publisher wrote.
 */
export function canonicalUrl(url: string): string {
  return plainCanonicalUrl(url) ?? normalizeUrl(url, CANONICAL_URL_OPTIONS);
}

/** What `canonicalUrl` asks of normalize-url (exported for the tests that hold its shortcut to it). */
export const CANONICAL_URL_OPTIONS = {
  stripHash: true,
  stripWWW: false,
  removeQueryParameters: TRACKING_PARAMETERS,
  removeTrailingSlash: true,
  sortQueryParameters: true,
  stripTextFragment: true,
  removeSingleSlash: true,
} as const;

/** Characters whose presence before a query sends a link to normalize-url: a fragment, an escape, a backslash, whitespace. */
const NOT_PLAIN = /[#%\\\s]/;
/** A query parameter's name that reads the same decoded (no escape, no "+"). */
const PLAIN_NAME = /^[\w.-]+$/;

/**
 * normalize-url's answer (under CANONICAL_URL_OPTIONS) for the commonest link,
 * read without it; null for any other link, which normalize-url then reads. A
 * plain link is an http(s) URL already in the form `new URL` writes it, with
 * no fragment, escape or credentials, no doubled slash in its path, no
 * trailing dot in its host, and no query but tracking parameters (a feed's
 * `?utm_source=rss`). Every step of normalize-url leaves such a link as it is
 * but two: it drops those parameters (and the "?" with them) and a trailing
 * slash.
 *
 * Why: normalize-url rebuilds the URL through a dozen setters, each of which
 * makes the URL serialize itself again, and scans the path for embedded
 * protocols with a pattern that backtracks at every hyphen of a slug, which is
 * an order of magnitude more than this check costs and is paid for every item
 * of every read. Invariant: for every link this accepts, the answer is
 * normalize-url's; tests hold the two to the same answer on every link of the
 * corpus and on each way a link can fail to be plain.
 */
function plainCanonicalUrl(link: string): string | null {
  if (!(link.startsWith("https://") || link.startsWith("http://"))) return null;
  const queryAt = link.indexOf("?");
  const target = queryAt < 0 ? link : link.slice(0, queryAt);
  if (NOT_PLAIN.test(target) || (queryAt >= 0 && !onlyTrackingParameters(link.slice(queryAt + 1)))) return null;
  let parsed: URL;
  try {
    parsed = new URL(link);
  } catch {
    return null;
  }
  if (
    parsed.href !== link ||
    parsed.username !== "" ||
    parsed.password !== "" ||
    parsed.hostname.endsWith(".") ||
    parsed.pathname.includes("//")
  )
    return null;
  return target.endsWith("/") ? target.slice(0, -1) : target;
}

/** A query (after its "?") of tracking parameters alone, each with a plain name: normalize-url drops them all. */
function onlyTrackingParameters(query: string): boolean {
  if (query === "" || query.includes("#")) return false;
  for (const parameter of query.split("&")) {
    const equals = parameter.indexOf("=");
    const name = equals < 0 ? parameter : parameter.slice(0, equals);
    if (
      !PLAIN_NAME.test(name) ||
      !TRACKING_PARAMETERS.some((tracking) => (typeof tracking === "string" ? tracking === name : tracking.test(name)))
    )
      return false;
  }
  return true;
}

/**
 * The canonical URL of an item without a link of its own, which is shown
 * under a stand-in (its feed's home page): that page's canonical form with a
 * fragment naming the item. Canonical forms of real links never hold a
 * fragment, so it tells the catalog that this is no link to merge by (the home
 * page of a podcast is not each of its episodes), and no two items share it.
 * Without a home page either, a URN of the source stands in.
 */
export function standInCanonicalUrl(standIn: string | null, sourceId: string, itemId: string): string {
  return `${standIn ? canonicalUrl(standIn) : `urn:newsgate:source:${encodeURIComponent(sourceId)}`}#item-${itemId}`;
}

/** Whether a canonical URL is a stand-in for a missing link (see `standInCanonicalUrl`). */
export function isStandInCanonicalUrl(canonical: string): boolean {
  return canonical.includes("#");
}
