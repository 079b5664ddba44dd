import { STATUS_CODES } from "node:http";
import { redactUrlsIn } from "../config/redact-url.ts";

/**
 * A name from a document that may be shown as structure (an element, entity,
 * attribute or charset name): short, and from a small alphabet. Anything else
 * may be content an upstream chose to put there (a key, a token, markup) and
 * is described instead of quoted.
 */
const SAFE_NAME = /^[A-Za-z0-9:_.-]{1,40}$/;
/** Longest message a source's status carries: one line on the status page. */
export const MAX_PUBLIC_MESSAGE_CHARS = 300;

/**
 * A read's error or warning as it may be shown on public surfaces
 * (`Source.status.lastError` and `warning`, `/status`, logs). Messages are
 * built from upstream answers (a redirect's target, a reason phrase, element
 * and entity names, a charset) and from the source's URL, so this one pass,
 * applied where a read's outcome is stored, makes sure none of it is quoted
 * beyond structure:
 * - URLs lose user info, query and fragment (see redactUrl);
 * - `HTTP 503 <reason>` gets the standard reason phrase, never the server's;
 * - element, entity and attribute names, and quoted words, are kept only when
 *   they are SAFE_NAME, else named generically ("an element");
 * - control characters go, and the text is capped.
 * Pure and idempotent.
 */
export function publicIngestMessage(message: string): string {
  let text = message.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ");
  text = redactUrlsIn(text);
  text = text.replace(/^HTTP (\d{3})(?: (.*))?$/s, (whole, code: string, rest: string | undefined) => {
    // The fetcher's own wording for a redirect without a target is ours, not the server's.
    if (rest === "without a Location header") return whole;
    return `HTTP ${code} ${STATUS_CODES[Number(code)] ?? ""}`.trimEnd();
  });
  text = text.replace(/<(\/?)([^<>]*)>/g, (_whole, slash: string, name: string) =>
    SAFE_NAME.test(name) ? `<${slash}${name}>` : "an element",
  );
  text = text.replace(/&([^;\s&]{1,200});/g, (whole, name: string) =>
    SAFE_NAME.test(name) || /^#x?[0-9a-f]{1,8}$/i.test(name) ? whole : "an entity",
  );
  text = text.replace(/\battribute (\S+)/g, (whole, name: string) => (SAFE_NAME.test(name) ? whole : "an attribute"));
  text = text.replace(/\bnamespace prefix in (\S+)/g, (whole, name: string) =>
    SAFE_NAME.test(name) ? whole : "namespace prefix in an element",
  );
  text = text.replace(
    /"([^"]*)"|(?<![A-Za-z0-9])'([^']*)'(?![A-Za-z0-9])/g,
    (whole, double: string | undefined, single: string | undefined) => (SAFE_NAME.test(double ?? single ?? "") ? whole : "“…”"),
  );
  return text.length > MAX_PUBLIC_MESSAGE_CHARS ? `${text.slice(0, MAX_PUBLIC_MESSAGE_CHARS - 1)}…` : text;
}
