import type { IncomingMessage } from "node:http";

/** A Host header we are willing to write into links: a name or IPv4/IPv6 address and an optional port. */
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
const FALLBACK_HOST = "localhost";

/**
 * The origin absolute links to this gateway start with (feeds' self links,
 * OPML, the widget's data): the configured public URL when there is one (a
 * gateway behind a TLS proxy must set it), else `http://` and the request's
 * Host, when it is a plain host name.
 */
export function publicOrigin(req: IncomingMessage, publicUrl: string | null | undefined): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, "");
  const host = req.headers.host;
  return `http://${host && HOST.test(host) ? host.toLowerCase() : FALLBACK_HOST}`;
}
