import type { SourceFormat } from "../config/sources-file.ts";
import { IngestError } from "./ingest-error.ts";
import type { DetectedFormat } from "../model/source-snapshot.ts";

/**
 * Sniffs the format from the body first and the content type second: servers
 * label feeds `text/html` or `application/octet-stream` often enough that the
 * header alone cannot be trusted.
 */
export function detectFormat(text: string, contentType: string | null, declared: SourceFormat = "auto"): DetectedFormat {
  if (declared !== "auto") return declared;
  const head = text
    .slice(0, 4096)
    .replace(/^\uFEFF/, "")
    .trimStart();
  if (head.startsWith("{") || head.startsWith("[")) {
    return /"version"\s*:\s*"(https?:\/\/jsonfeed\.org\/version\/1(\.1)?|1(\.1)?)"/.test(text.slice(0, 65536)) ? "jsonfeed" : "json";
  }
  const root = rootElement(head);
  // Writers choose prefixes freely (`<p0:feed>`, `<rdf:RDF>`, `<RDF>`): the local name decides.
  const local = root?.replace(/^[^:]*:/, "") ?? null;
  if (local === "rss") return "rss";
  // An Atom entry document (RFC 4287 §4.1.2) is read as a feed of that one entry.
  if (local === "feed" || local === "entry") return "atom";
  if (local === "rdf") return "rdf";
  if (local === "html" || root === "!doctype") {
    // An Atom feed inside an XHTML page is still that feed (feed readers read it by its namespace).
    if (WRAPPED_ATOM.test(text.slice(0, 65536))) return "atom";
    throw new IngestError("UNSUPPORTED_FORMAT", "the source answered an HTML page, not a feed");
  }
  const type = (contentType ?? "").toLowerCase();
  if (type.includes("json")) return "json";
  if (root) throw new IngestError("UNSUPPORTED_FORMAT", `XML root <${root}> is not RSS, RDF or Atom`);
  if (head === "") throw new IngestError("PARSE_ERROR", "the source answered an empty body");
  throw new IngestError("UNSUPPORTED_FORMAT", "the body is neither XML nor JSON");
}

/** An Atom `feed` element, under any prefix, that declares Atom's namespace. */
const WRAPPED_ATOM = /<(?:[\w.-]+:)?feed\b[^>]*\sxmlns(?::[\w.-]+)?\s*=\s*["']http:\/\/www\.w3\.org\/2005\/Atom["']/;

function rootElement(head: string): string | null {
  // Skip the declaration, comments, processing instructions and the doctype.
  // The root decides, not the doctype: feeds sometimes carry an XHTML doctype.
  const stripped = head.replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^[>]*(\[[\s\S]*?\])?\s*>/gi, "").trimStart();
  const match = /^<([A-Za-z_][\w.:-]*)/.exec(stripped);
  if (match) return match[1]!.toLowerCase();
  return /^\s*<!doctype\s+html/i.test(head) ? "html" : null;
}
