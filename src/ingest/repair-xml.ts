/** Deeper nesting than this is refused: no real feed needs it, and it overflows parsers' stacks. */
export const MAX_XML_DEPTH = 256;
/** Bounds on entities declared in a feed's own DTD that the repair pass expands. */
export const MAX_DECLARED_ENTITIES = 64;
export const MAX_ENTITY_VALUE_CHARS = 1024;
/** Total characters entity expansion may add to a feed (quadratic blow-up guard). */
export const MAX_EXPANDED_CHARS = 1024 * 1024;

// XML's own entities and the HTML ones sax already knows; anything else is undeclared.
const XML_ENTITY = /^(amp|lt|gt|quot|apos|#\d{1,7}|#x[0-9a-fA-F]{1,6})$/;

import { escapeHtml } from "./escape-html.ts";
import { IngestError } from "./ingest-error.ts";

/**
 * The lenient second pass for XML a strict parser refused, doing what real
 * feed readers do: drop what precedes the root, drop control characters,
 * expand entities the feed's own DTD declares (plain text only, so no entity
 * can expand another: billion laughs stays defused), escape bare `&` and
 * undeclared entities, and close elements a truncated body left open. It only
 * runs after a strict failure, so valid input is never second-guessed.
 */
export function repairXml(xml: string, knownEntities: ReadonlySet<string>): string {
  let text = xml.replace(/^[\s\S]*?(?=<[?!A-Za-z])/, "");
  // An XML declaration is only allowed first; after a comment it breaks strict parsers.
  text = text.replace(/^(\s*<!--[\s\S]*?-->\s*)+<\?xml[^>]*\?>/, (match) => match.replace(/<\?xml[^>]*\?>$/, ""));
  // A body cut off inside a tag (`</rss`) loses that tag; closeOpenElements rebuilds it.
  text = text.replace(/<[^<>]*$/, "");
  text = text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "");
  const declared = declaredEntities(text);
  text = text.replace(/<!DOCTYPE[^[>]*(\[[\s\S]*?\]\s*)?>/i, "");
  let expanded = 0;
  text = text.replace(/&(?:([A-Za-z][\w.-]{0,31}|#\d{1,7}|#x[0-9a-fA-F]{1,6});)?/g, (match, name: string | undefined) => {
    if (!name) return "&amp;";
    if (XML_ENTITY.test(name) || knownEntities.has(name)) return match;
    const value = declared.get(name);
    if (value === undefined) return `&amp;${name};`;
    expanded += value.length;
    if (expanded > MAX_EXPANDED_CHARS) {
      throw new IngestError("PARSE_ERROR", `entities declared in the feed would expand beyond ${MAX_EXPANDED_CHARS} characters`);
    }
    return escapeHtml(value);
  });
  return closeOpenElements(text);
}

/** `<!ENTITY name "value">` declarations whose value holds no reference, bounded in count and size. */
function declaredEntities(xml: string): Map<string, string> {
  const entities = new Map<string, string>();
  const subset = /<!DOCTYPE[^[>]*\[([\s\S]*?)\]\s*>/i.exec(xml.slice(0, 65536));
  if (!subset) return entities;
  for (const match of subset[1]!.matchAll(/<!ENTITY\s+([A-Za-z][\w.-]*)\s+(["'])([^"'<]*)\2\s*>/g)) {
    const value = match[3]!;
    if (entities.size >= MAX_DECLARED_ENTITIES) break;
    if (value.length > MAX_ENTITY_VALUE_CHARS || /[&%]/.test(value)) continue;
    entities.set(match[1]!, value);
  }
  return entities;
}

/** Appends end tags for elements still open at the end of the text (a truncated download). */
function closeOpenElements(xml: string): string {
  const stack = openElements(xml);
  if (stack === null || stack.length === 0) return xml;
  const tail = /<!\[CDATA\[(?![\s\S]*\]\]>)/.test(xml) ? "]]>" : "";
  return xml + tail + stack.reverse().map((name) => `</${name}>`).join("");
}

/**
 * The elements open at the end of the text, or null when the structure cannot
 * be followed (mismatched end tags): then nothing is appended.
 */
export function openElements(xml: string): string[] | null {
  const stack: string[] = [];
  const tag = /<!--[\s\S]*?(?:-->|$)|<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<[?!][^>]*>?|<(\/?)([A-Za-z_][\w.:-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g;
  for (const match of xml.matchAll(tag)) {
    const [, closing, name, rest] = match;
    if (!name) continue;
    if (closing) {
      if (stack.at(-1) !== name) return null;
      stack.pop();
    } else if (!rest!.trimEnd().endsWith("/")) {
      stack.push(name);
    }
  }
  return stack;
}

/** The deepest element nesting in the text, stopping early once past `limit`. */
export function nestingDepth(xml: string, limit = MAX_XML_DEPTH): number {
  let depth = 0;
  let max = 0;
  const tag = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<[?!][^>]*>|<(\/?)[A-Za-z_][^>]*?(\/?)>/g;
  for (const match of xml.matchAll(tag)) {
    if (match[0].startsWith("<!") || match[0].startsWith("<?")) continue;
    if (match[1]) depth--;
    else if (!match[2]) {
      depth++;
      if (depth > max) max = depth;
      if (max > limit) return max;
    }
  }
  return max;
}

