import type { RawEnclosure, RawImage } from "../../model/raw-feed.ts";
import { attribute, child, children, ownText, type ElementName } from "./elements.ts";
import { atomLinks } from "./links.ts";
import type { XmlElement } from "./read-xml.ts";

const ENCLOSURE: ElementName = ["", "enclosure"];
const MEDIA_CONTENT: ElementName = ["media", "content"];
const MEDIA_THUMBNAIL: ElementName = ["media", "thumbnail"];
const MEDIA_GROUP: ElementName = ["media", "group"];
const ITUNES_IMAGE: ElementName = ["itunes", "image"];
const ITUNES_DURATION: ElementName = ["itunes", "duration"];

/** Media RSS elements of one name, whether straight under the item or in its groups. */
function mediaElements(item: XmlElement, name: ElementName): XmlElement[] {
  const found = children(item, name);
  for (const group of children(item, MEDIA_GROUP)) found.push(...children(group, name));
  return found;
}

function isImage(medium: string | null, type: string | null): boolean {
  return medium ? medium.toLowerCase() === "image" : (type ?? "").toLowerCase().startsWith("image/");
}

/**
 * The images an item names: Media RSS content and thumbnails (in groups
 * too), image enclosures, iTunes' episode image. Sizes as written.
 */
export function imagesOf(item: XmlElement): RawImage[] {
  const found: RawImage[] = [];
  for (const content of mediaElements(item, MEDIA_CONTENT)) {
    const url = attribute(content, "url");
    const medium = attribute(content, "medium");
    const type = attribute(content, "type");
    // Without a medium or a type, Media RSS content is taken for an image, as readers do.
    if (url && (isImage(medium, type) || (!medium && !type)))
      found.push({ url, width: size(attribute(content, "width")), height: size(attribute(content, "height")) });
  }
  for (const thumbnail of mediaElements(item, MEDIA_THUMBNAIL)) {
    const url = attribute(thumbnail, "url");
    if (url) found.push({ url, width: size(attribute(thumbnail, "width")), height: size(attribute(thumbnail, "height")) });
  }
  for (const enclosure of children(item, ENCLOSURE)) {
    const url = attribute(enclosure, "url");
    if (url && isImage(null, attribute(enclosure, "type"))) found.push({ url });
  }
  for (const image of children(item, ITUNES_IMAGE)) {
    const href = attribute(image, "href") ?? ownText(image);
    if (href) found.push({ url: href });
  }
  return found;
}

/**
 * Files attached to an item: RSS enclosures, Atom `rel="enclosure"` links,
 * and Media RSS content that is not an image (audio, video). iTunes' episode
 * duration belongs to the episode's file: it goes to the first one without
 * its own.
 */
export function enclosuresOf(item: XmlElement): RawEnclosure[] {
  const found: RawEnclosure[] = [];
  for (const enclosure of children(item, ENCLOSURE)) {
    const url = attribute(enclosure, "url");
    if (url) found.push({ url, type: attribute(enclosure, "type"), length: attribute(enclosure, "length"), duration: null });
  }
  for (const link of atomLinks(item, "enclosure")) {
    const url = attribute(link, "href");
    if (url) found.push({ url, type: attribute(link, "type"), length: attribute(link, "length"), duration: null });
  }
  for (const content of mediaElements(item, MEDIA_CONTENT)) {
    const url = attribute(content, "url");
    const medium = attribute(content, "medium");
    const type = attribute(content, "type");
    if (url && (medium || type) && !isImage(medium, type))
      found.push({ url, type, length: attribute(content, "fileSize"), duration: attribute(content, "duration") });
  }
  const duration = ownText(child(item, ITUNES_DURATION));
  const timed = found.find((enclosure) => enclosure.duration === null && !isImage(null, enclosure.type));
  if (duration && timed) timed.duration = duration;
  return found;
}

function size(value: string | null): number | null {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : null;
}
