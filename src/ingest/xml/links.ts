import { attribute, children, ownText, type ElementName } from "./elements.ts";
import type { XmlElement } from "./read-xml.ts";

const RSS_LINK: ElementName = ["", "link"];
const ATOM_LINK: ElementName = ["atom", "link"];

/** A scheme other than http(s) (gemini:, gopher:, at:): a link a web reader cannot open. */
function isWebLink(link: string): boolean {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(link);
  return !scheme || /^https?$/i.test(scheme[1]!);
}

/**
 * The page an item or feed links to, as written (relative links are resolved
 * later): RSS's `<link>` text, else Atom's `rel="alternate"` link (a link
 * without a rel is one), else the text of an Atom 0.3 link without `href`.
 * Links of other relations (self, current, related, enclosure, replies…) are
 * never the page. Among links of one kind a web link wins over one a browser
 * cannot open (a `gemini:` alternate beside the https one).
 */
export function pageLink(parent: XmlElement): string | null {
  const candidates: string[][] = [[], [], []];
  for (const link of children(parent, RSS_LINK)) {
    const text = ownText(link) ?? attribute(link, "href");
    if (text) candidates[0]!.push(text);
  }
  for (const link of children(parent, ATOM_LINK)) {
    const href = attribute(link, "href");
    if (!href) {
      // Atom 0.3 writers sometimes put the URL in the element's text.
      const text = ownText(link);
      if (text) candidates[2]!.push(text);
      continue;
    }
    const rel = (attribute(link, "rel") ?? "alternate").toLowerCase();
    if (rel === "alternate" || rel === "http://www.iana.org/assignments/relation/alternate") candidates[1]!.push(href);
  }
  for (const links of candidates) {
    const web = links.find(isWebLink);
    if (web) return web;
  }
  for (const links of candidates) if (links[0]) return links[0];
  return null;
}

/** Atom links of one relation (`replies`, `enclosure`), in document order. */
export function atomLinks(parent: XmlElement, rel: string): XmlElement[] {
  return children(parent, ATOM_LINK).filter((link) => (attribute(link, "rel") ?? "alternate").toLowerCase() === rel);
}
