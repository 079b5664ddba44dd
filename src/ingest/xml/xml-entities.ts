import { decodeHTMLStrict } from "entities";
import { IngestError } from "../ingest-error.ts";

/** Bounds on entities declared in a feed's own DTD. */
const MAX_DECLARED_ENTITIES = 64;
const MAX_ENTITY_VALUE_CHARS = 1024;
/** Total characters entity expansion may add to a feed (quadratic blow-up guard). */
export const MAX_EXPANDED_CHARS = 1024 * 1024;

/** A character or entity reference, or a bare `&` that starts none. */
const REFERENCE = /&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z_][\w.-]{0,31});|&/g;
/** The document type declaration, with its internal subset if it has one. */
const DOCTYPE = /<!DOCTYPE[^[>]*(\[[\s\S]*?\]\s*)?>/i;

/**
 * Decodes the references in a feed's text: XML's five, character references,
 * entities the feed's own DTD declares (plain text only, so no entity can
 * expand another: billion laughs stays defused; external entities are never
 * read), and HTML's named ones, which feeds use as if they were XML's
 * (`&nbsp;`, `&eacute;`): every lenient reader takes them so. A bare `&` or an
 * unknown name stays as written, and is reported as a fault of the document.
 */
export class EntityDecoder {
  private expanded = 0;

  constructor(
    private readonly declared: ReadonlyMap<string, string>,
    private readonly report: (problem: string) => void,
  ) {}

  decode(raw: string): string {
    if (!raw.includes("&")) return raw;
    return raw.replace(REFERENCE, (match, name: string | undefined) => {
      if (name === undefined) {
        this.report("a bare & outside an entity reference");
        return match;
      }
      const value = this.declared.get(name);
      if (value !== undefined) {
        this.expanded += value.length;
        if (this.expanded > MAX_EXPANDED_CHARS) {
          throw new IngestError("PARSE_ERROR", `entities declared in the feed would expand beyond ${MAX_EXPANDED_CHARS} characters`);
        }
        return value;
      }
      const decoded = decodeHTMLStrict(match);
      if (decoded === match) this.report(`undeclared entity &${name};`);
      return decoded;
    });
  }
}

/**
 * The document without its document type declaration, and the plain-text
 * entities that declaration's internal subset declares (bounded in count and
 * size; values holding a reference or markup are not taken).
 */
export function takeDoctype(xml: string): { xml: string; declared: Map<string, string> } {
  const declared = new Map<string, string>();
  // A document type declaration stands before the root element: only that prolog is searched.
  const root = xml.search(/<[A-Za-z_]/);
  const doctype = DOCTYPE.exec(xml.slice(0, root < 0 ? 65536 : Math.min(root, 65536)));
  if (!doctype) return { xml, declared };
  const subset = doctype[1] ?? "";
  for (const match of subset.matchAll(/<!ENTITY\s+([A-Za-z_][\w.-]*)\s+(["'])([^"'<]*)\2\s*>/g)) {
    const value = match[3]!;
    if (declared.size >= MAX_DECLARED_ENTITIES) break;
    if (value.length > MAX_ENTITY_VALUE_CHARS || /[&%]/.test(value)) continue;
    declared.set(match[1]!, value);
  }
  // Replaced by as many spaces, so the rest of the document keeps its offsets.
  return { xml: xml.slice(0, doctype.index) + " ".repeat(doctype[0].length) + xml.slice(doctype.index + doctype[0].length), declared };
}
