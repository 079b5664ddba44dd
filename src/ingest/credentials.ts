/**
 * Credentials a source carries: every header configured for it and the
 * user:password of its URL. Which of an operator's headers are secrets is not
 * ours to guess (an API key may be called anything: X-Api-Key, X-Auth,
 * Ocp-Apim-Subscription-Key...), so all of them count, and all of them go
 * only to the origin (scheme, host and port) they were configured for.
 */
export interface Credentials {
  /** `URL.origin` of the configured URL. */
  origin: string;
  /** Header names lowercased; the URL's user:password as `authorization: Basic …` unless a header sets it. */
  headers: Record<string, string>;
}

/** The credentials of a configured URL and headers, or null when it has none. */
export function credentialsOf(url: URL, configured: Record<string, string> | undefined): Credentials | null {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(configured ?? {})) headers[name.toLowerCase()] = value;
  // As node:http sends a URL's user:password (decoded), and only when no Authorization header is set.
  if ((url.username || url.password) && headers.authorization === undefined) {
    const pair = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString("base64")}`;
  }
  return Object.keys(headers).length > 0 ? { origin: url.origin, headers } : null;
}

/**
 * The URL as it goes on the wire: without user:password, which travels (as
 * Credentials) only to its own origin. A redirect's Location may carry
 * user:password too; it is the upstream's, not the operator's, and never sent.
 */
export function withoutUserinfo(url: URL): URL {
  if (!url.username && !url.password) return url;
  const bare = new URL(url.href);
  bare.username = "";
  bare.password = "";
  return bare;
}

/**
 * What a redirect from `from` to `to` does with the credentials still carried:
 * - `keep`: the target is their origin (or there are none);
 * - `drop`: another origin, which gets the request without them, and so does
 *   every hop after it (as the Fetch standard does: once sent elsewhere, a
 *   redirect back is the other origin's choice);
 * - `refuse`: https to plain http, which would either send the secrets in
 *   clear or (dropped) read the authenticated feed's stand-in over a channel
 *   anyone on the path can write.
 */
export function credentialStep(credentials: Credentials | null, from: URL, to: URL): "keep" | "drop" | "refuse" {
  if (!credentials) return "keep";
  if (from.protocol === "https:" && to.protocol === "http:") return "refuse";
  return to.origin === credentials.origin ? "keep" : "drop";
}
