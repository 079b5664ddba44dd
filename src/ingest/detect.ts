import type { SourceFormat } from "../config/sources-file.ts";
import { IngestError } from "./ingest-error.ts";

export type DetectedFormat = "rss" | "atom" | "rdf" | "jsonfeed" | "json";

/**
 * Sniffs the format from the body first and the content type second: servers
 * label feeds `text/html` or `application/octet-stream` often enough that the
 * header alone cannot be trusted.
 */
export function detectFormat(text: string, contentType: string | null, declared: SourceFormat = "auto"): DetectedFormat {
  if (declared !== "auto") return declared;
  const head = text.slice(0, 4096).replace(/^\uFEFF/, "").trimStart();
  if (head.startsWith("{") || head.startsWith("[")) {
    return /"version"\s*:\s*"(https?:\/\/jsonfeed\.org\/version\/1(\.1)?|1(\.1)?)"/.test(text.slice(0, 65536)) ? "jsonfeed" : "json";
  }
  const root = rootElement(head);
  if (root === "rss") return "rss";
  if (root === "feed") return "atom";
  if (root === "rdf:rdf" || root === "rdf") return "rdf";
  if (root === "html" || root === "!doctype") {
    throw new IngestError("UNSUPPORTED_FORMAT", "the source answered an HTML page, not a feed");
  }
  const type = (contentType ?? "").toLowerCase();
  if (type.includes("json")) return "json";
  if (root) throw new IngestError("UNSUPPORTED_FORMAT", `XML root <${root}> is not RSS, RDF or Atom`);
  if (head === "") throw new IngestError("PARSE_ERROR", "the source answered an empty body");
  throw new IngestError("UNSUPPORTED_FORMAT", "the body is neither XML nor JSON");
}

function rootElement(head: string): string | null {
  // Skip the declaration, comments, processing instructions and the doctype.
  // The root decides, not the doctype: feeds sometimes carry an XHTML doctype.
  const stripped = head.replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^[>]*(\[[\s\S]*?\])?\s*>/gi, "").trimStart();
  const match = /^<([A-Za-z_][\w.:-]*)/.exec(stripped);
  if (match) return match[1]!.toLowerCase();
  return /^\s*<!doctype\s+html/i.test(head) ? "html" : null;
}
