/**
 * What every parser hands to normalization: the feed's values as found, still
 * untrusted (HTML, entities, relative URLs, free-form dates). One shape for all
 * formats, so normalization has one code path.
 */
export interface RawFeed {
  title: string | null;
  /** The feed's home page link, used to resolve relative item links. */
  link: string | null;
  /** `xml:base` of the feed element (Atom). */
  base: string | null;
  /** Set when the feed could only be read after repairs; shown on the source's status. */
  warning: string | null;
  /** RSS <ttl>: minutes the publisher says the feed stays fresh. */
  ttlMinutes: number | null;
  /** The feed's language as it says it (`xml:lang` on the root or channel, `<language>`, `dc:language`, JSON Feed `language`). */
  language: string | null;
  /** The feed's own authors, for items that name none. */
  authors: RawAuthor[];
  items: RawItem[];
  /** WebSub hubs the document names (Atom `link rel="hub"`, JSON Feed `hubs`), as written. @default none */
  hubs?: string[];
  /** The feed's own URL (Atom `link rel="self"`, JSON Feed `feed_url`), as written: a WebSub topic. @default null */
  selfUrl?: string | null;
}

export interface RawItem {
  guid: string | null;
  /** Title as the feed gives it; `titleIsHtml` says whether it may hold markup. */
  title: string | null;
  titleIsHtml: boolean;
  link: string | null;
  /** `xml:base` in force for this item. */
  base: string | null;
  /** Short description; may be HTML. */
  summaryHtml: string | null;
  /** Full body; may be HTML. */
  contentHtml: string | null;
  /** `xml:base` of the content element itself, innermost base of the body's links. */
  contentBase: string | null;
  authors: RawAuthor[];
  published: string | null;
  updated: string | null;
  categories: string[];
  images: RawImage[];
  /** Comment count the feed reports (slash:comments, thr:total, a mapped field). */
  commentCount: number | null;
  /** Media attached to the item (RSS enclosure, Atom link rel="enclosure", media:content, JSON Feed attachments). */
  enclosures: RawEnclosure[];
  /** The item's own language (`xml:lang` on the item, `dc:language`, JSON Feed item `language`); null: the feed's. */
  language: string | null;
}

/** An author as the feed names them; any part may be missing (RSS `<author>` is often only an e-mail). */
export interface RawAuthor {
  name: string | null;
  email: string | null;
  url: string | null;
}

/** An attached file as the feed describes it: untrusted text, sizes as written. */
export interface RawEnclosure {
  url: string;
  type: string | null;
  /** Bytes, as written (often "0" or missing). */
  length: string | null;
  /** Duration as written: seconds, or `H:MM:SS` (itunes:duration, media:content duration). */
  duration: string | null;
}

export interface RawImage {
  url: string;
  width?: number | null;
  height?: number | null;
  alt?: string | null;
}

export function emptyRawItem(): RawItem {
  return {
    guid: null,
    title: null,
    titleIsHtml: true,
    link: null,
    base: null,
    summaryHtml: null,
    contentHtml: null,
    contentBase: null,
    authors: [],
    published: null,
    updated: null,
    categories: [],
    images: [],
    commentCount: null,
    enclosures: [],
    language: null,
  };
}
