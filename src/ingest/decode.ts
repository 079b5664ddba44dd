import chardet from "chardet";
import iconv from "iconv-lite";

export interface DecodedBody {
  text: string;
  /** The encoding the bytes were read as (an iconv-lite name, lower-case). */
  encoding: string;
  /** Set when nothing declared the charset and it had to be guessed. */
  warning: string | null;
}

// Below this chardet confidence (0–100) a guess is no better than Windows-1252.
const MIN_GUESS_CONFIDENCE = 20;
/** Bytes chardet looks at: enough to tell a code page, bounded for big feeds. */
const GUESS_SAMPLE_BYTES = 64 * 1024;

/**
 * Turns a body's bytes into text by the charset it declares, never assuming
 * UTF-8: a byte-order mark wins, then the HTTP `charset`, then the XML
 * declaration. Without any, valid UTF-8 is read as UTF-8; anything else is
 * guessed from the bytes (chardet) and flagged, as feedparser does.
 */
export function decodeBody(body: Buffer, contentType: string | null): DecodedBody {
  const bom = bomEncoding(body);
  if (bom) return { text: iconv.decode(body.subarray(bom.length), bom.encoding), encoding: bom.encoding, warning: null };
  const declared = charsetFromContentType(contentType) ?? charsetFromXmlDeclaration(body);
  const encoding = declared ? encodingFor(declared) : null;
  if (encoding === "utf-8" || encoding === "utf8") {
    const text = new TextDecoder("utf-8").decode(body);
    return {
      text,
      encoding: "utf-8",
      warning: text.includes("\uFFFD") && !isValidUtf8(body) ? "bytes that are not valid UTF-8 were replaced" : null,
    };
  }
  if (encoding) return { text: iconv.decode(body, encoding), encoding, warning: null };
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(body), encoding: "utf-8", warning: null };
  } catch {
    const guess = guessEncoding(body.subarray(0, GUESS_SAMPLE_BYTES));
    const what = declared ? `unknown charset "${declared}"` : "no charset declared and not UTF-8";
    return { text: iconv.decode(body, guess), encoding: guess, warning: `${what}; read as ${guess}` };
  }
}

export function charsetFromContentType(contentType: string | null): string | null {
  const match = /;\s*charset\s*=\s*"?([\w.:-]+)"?/i.exec(contentType ?? "");
  return match ? match[1]!.toLowerCase() : null;
}

export function charsetFromXmlDeclaration(body: Buffer): string | null {
  // The declaration is ASCII in every encoding a feed uses, so a latin1 peek is safe.
  const head = body.subarray(0, 1024).toString("latin1");
  const match = /<\?xml[^>]*\bencoding\s*=\s*["']([\w.:-]+)["']/i.exec(head);
  return match ? match[1]!.toLowerCase() : null;
}

function isValidUtf8(body: Buffer): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(body);
    return true;
  } catch {
    return false;
  }
}

function bomEncoding(body: Buffer): { encoding: string; length: number } | null {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return { encoding: "utf-8", length: 3 };
  if (body[0] === 0xfe && body[1] === 0xff) return { encoding: "utf-16be", length: 2 };
  if (body[0] === 0xff && body[1] === 0xfe) return { encoding: "utf-16le", length: 2 };
  return null;
}

// Code pages whose Windows superset real publishers use under the ISO name (as browsers assume).
const SUPERSETS: Record<string, string> = {
  "iso-8859-1": "windows-1252",
  "iso8859-1": "windows-1252",
  latin1: "windows-1252",
  "latin-1": "windows-1252",
  l1: "windows-1252",
  "us-ascii": "windows-1252",
  ascii: "windows-1252",
  cp819: "windows-1252",
  "iso-8859-8": "windows-1255",
  "iso-8859-9": "windows-1254",
  "iso-8859-11": "windows-874",
};

/**
 * iconv-lite rather than TextDecoder: Node 20's TextDecoder decodes
 * "windows-1252" as ISO-8859-1, turning € and curly quotes into control codes.
 * An unknown label is ignored so the fallback chain still applies.
 */
function encodingFor(label: string): string | null {
  const normalized = label.toLowerCase();
  const name = SUPERSETS[normalized] ?? normalized;
  return iconv.encodingExists(name) ? name : null;
}

function guessEncoding(sample: Buffer): string {
  const best = chardet.analyse(sample)[0];
  if (!best || best.confidence < MIN_GUESS_CONFIDENCE) return "windows-1252";
  return encodingFor(best.name) ?? "windows-1252";
}
