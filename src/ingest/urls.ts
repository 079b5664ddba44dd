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
  if (!link) return null;
  const trimmed = link.trim();
  if (!trimmed) return null;
  let base: URL | undefined;
  for (const candidate of [...bases].reverse()) {
    if (!candidate) continue;
    try {
      base = new URL(candidate.trim(), base);
    } catch {
      // A malformed base is skipped; the outer ones still apply.
    }
  }
  try {
    const url = new URL(trimmed, base);
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    return url.href;
  } catch {
    return null;
  }
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
