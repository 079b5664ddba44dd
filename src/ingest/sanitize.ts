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
  // Every kept URL is rebuilt as an absolute http(s) URL (or mailto:/data:image); anything
  // else, including schemes hidden behind Unicode whitespace, loses the attribute.
  const safeUrl = (url: string | undefined, allowDataImage: boolean): string | undefined => {
    const trimmed = url?.trim();
    if (!trimmed) return undefined;
    if (/^mailto:[^\s<>"]+$/i.test(trimmed)) return trimmed;
    if (allowDataImage && /^data:image\/(png|gif|jpeg|webp|avif);base64,[a-z0-9+/=\s]+$/i.test(trimmed)) return trimmed;
    return resolveHttpUrl(trimmed, base) ?? undefined;
  };
  const withUrl = (attribs: Record<string, string>, name: string, value: string | undefined) => {
    const { [name]: _dropped, ...rest } = attribs;
    return value === undefined ? rest : { ...rest, [name]: value };
  };
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
        attribs: { ...withUrl(attribs, "href", safeUrl(attribs.href, false)), rel: "nofollow noopener noreferrer" },
      }),
      img: (tagName, attribs) => ({ tagName, attribs: { ...withUrl(attribs, "src", safeUrl(attribs.src, true)), loading: "lazy" } }),
      q: (tagName, attribs) => ({ tagName, attribs: withUrl(attribs, "cite", safeUrl(attribs.cite, false)) }),
      blockquote: (tagName, attribs) => ({ tagName, attribs: withUrl(attribs, "cite", safeUrl(attribs.cite, false)) }),
    },
    exclusiveFilter: (frame) => frame.tag === "img" && !frame.attribs.src,
  }).trim();
}
