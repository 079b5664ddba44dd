import sanitizeHtml from "sanitize-html";
import { escapeLegacyEntities } from "./text.ts";
import { httpUrlResolver } from "./urls.ts";

/** Markup a reader needs; nothing that runs, styles, embeds or submits. */
const ALLOWED_TAGS = [
  "p",
  "br",
  "hr",
  "a",
  "strong",
  "b",
  "em",
  "i",
  "u",
  "s",
  "sub",
  "sup",
  "small",
  "mark",
  "abbr",
  "cite",
  "q",
  "code",
  "pre",
  "kbd",
  "blockquote",
  "ul",
  "ol",
  "li",
  "dl",
  "dt",
  "dd",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "img",
  "figure",
  "figcaption",
  "table",
  "thead",
  "tbody",
  "tfoot",
  "tr",
  "th",
  "td",
  "caption",
  "span",
  "div",
  "time",
  "del",
  "ins",
];

/**
 * Sanitizes feed HTML for partner pages and frontends: an allow-list of tags
 * and attributes, http(s)/mailto links only (images may also be `data:`), and
 * every link made absolute against `base` so it works away from the feed.
 */
export function sanitizeContent(html: string, base: string[]): string {
  // Without a tag or an entity there is nothing to sanitize: what the library would
  // give back is the text with `>` escaped (see plainTextOutput), and the library
  // sets up its options, maps and classes on every call, several times the cost of
  // this check. Many descriptions and bodies are plain text. Invariant: the output
  // is the library's for the same input (plainTextOutput mirrors its escaping).
  if (!MARKUP.test(html)) return plainTextOutput(html);
  return sanitizeWithLibrary(html, base);
}
const MARKUP = /[<&]/;

/** sanitize-html's output for text without `<` or `&`: it escapes `>` (its text escaping), and we trim. */
function plainTextOutput(text: string): string {
  return (text.indexOf(">") < 0 ? text : text.replace(/>/g, "&gt;")).trim();
}

/**
 * The resolver of the links of the sanitizer call in progress. The sanitizer
 * runs synchronously, so its hooks read the call in progress from here, and
 * its options are made once: made per call, with their functions (tsx names
 * each function with Object.defineProperty), they would be a large share of
 * sanitizing a typical body.
 */
let current: { resolve: (link: string) => string | null } | null = null;

/** `sanitizeContent` always through sanitize-html, plain text too: what its shortcut must equal (tests compare). */
export function sanitizeWithLibrary(html: string, base: string[]): string {
  const outer = current;
  current = { resolve: httpUrlResolver(base) };
  try {
    return sanitizeHtml(escapeLegacyEntities(html), OPTIONS).trim();
  } finally {
    current = outer;
  }
}

/**
 * Every kept URL is rebuilt as an absolute http(s) URL (or mailto:/data:image);
 * anything else, including schemes hidden behind Unicode whitespace, loses the attribute.
 */
function safeUrl(url: string | undefined, allowDataImage: boolean): string | undefined {
  const trimmed = url?.trim();
  if (!trimmed) return undefined;
  if (/^mailto:[^\s<>"]+$/i.test(trimmed)) return trimmed;
  if (allowDataImage && /^data:image\/(png|gif|jpeg|webp|avif);base64,[a-z0-9+/=\s]+$/i.test(trimmed)) return trimmed;
  return current!.resolve(trimmed) ?? undefined;
}

function withUrl(attribs: Record<string, string>, name: string, value: string | undefined): Record<string, string> {
  const { [name]: _dropped, ...rest } = attribs;
  return value === undefined ? rest : { ...rest, [name]: value };
}

function withCite(tagName: string, attribs: Record<string, string>): sanitizeHtml.Tag {
  return { tagName, attribs: withUrl(attribs, "cite", safeUrl(attribs.cite, false)) };
}

/**
 * Elements dropped together with their text. Any other disallowed element is
 * dropped but its text kept (a `<font>` or `<section>` holds prose), which is
 * wrong where the text is not prose a reader would see: an inline SVG logo
 * showed its `<text>W</text>` as a stray "W" before every post of
 * intertwingly.net, and a MathML formula its TeX `<annotation>` beside the
 * formula ("request nn bytes"). Dropped whole:
 * - sanitize-html's own list (this option replaces it): code, styles, form
 *   state, and `xmp`/`textarea`, whose raw text would otherwise be re-parsed;
 * - SVG and MathML, foreign content we do not render: the text is part of a
 *   picture, or a formula that flattened reads wrong (x² as "x2") beside its
 *   TeX source; as in htmlToText's NON_PROSE_ELEMENTS;
 * - what a browser never shows: `noscript` (scripting is on where bodies are
 *   shown; sanitize-html then also discards it up to the browser's end tag)
 *   and `template`.
 * Not here: `iframe` (sanitize-html re-sanitizes its text, which after an
 * unclosed `<iframe>` is the rest of the article) and `object`, `video`,
 * `audio`, whose fallback content is what a reader sees when they do not play;
 * nor a pasted document's `head`/`title` (feedparser keeps that title, and
 * tests/ingest/corpus.test.ts holds us to it).
 */
const DROPPED_WITH_TEXT = ["script", "style", "textarea", "option", "xmp", "svg", "math", "noscript", "template"];

const FIXED_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: ALLOWED_TAGS,
  nonTextTags: DROPPED_WITH_TEXT,
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
  exclusiveFilter: (frame) => frame.tag === "img" && !frame.attribs.src,
};

const OPTIONS: sanitizeHtml.IOptions = {
  ...FIXED_OPTIONS,
  transformTags: {
    a: (tagName, attribs) => ({
      tagName,
      attribs: { ...withUrl(attribs, "href", safeUrl(attribs.href, false)), rel: "nofollow noopener noreferrer" },
    }),
    img: (tagName, attribs) => ({ tagName, attribs: { ...withUrl(attribs, "src", safeUrl(attribs.src, true)), loading: "lazy" } }),
    q: withCite,
    blockquote: withCite,
  },
};
