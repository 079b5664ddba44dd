import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Parser } from "htmlparser2";
import { FORBIDDEN_ELEMENTS } from "./browser.ts";

/** DOMPurify's XSS vectors, from the copied corpus; shared by every test of an HTML output. */
export const VECTORS_PATH = fileURLToPath(new URL("../fixtures/corpus/xss/vectors.json", import.meta.url));

export interface Vector {
  id: string;
  title?: string;
  payload: string;
  dompurify_modifies: boolean;
}

export function loadVectors(): { vectors: Vector[]; expectedCount: number | null; error: string | null } {
  if (!existsSync(VECTORS_PATH)) {
    return {
      vectors: [],
      expectedCount: null,
      error: `XSS vector corpus not found at ${VECTORS_PATH} (expected tests/fixtures/corpus/xss/vectors.json)`,
    };
  }
  try {
    const parsed = JSON.parse(readFileSync(VECTORS_PATH, "utf8")) as { _about?: { count?: number }; vectors?: unknown };
    if (!Array.isArray(parsed.vectors)) return { vectors: [], expectedCount: null, error: `${VECTORS_PATH} has no "vectors" array` };
    const vectors = parsed.vectors as Vector[];
    const bad = vectors.findIndex((v) => !v || typeof v.payload !== "string" || typeof v.id !== "string");
    if (bad !== -1) return { vectors: [], expectedCount: null, error: `${VECTORS_PATH}: vector #${bad} has no string id/payload` };
    return { vectors, expectedCount: typeof parsed._about?.count === "number" ? parsed._about.count : null, error: null };
  } catch (error) {
    return { vectors: [], expectedCount: null, error: `cannot read XSS vector corpus ${VECTORS_PATH}: ${String(error)}` };
  }
}

export /** JSON-quoted, with invisible and non-ASCII characters spelled out (U+2028 etc. would otherwise print as blanks). */
const visible = (text: string) =>
  JSON.stringify(text).replace(/[^\x20-\x7e]/gu, (ch) => `\\u{${ch.codePointAt(0)!.toString(16).toUpperCase()}}`);

/** Characters a browser (or a downstream consumer's `trim()`) may ignore around or inside a scheme. */
const IGNORABLE = /[\p{Cc}\p{Cf}\p{Z}\s]/gu;
const DANGEROUS_SCHEME = /^(?:javascript|vbscript|livescript|mocha):/i;

export /**
 * What a sanitized fragment must not contain, as found by htmlparser2 (which
 * decodes entities in attribute values the way a browser does) plus raw-text
 * checks that do not depend on any parser.
 */
function staticProblems(html: string): string[] {
  const problems: string[] = [];
  if (/<script/i.test(html)) problems.push("contains `<script`");
  if (/<style/i.test(html)) problems.push("contains `<style`");
  const rawForbidden = new RegExp(`<(${FORBIDDEN_ELEMENTS.join("|")})[\\s/>]`, "i").exec(html);
  if (rawForbidden) problems.push(`contains a raw <${rawForbidden[1]!.toLowerCase()}> tag`);

  let tag = "";
  const parser = new Parser(
    {
      onopentagname(name) {
        tag = name;
        if (FORBIDDEN_ELEMENTS.includes(name)) problems.push(`<${name}> element`);
      },
      onattribute(name, value) {
        const shown = visible(value.length > 100 ? `${value.slice(0, 100)}...` : value);
        if (/^on/i.test(name)) problems.push(`<${tag}> has event-handler attribute ${name}=${shown}`);
        if (name === "style") problems.push(`<${tag}> has a style attribute`);
        const compact = value.replace(IGNORABLE, "");
        if (DANGEROUS_SCHEME.test(compact))
          problems.push(`<${tag}> ${name}=${shown} is a script URL (after decoding and removing whitespace/control characters)`);
        if (/^data:/i.test(compact) && !(tag === "img" && name === "src"))
          problems.push(`<${tag}> ${name}=${shown} is a data: URL outside img src`);
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true, recognizeSelfClosing: false },
  );
  parser.write(html);
  parser.end();
  return problems;
}
