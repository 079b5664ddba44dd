import { emptyRawItem, type RawItem } from "../../model/raw-feed.ts";
import { attribute, child, childText, children, ownText, type ElementName } from "./elements.ts";
import { atomLinks, pageLink } from "./links.ts";
import { enclosuresOf, imagesOf } from "./media.ts";
import { authorsOf } from "./people.ts";
import type { XmlElement } from "./read-xml.ts";
import { textConstructHtml } from "./text-construct.ts";

/** Where each field of an item or entry is found, first match first. Names are by namespace (see namespaces.ts). */
const TITLE: readonly ElementName[] = [
  ["atom", "title"],
  ["", "title"],
  ["dc", "title"],
  ["media", "title"],
];
/** A short description. Podcasts often give only iTunes' summary or subtitle. */
const SUMMARY: readonly ElementName[] = [
  ["atom", "summary"],
  ["", "description"],
  ["", "summary"],
  ["dc", "description"],
  ["itunes", "summary"],
  ["itunes", "subtitle"],
  ["media", "description"],
];
/** The full body. */
const CONTENT: readonly ElementName[] = [
  ["content", "encoded"],
  ["atom", "content"],
  ["xhtml", "body"],
  ["", "content"],
];
const GUID: readonly ElementName[] = [
  ["", "guid"],
  ["atom", "id"],
  ["dc", "identifier"],
];
const PUBLISHED: readonly ElementName[] = [
  ["atom", "published"],
  ["atom", "issued"],
  ["atom", "created"],
  ["", "pubDate"],
  ["", "published"],
  ["dc", "date"],
  ["dcterms", "issued"],
  ["dcterms", "created"],
];
const UPDATED: readonly ElementName[] = [
  ["atom", "updated"],
  ["atom", "modified"],
  ["", "updated"],
  ["dcterms", "modified"],
];
const CATEGORY: readonly ElementName[] = [
  ["", "category"],
  ["atom", "category"],
  ["dc", "subject"],
];
const COMMENTS: readonly ElementName[] = [
  ["slash", "comments"],
  ["thr", "total"],
];
const LANGUAGE: readonly ElementName[] = [
  ["dc", "language"],
  ["", "language"],
];
const MEDIA_GROUP: ElementName = ["media", "group"];
const MEDIA_CONTENT: ElementName = ["media", "content"];

/**
 * One RSS item or Atom entry, read from the document: every field by
 * namespace, text that holds markup in document order. `feedBase` is the
 * `xml:base` in force where the item stands.
 */
export function readEntry(entry: XmlElement, feedBase: string | null): RawItem {
  const raw = emptyRawItem();
  raw.base = joinBases(feedBase, attribute(entry, "xml:base"));
  // Identity: RSS guid, Atom id, RDF about, in that order.
  raw.guid = childText(entry, GUID) ?? attribute(entry, "rdf:about");

  // Titles are read as HTML: Atom's text type is escaped, and RSS titles are in practice often escaped HTML.
  raw.title = firstHtml(entry, TITLE) ?? mediaText(entry, "title");
  raw.titleIsHtml = true;

  // An RSS guid is the permalink unless it says isPermaLink="false"; many feeds forget to
  // say so for bare numbers, so only a guid shaped like a URL or a path counts.
  const guid = child(entry, GUID[0]!);
  const guidIsPermalink = (attribute(guid, "isPermaLink") ?? "true").toLowerCase() !== "false";
  raw.link = pageLink(entry) ?? (guidIsPermalink && raw.guid && /^(https?:\/\/|\/)/i.test(raw.guid) ? raw.guid : null);

  const content = contentElement(entry);
  raw.contentHtml = textConstructHtml(content);
  raw.contentBase = attribute(content, "xml:base");
  raw.summaryHtml = firstHtml(entry, SUMMARY) ?? mediaText(entry, "description");

  raw.authors = authorsOf(entry);
  raw.published = childText(entry, PUBLISHED);
  raw.updated = childText(entry, UPDATED);
  raw.categories = categoriesOf(entry);
  raw.images = imagesOf(entry);
  raw.enclosures = enclosuresOf(entry);
  raw.language = attribute(entry, "xml:lang") ?? childText(entry, LANGUAGE);
  // Engagement: Slashdot's module, Atom threading's total or its replies link's count.
  raw.commentCount = count(childText(entry, COMMENTS)) ?? repliesCount(entry);
  return raw;
}

/** The body element: one with content, skipping Atom content that only points elsewhere (`src`). */
function contentElement(entry: XmlElement): XmlElement | null {
  for (const name of CONTENT) {
    for (const element of children(entry, name)) {
      if (name[0] === "atom" && attribute(element, "src")) continue;
      if (element.children.length > 0) return element;
    }
  }
  return null;
}

function firstHtml(entry: XmlElement, names: readonly ElementName[]): string | null {
  for (const name of names) {
    for (const element of children(entry, name)) {
      const html = textConstructHtml(element);
      if (html) return html;
    }
  }
  return null;
}

/** Media RSS's title or description inside a group or a content element, as YouTube and podcasts give them. */
function mediaText(entry: XmlElement, local: "title" | "description"): string | null {
  const groups = children(entry, MEDIA_GROUP);
  const holders = [...groups, ...children(entry, MEDIA_CONTENT)];
  for (const group of groups) holders.push(...children(group, MEDIA_CONTENT));
  for (const holder of holders) {
    const html = textConstructHtml(child(holder, ["media", local]));
    if (html) return html;
  }
  return null;
}

/** Category names: RSS's text, Atom's label or else term, Dublin Core subjects. */
function categoriesOf(entry: XmlElement): string[] {
  const found: string[] = [];
  for (const name of CATEGORY) {
    for (const element of children(entry, name)) {
      const value = attribute(element, "label") ?? attribute(element, "term") ?? ownText(element);
      if (value) found.push(value);
    }
  }
  return found;
}

function repliesCount(entry: XmlElement): number | null {
  for (const link of atomLinks(entry, "replies")) {
    const value = count(attribute(link, "thr:count"));
    if (value !== null) return value;
  }
  return null;
}

export function count(value: string | null): number | null {
  if (!value || !/^\s*\d{1,9}\s*$/.test(value)) return null;
  return Number(value);
}

/** `xml:base` values nest: an inner one is relative to the outer. */
export function joinBases(outer: string | null, inner: string | null): string | null {
  if (!inner) return outer;
  try {
    return new URL(inner, outer ?? undefined).href;
  } catch {
    return inner;
  }
}
