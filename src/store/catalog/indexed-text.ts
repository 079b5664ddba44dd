import { decodeHTMLStrict } from "entities";
import { hasUnspacedScript, wordSegmenter } from "../../ingest/language/segment.ts";
import { NON_PROSE_ELEMENTS } from "../../ingest/text.ts";

/**
 * The first words of a body (the feed's HTML, see Article.rawBodyHtml), for
 * indexing. Only terms are taken from it, never shown, so it is read with a
 * few patterns rather than an HTML parser, at a small fraction of the cost:
 * comments and non-prose elements (scripts, styles, embeds) go with their
 * content, block boundaries separate words and inline tags do not, and
 * references are decoded as `htmlToText` decodes them (ended by a semicolon).
 *
 * Words are what spaces separate; in text of a script written without spaces
 * (Chinese, Japanese, Thai, …) they are what `Intl.Segmenter` finds in the
 * body's `language`, so such a body is cut after as many words as any other,
 * not kept whole as one "word".
 */
export function indexedBodyText(html: string | null, maxWords: number, language: string | null = null): string {
  if (!html) return "";
  // Long bodies: only the start can hold the words kept (a generous bound of characters per word, markup included).
  const head = html.length > maxWords * 32 ? html.slice(0, maxWords * 32) : html;
  const text = head
    .replace(NON_PROSE, " ")
    .replace(BLOCK_TAG, " ")
    .replace(/<[^>]*>?/g, "");
  const decoded = decodeHTMLStrict(text);
  if (hasUnspacedScript(decoded)) return firstSegmentedWords(decoded, maxWords, language);
  return decoded
    .split(/\s+/, maxWords + 1)
    .filter(Boolean)
    .slice(0, maxWords)
    .join(" ");
}

/** The text up to the end of its `maxWords`th word as the segmenter finds them, its whitespace collapsed. */
function firstSegmentedWords(text: string, maxWords: number, language: string | null): string {
  let words = 0;
  let end = text.length;
  for (const { segment, index, isWordLike } of wordSegmenter(language).segment(text)) {
    if (isWordLike && ++words === maxWords) {
      end = index + segment.length;
      break;
    }
  }
  return text.slice(0, end).split(/\s+/).filter(Boolean).join(" ");
}

/** A comment, or a non-prose element with everything up to its end tag (or the end of the text, when it has none). */
const NON_PROSE = new RegExp(`<!--[\\s\\S]*?(?:-->|$)|<(${NON_PROSE_ELEMENTS.join("|")})\\b[\\s\\S]*?(?:</\\1\\s*>|$)`, "gi");
const BLOCK_TAG =
  /<\/?(?:p|div|br|hr|li|ul|ol|dl|dt|dd|h[1-6]|tr|td|th|table|thead|tbody|tfoot|caption|blockquote|pre|figure|figcaption|section|article|header|footer)\b[^>]*>/gi;
