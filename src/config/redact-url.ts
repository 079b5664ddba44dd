/**
 * What a source's URL may show outside the process. Operators put API keys in
 * query strings (`?api-key=…`, `?token`) and credentials in user info
 * (`https://user:pass@…`); a parameter's name can be the secret as much as its
 * value, so the whole query and fragment go, not only their values.
 */
export const REDACTED_QUERY = "?…";

/**
 * A URL as it may be shown publicly (GraphQL, OPML, the status page, error
 * messages, logs): scheme, host, port and path kept; user info dropped; query
 * and fragment replaced by `?…` when there was one. Text that is not an
 * absolute URL (a bundled file's relative path) keeps what comes before its
 * first `?` or `#`. Pure.
 */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return redactRelative(text);
  }
  // `URL` cannot drop user info from an opaque URL (`mailto:`, `data:`): show its scheme only.
  if (url.host === "" && url.protocol !== "file:") return `${url.protocol}…`;
  const hidden = url.search !== "" || url.hash !== "" || /[?#]/.test(text);
  return `${url.protocol}//${url.host}${url.pathname}${hidden ? REDACTED_QUERY : ""}`;
}

function redactRelative(text: string): string {
  const cut = text.search(/[?#]/);
  const path = cut === -1 ? text : text.slice(0, cut);
  // A scheme-relative or otherwise odd text may still carry `user:pass@`.
  const withoutUser = path.replace(/^(\/\/)[^/@]*@/, "$1");
  return cut === -1 ? withoutUser : `${withoutUser}${REDACTED_QUERY}`;
}

/** An absolute URL inside free text: up to whitespace, a quote, an angle bracket or a closing parenthesis. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>()]+/gi;

/** A relative reference with a query or fragment (a redirect's `Location: /feed?key=…`), after a start, a space or `(`. */
const RELATIVE_WITH_QUERY_IN_TEXT = /(^|[\s(])((?:\.{0,2}\/)[^\s"'<>()?#]*[?#][^\s"'<>()]*)/g;

/**
 * Every URL inside a message redacted: absolute ones, and relative ones that
 * carry a query or fragment (a fetcher's "more than 5 redirects (last to
 * /feed?key=…)", as the upstream's Location header gave it). Pure.
 */
export function redactUrlsIn(message: string): string {
  return message
    .replace(URL_IN_TEXT, (found) => redactUrl(found))
    .replace(RELATIVE_WITH_QUERY_IN_TEXT, (_whole, before: string, found: string) => `${before}${redactUrl(found)}`);
}
