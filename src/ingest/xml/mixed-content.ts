import { escapeHtml } from "../escape-html.ts";
import type { XmlElement } from "./read-xml.ts";

/** HTML elements that have no end tag: what a writer put after one is its sibling, not its child. */
const VOID_ELEMENTS: ReadonlySet<string> = new Set([
  "area",
  "base",
  "br",
  "col",
  "embed",
  "hr",
  "img",
  "input",
  "link",
  "meta",
  "param",
  "source",
  "track",
  "wbr",
]);
/** Names that can be written back as they are; anything else is left out, its content kept. */
const SAFE_NAME = /^[A-Za-z][\w.:-]*$/;

/**
 * An element's content as HTML, in document order: Atom's `type="xhtml"`
 * text constructs, and RSS descriptions whose writer left HTML unescaped.
 * Text is escaped, elements are written by local name (HTML has no
 * prefixes: `xhtml:p` is `p`), namespace declarations are dropped. What comes
 * out is still untrusted markup for the sanitizer, only in the right order.
 */
export function innerHtml(element: XmlElement): string {
  let out = "";
  for (const child of element.children) out += typeof child === "string" ? escapeHtml(child) : outerHtml(child);
  return out;
}

function outerHtml(element: XmlElement): string {
  const name = element.local;
  if (!SAFE_NAME.test(name)) return innerHtml(element);
  let attributes = "";
  for (const key in element.attributes) {
    if (SAFE_NAME.test(key)) attributes += ` ${key}="${escapeHtml(element.attributes[key])}"`;
  }
  // A writer's `<br>` in an RSS description reads as XML as an element holding what follows it.
  if (VOID_ELEMENTS.has(name.toLowerCase())) return `<${name}${attributes}>${innerHtml(element)}`;
  return `<${name}${attributes}>${innerHtml(element)}</${name}>`;
}

/** The element has child elements, so its text alone is not its content. */
export function hasElementChildren(element: XmlElement): boolean {
  for (const child of element.children) if (typeof child !== "string") return true;
  return false;
}

/** Its text, every run in order (CDATA included), elements' text included. */
export function textContent(element: XmlElement): string {
  let out = "";
  for (const child of element.children) out += typeof child === "string" ? child : textContent(child);
  return out;
}
