/**
 * The first words of a sanitized body, for indexing. Sanitized HTML is
 * well-formed and escapes only `& < > " '`, so stripping tags and decoding
 * those (and numeric references) reads it as text, at a small fraction of an
 * HTML parser's cost. Not for display: only terms are taken from it.
 */
export function indexedBodyText(sanitizedHtml: string | null, maxWords: number): string {
  if (!sanitizedHtml) return "";
  // Long bodies: only the start can hold the words kept (a generous bound of characters per word).
  const head = sanitizedHtml.length > maxWords * 24 ? sanitizedHtml.slice(0, maxWords * 24) : sanitizedHtml;
  // Block boundaries separate words ("a</p><p>b"); inline tags do not ("<b>a</b>b" is one word).
  const text = head
    .replace(BLOCK_TAG, " ")
    .replace(/<[^>]*>?/g, "").replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|nbsp);/gi, decodeReference);
  return text.split(/\s+/, maxWords + 1).filter(Boolean).slice(0, maxWords).join(" ");
}

const BLOCK_TAG = /<\/?(?:p|div|br|hr|li|ul|ol|dl|dt|dd|h[1-6]|tr|td|th|table|thead|tbody|tfoot|caption|blockquote|pre|figure|figcaption)\b[^>]*>/gi;
const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

function decodeReference(_match: string, name: string): string {
  if (name[0] !== "#") return NAMED[name.toLowerCase()] ?? "";
  const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
  return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : "";
}
