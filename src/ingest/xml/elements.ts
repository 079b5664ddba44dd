import type { Namespace } from "./namespaces.ts";
import type { XmlElement } from "./read-xml.ts";

/** A name to look an element up by: its namespace (see namespaces.ts; "" for RSS's) and local name. */
export type ElementName = readonly [ns: Namespace, local: string];

/** The first child element with this name. */
export function child(parent: XmlElement, [ns, local]: ElementName): XmlElement | null {
  for (const node of parent.children) if (typeof node !== "string" && node.local === local && node.ns === ns) return node;
  return null;
}

/** Every child element with this name, in document order. */
export function children(parent: XmlElement, [ns, local]: ElementName): XmlElement[] {
  const found: XmlElement[] = [];
  for (const node of parent.children) if (typeof node !== "string" && node.local === local && node.ns === ns) found.push(node);
  return found;
}

/** The element's own text runs joined, as written (its child elements' text left out). */
export function ownRawText(element: XmlElement): string {
  let text = "";
  for (const node of element.children) if (typeof node === "string") text += node;
  return text;
}

/** The element's own text (its child elements' left out), trimmed; null when empty. */
export function ownText(element: XmlElement | null): string | null {
  if (!element) return null;
  const text = ownRawText(element).trim();
  return text === "" ? null : text;
}

/** The text of the first child with any of these names that has some. */
export function childText(parent: XmlElement, names: readonly ElementName[]): string | null {
  for (const [ns, local] of names) {
    // A loop over the children, not `children()`: this runs a dozen times an item.
    for (const node of parent.children) {
      if (typeof node === "string" || node.local !== local || node.ns !== ns) continue;
      const text = ownText(node);
      if (text !== null) return text;
    }
  }
  return null;
}

/** An attribute's value, trimmed; null when missing or blank. */
export function attribute(element: XmlElement | null, name: string): string | null {
  const value = element?.attributes[name];
  if (value === undefined) return null;
  const trimmed = value.trim();
  return trimmed === "" ? null : trimmed;
}

/** Depth first, the first element (the root included) that `matches`. */
export function findElement(root: XmlElement, matches: (element: XmlElement) => boolean): XmlElement | null {
  if (matches(root)) return root;
  for (const node of root.children) {
    if (typeof node === "string") continue;
    const found = findElement(node, matches);
    if (found) return found;
  }
  return null;
}
