import LinkHeader from "http-link-header";

/** Most hubs kept per source: a feed naming more is odd, and only the first is subscribed to. */
export const MAX_HUBS = 4;
/** Longest hub or self URL kept; a longer one is not a URL a hub would take as a topic. */
export const MAX_HUB_URL_LENGTH = 2048;
/** Longest `Link` header read; the rest is ignored rather than parsed. */
export const MAX_LINK_HEADER_LENGTH = 16_384;

/** Where a feed says it can be subscribed to (WebSub discovery): its hubs and its own canonical URL. */
export interface HubLinks {
  /** Absolute http(s) URLs, in the order given, without repeats. */
  hubs: string[];
  /** The topic URL (`rel="self"`); null when the feed names none. */
  selfUrl: string | null;
}

/**
 * The `hub` and `self` targets of an HTTP `Link` header (RFC 8288): several
 * values, quoted relation lists with several tokens, relations in any case.
 * A header that does not parse is no header: discovery then falls back to the
 * document, as the WebSub spec says a subscriber may.
 */
export function linkHeaderHubs(header: string | null | undefined): { hubs: string[]; selfUrl: string | null } {
  const found = { hubs: [] as string[], selfUrl: null as string | null };
  if (!header) return found;
  let refs: { uri: string; rel?: string }[];
  try {
    refs = LinkHeader.parse(header.slice(0, MAX_LINK_HEADER_LENGTH)).refs;
  } catch {
    return found;
  }
  for (const ref of refs) {
    const rel = (ref.rel ?? "").toLowerCase();
    if (rel === "hub") found.hubs.push(ref.uri);
    else if (rel === "self" && found.selfUrl === null) found.selfUrl = ref.uri;
  }
  return found;
}

/**
 * A feed's hubs and self URL. The HTTP `Link` header wins over the document
 * (the spec's order of discovery), each part separately; relative URLs are
 * resolved against where the body came from; only http(s) URLs are kept.
 */
export function discoverHubs(
  fromDocument: { hubs?: readonly string[]; selfUrl?: string | null },
  linkHeader: string | null | undefined,
  base: string,
): HubLinks {
  const fromHeader = linkHeaderHubs(linkHeader);
  const hubs = fromHeader.hubs.length > 0 ? fromHeader.hubs : (fromDocument.hubs ?? []);
  const resolved: string[] = [];
  for (const hub of hubs) {
    const url = webUrl(hub, base);
    if (url && !resolved.includes(url)) resolved.push(url);
    if (resolved.length === MAX_HUBS) break;
  }
  return { hubs: resolved, selfUrl: webUrl(fromHeader.selfUrl ?? fromDocument.selfUrl ?? null, base) };
}

function webUrl(value: string | null, base: string): string | null {
  if (!value || value.length > MAX_HUB_URL_LENGTH) return null;
  try {
    const url = base ? new URL(value.trim(), base) : new URL(value.trim());
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}
