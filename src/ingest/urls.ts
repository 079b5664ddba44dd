import normalizeUrl from "normalize-url";

/** Query parameters that track the reader and never change the page. */
export const TRACKING_PARAMETERS: (string | RegExp)[] = [
  /^utm_\w+/i, "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid",
  "mc_cid", "mc_eid", "_ga", "_gl", "ref_src", "oly_enc_id", "oly_anon_id", "vero_id", "_hsenc", "_hsmi", "mkt_tok",
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
  return normalizeUrl(url, {
    stripHash: true,
    stripWWW: false,
    removeQueryParameters: TRACKING_PARAMETERS,
    removeTrailingSlash: true,
    sortQueryParameters: true,
    stripTextFragment: true,
    removeSingleSlash: true,
  });
}
