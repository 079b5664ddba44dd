import { escapeHtml } from "../escape-html.ts";
import { attribute, ownRawText } from "./elements.ts";
import { hasElementChildren, innerHtml, textContent } from "./mixed-content.ts";
import type { XmlElement } from "./read-xml.ts";

/**
 * The content of a text element as HTML, or null when it has none: Atom's
 * text constructs (`type` text, html or xhtml; Atom 0.3's `mode` escaped, xml
 * or base64) and RSS's text elements, which hold escaped HTML, CDATA, or
 * HTML a writer left unescaped. Markup written as elements is read from the
 * document in order (see mixed-content.ts); Atom's wrapping `<div>` of an
 * xhtml construct is not part of its content.
 */
export function textConstructHtml(element: XmlElement | null): string | null {
  if (!element) return null;
  const type = (attribute(element, "type") ?? "").toLowerCase();
  // Atom 1.0: a media type that is neither text nor XML says the content is base64 of that type.
  const binary = type.includes("/") && !type.startsWith("text/") && !/[/+]xml$/.test(type);
  const plain = binary || PLAIN_TYPES.has(type) || (type.startsWith("text/") && type !== "text/html");
  if (hasElementChildren(element)) {
    if (plain) return nonBlank(escapeHtml(textContent(element)));
    return nonBlank(innerHtml(xhtmlWrapper(element) ?? element));
  }
  let text = ownRawText(element);
  // Atom 0.3 says base64 in `mode`, and the type is that of the decoded content.
  if (binary || (attribute(element, "mode") ?? "").toLowerCase() === "base64")
    text = Buffer.from(text.replace(/\s+/g, ""), "base64").toString("utf8");
  return nonBlank(plain ? escapeHtml(text) : text);
}

/** Types that say the text is not markup: Atom's, Media RSS's, MIME's. */
const PLAIN_TYPES: ReadonlySet<string> = new Set(["text", "plain", "text/plain"]);

/** Atom's xhtml content is one `<div>` whose content is the construct's: that div, when it is all there is. */
function xhtmlWrapper(element: XmlElement): XmlElement | null {
  let wrapper: XmlElement | null = null;
  for (const node of element.children) {
    if (typeof node === "string") {
      if (/\S/.test(node)) return null;
    } else if (wrapper || node.local !== "div") {
      return null;
    } else {
      wrapper = node;
    }
  }
  return wrapper;
}

function nonBlank(html: string): string | null {
  return /\S/.test(html) ? html : null;
}
