/**
 * Where a text stops being JSON (RFC 8259): the offset, in UTF-16 code units,
 * of the first character that cannot continue it, or the text's length when
 * it ends early; -1 when it is JSON. Iterative, so a deeply nested document
 * cannot exhaust the stack. Used only after JSON.parse failed, to say where
 * without quoting what (V8's message quotes the text around the fault).
 */
export function jsonErrorOffset(text: string): number {
  const closers: string[] = [];
  // What may come next: a value, a value or `]` (just after `[`), a key, a key or `}` (just after `{`), `:`, or `,`/a closer/the end.
  let expect: "value" | "value|]" | "key" | "key|}" | ":" | "next" = "value";
  let i = 0;
  for (;;) {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
    if (i >= text.length) return expect === "next" && closers.length === 0 ? -1 : i;
    const c = text[i]!;
    if (expect === "next") {
      if (closers.length === 0) return i;
      if (c === closers[closers.length - 1]) {
        closers.pop();
        i++;
        continue;
      }
      if (c !== ",") return i;
      expect = closers[closers.length - 1] === "}" ? "key" : "value";
      i++;
      continue;
    }
    if (expect === ":") {
      if (c !== ":") return i;
      expect = "value";
      i++;
      continue;
    }
    if ((expect === "value|]" && c === "]") || (expect === "key|}" && c === "}")) {
      closers.pop();
      expect = "next";
      i++;
      continue;
    }
    if (expect === "key" || expect === "key|}") {
      if (c !== '"') return i;
      const end = stringEnd(text, i);
      if (end < 0) return -end - 1;
      i = end;
      expect = ":";
      continue;
    }
    // A value.
    if (c === "{" || c === "[") {
      closers.push(c === "{" ? "}" : "]");
      expect = c === "{" ? "key|}" : "value|]";
      i++;
      continue;
    }
    const end = c === '"' ? stringEnd(text, i) : scalarEnd(text, i);
    if (end < 0) return -end - 1;
    i = end;
    expect = "next";
  }
}

/** The offset just past the string starting at `start`, or -(fault offset) - 1. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22) return i + 1;
    if (code < 0x20) return -i - 1;
    if (code === 0x5c) {
      const next = text[i + 1];
      if (next === undefined) return -(i + 1) - 1;
      if (next === "u") {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return -(i + 2) - 1;
        i += 5;
      } else if ('"\\/bfnrt'.includes(next)) i++;
      else return -(i + 1) - 1;
    }
  }
  return -text.length - 1;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** The offset just past the literal or number at `start`, or -(fault offset) - 1. */
function scalarEnd(text: string, start: number): number {
  for (const word of ["true", "false", "null"]) {
    if (text[start] !== word[0]) continue;
    for (let k = 1; k < word.length; k++) if (text[start + k] !== word[k]) return -(start + k) - 1;
    return start + word.length;
  }
  NUMBER.lastIndex = start;
  const match = NUMBER.exec(text);
  if (!match || match[0] === "" || match[0] === "-") return -(start + (match?.[0].length ?? 0)) - 1;
  return start + match[0].length;
}
