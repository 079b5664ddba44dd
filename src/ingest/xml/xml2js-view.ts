import { isShortName, type XmlElement } from "./read-xml.ts";

/** On every object of the view: the element it shows, for what the view cannot hold (order, namespaces). */
const ELEMENT: unique symbol = Symbol("element");

/**
 * The document as rss-parser reads it: the object tree xml2js makes (an
 * element is its text when it has nothing else, else an object without a
 * prototype holding `_` (its text, unless only whitespace outside CDATA), `$`
 * (its attributes) and, per child name, an array of children in order).
 * Names are given by namespace, not as written: the document's own vocabulary
 * (RSS's none, Atom's in an Atom feed) unprefixed, other known namespaces
 * under their usual prefix (`atom:link` in an RSS feed, whether the writer
 * wrote `a10:link` or declared Atom the default), unknown ones as written.
 * Such a tree loses the order of text among elements; `ELEMENT` leads back
 * to the document, where `mixed-content.ts` reads it in order. The view
 * stops at items and entries: what they hold is read from the document
 * (read-entry.ts), so rss-parser is shown only that they are there.
 */
export function xml2jsView(root: XmlElement): Record<string, unknown> {
  const atomDocument = root.ns === "atom";
  const tree = Object.create(null) as Record<string, unknown>;
  tree[nameOf(root, atomDocument)] = xml2jsValue(root, atomDocument, true);
  return tree;
}

/** The name rss-parser looks an element up by. */
function nameOf(element: XmlElement, atomDocument: boolean): string {
  const { ns, local } = element;
  if (ns === "") return local;
  if (ns === "atom" && atomDocument) return local;
  if (isShortName(ns)) return `${ns}:${local}`;
  return element.prefix ? `${element.prefix}:${local}` : local;
}

/** Names xml2js keeps for its own bookkeeping: an element so named is not shown. */
const RESERVED = new Set(["_", "$"]);

function xml2jsValue(element: XmlElement, atomDocument: boolean, root = false): unknown {
  let text = "";
  let hasChildren = false;
  for (const child of element.children) {
    if (typeof child === "string") text += child;
    else hasChildren = true;
  }
  let hasAttributes = false;
  for (const _name in element.attributes) {
    hasAttributes = true;
    break;
  }
  // The root and the items are objects even when empty (xml2js's would hold the namespace
  // declarations as attributes), so rss-parser finds them and each leads back to its element.
  if (!hasAttributes && !hasChildren && !root && element.local !== "item" && element.local !== "entry") return text;
  const node = Object.create(null) as Record<string | symbol, unknown>;
  node[ELEMENT] = element;
  if (element.cdata || /\S/.test(text)) node._ = text;
  if (hasAttributes) node.$ = Object.assign(Object.create(null) as object, element.attributes);
  if (element.local === "item" || element.local === "entry") return node;
  for (const child of element.children) {
    if (typeof child === "string") continue;
    const name = nameOf(child, atomDocument);
    if (RESERVED.has(name)) continue;
    const siblings = node[name] as unknown[] | undefined;
    if (siblings) siblings.push(xml2jsValue(child, atomDocument));
    else node[name] = [xml2jsValue(child, atomDocument)];
  }
  return node;
}

/** The element an object of the view shows, if it is one. */
export function elementOf(node: unknown): XmlElement | null {
  return node !== null && typeof node === "object" ? ((node as { [ELEMENT]?: XmlElement })[ELEMENT] ?? null) : null;
}
