/**
 * Turns a body's bytes into text by the charset it declares, never assuming
 * UTF-8: a byte-order mark wins, then the HTTP `charset`, then the XML
 * declaration; without any, valid UTF-8 is read as UTF-8 and anything else as
 * Windows-1252 (the superset of ISO-8859-1 that real "Latin-1" feeds use).
 */
export function decodeBody(body: Buffer, contentType: string | null): string {
  const bom = bomEncoding(body);
  if (bom) return new TextDecoder(bom.encoding).decode(body.subarray(bom.length));
  const declared = charsetFromContentType(contentType) ?? charsetFromXmlDeclaration(body);
  const decoder = declared ? decoderFor(declared) : null;
  if (decoder) return decoder.decode(body);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    return new TextDecoder("windows-1252").decode(body);
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

function decoderFor(label: string): TextDecoder | null {
  try {
    return new TextDecoder(label);
  } catch {
    // An unknown label is ignored rather than fatal: the fallback chain still applies.
    return null;
  }
}
