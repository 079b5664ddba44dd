import sanitizeHtml from "sanitize-html";
import { resolveHttpUrl } from "./urls.ts";

/** Markup a reader needs; nothing that runs, styles, embeds or submits. */
const ALLOWED_TAGS = [
  "p", "br", "hr", "a", "strong", "b", "em", "i", "u", "s", "sub", "sup", "small", "mark", "abbr", "cite", "q", "code", "pre",
  "kbd", "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "img", "figure", "figcaption",
  "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "span", "div", "time", "del", "ins",
];

/**
 * Sanitizes feed HTML for partner pages and frontends: an allow-list of tags
 * and attributes, http(s)/mailto links only (images may also be `data:`), and
 * every link made absolute against `base` so it works away from the feed.
 */
export function sanitizeContent(html: string, base: string[]): string {
  const absolute = (url: string | undefined) => (url ? (resolveHttpUrl(url, base) ?? url) : url);
  return sanitizeHtml(html, {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: {
      a: ["href", "title", "rel"],
      img: ["src", "alt", "title", "width", "height", "loading"],
      td: ["colspan", "rowspan"],
      th: ["colspan", "rowspan", "scope"],
      time: ["datetime"],
      abbr: ["title"],
      ol: ["start"],
    },
    allowedSchemes: ["http", "https", "mailto"],
    allowedSchemesByTag: { img: ["http", "https", "data"] },
    allowedSchemesAppliedToAttributes: ["href", "src", "cite"],
    allowProtocolRelative: false,
    disallowedTagsMode: "discard",
    transformTags: {
      a: (tagName, attribs) => ({
        tagName,
        attribs: { ...attribs, href: absolute(attribs.href) ?? "", rel: "nofollow noopener noreferrer" },
      }),
      img: (tagName, attribs) => ({ tagName, attribs: { ...attribs, src: absolute(attribs.src) ?? "", loading: "lazy" } }),
    },
    exclusiveFilter: (frame) => frame.tag === "img" && !frame.attribs.src,
  }).trim();
}
