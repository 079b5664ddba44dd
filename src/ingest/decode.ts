import iconv from "iconv-lite";

/**
 * Turns a body's bytes into text by the charset it declares, never assuming
 * UTF-8: a byte-order mark wins, then the HTTP `charset`, then the XML
 * declaration; without any, valid UTF-8 is read as UTF-8 and anything else as
 * Windows-1252 (the superset of ISO-8859-1 that real "Latin-1" feeds use).
 */
export function decodeBody(body: Buffer, contentType: string | null): string {
  const bom = bomEncoding(body);
  if (bom) return iconv.decode(body.subarray(bom.length), bom.encoding);
  const declared = charsetFromContentType(contentType) ?? charsetFromXmlDeclaration(body);
  const encoding = declared ? encodingFor(declared) : null;
  if (encoding) return iconv.decode(body, encoding);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    return iconv.decode(body, "windows-1252");
  }
}

export function charsetFromContentType(contentType: string | null): string | null {
  const match = /;\s*charset\s*=\s*"?([\w.:-]+)"?/i.exec(contentType ?? "");
  return match ? match[1]!.toLowerCase() : null;
}

export function charsetFromXmlDeclaration(body: Buffer): string | null {
  // The declaration is ASCII in every encoding a feed uses, so a latin1 peek is safe.
  const head = body.subarray(0, 200).toString("latin1");
  const match = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([\w.:-]+)["']/i.exec(head);
  return match ? match[1]!.toLowerCase() : null;
}

function bomEncoding(body: Buffer): { encoding: string; length: number } | null {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return { encoding: "utf-8", length: 3 };
  if (body[0] === 0xfe && body[1] === 0xff) return { encoding: "utf-16be", length: 2 };
  if (body[0] === 0xff && body[1] === 0xfe) return { encoding: "utf-16le", length: 2 };
  return null;
}

/**
 * iconv-lite rather than TextDecoder: Node 20's TextDecoder decodes
 * "windows-1252" as ISO-8859-1, turning € and curly quotes into control codes.
 * Like browsers (WHATWG Encoding), Latin-1 labels read as Windows-1252, its
 * superset. An unknown label is ignored so the fallback chain still applies.
 */
function encodingFor(label: string): string | null {
  const normalized = label.toLowerCase();
  if (["iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii", "cp819"].includes(normalized)) return "windows-1252";
  return iconv.encodingExists(normalized) ? normalized : null;
}
