/**
 * Case and accent folding, the same for an article's words and a query's, so
 * that "Café", "CAFÉ" and "cafe" are one term, and "Zürich" and "zurich".
 */

/** The primary subtag of a BCP 47 tag, lower-case ("pt-BR" → "pt"); "" for none. */
export function primaryLanguage(language: string | null | undefined): string {
  if (!language) return "";
  const dash = language.indexOf("-");
  return (dash < 0 ? language : language.slice(0, dash)).toLowerCase();
}

// Languages whose lower case differs from the default one: Turkish and Azeri (İ → i, I → ı), Lithuanian (i with accents keeps its dot).
const OWN_LOWER_CASE: ReadonlySet<string> = new Set(["tr", "az", "lt"]);

/** `text` in lower case as its language writes it. */
export function lowerCase(text: string, language: string | null | undefined): string {
  if (!language || language.length < 2) return text.toLowerCase();
  const primary = primaryLanguage(language);
  return OWN_LOWER_CASE.has(primary) ? text.toLocaleLowerCase(primary) : text.toLowerCase();
}

/**
 * Combining marks on a Latin, Greek or Cyrillic letter, where they are
 * accents a reader may leave out ("cafe" for "café"). Marks on other scripts
 * are letters or vowels of their own (Devanagari, Thai, the Japanese voicing
 * marks, Hangul's jamo) and stay.
 */
const ACCENTS = /([\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}])\p{M}+/gu;
/**
 * Letters that carry their accent inside them (no decomposition takes it off)
 * and the letters a reader types for them; the dotless ı so that a Turkish
 * word lower-cased as Turkish meets the same word typed without its language.
 */
const UNDECOMPOSED: Readonly<Record<string, string>> = { ß: "ss", æ: "ae", œ: "oe", ø: "o", đ: "d", ł: "l", ı: "i", ħ: "h", ŧ: "t" };
const UNDECOMPOSED_LETTER = new RegExp(`[${Object.keys(UNDECOMPOSED).join("")}]`, "g");

/**
 * A lower-case word folded for matching: compatibility forms made plain
 * (full-width "ＡＩ" → "ai", the ligature "ﬁ" → "fi"), accents taken off Latin,
 * Greek and Cyrillic letters, and letters like ß and ø spelt out. A word of
 * ASCII alone, most words of most text, is returned as it is, after one scan.
 */
export function foldWord(word: string): string {
  for (let i = 0; i < word.length; i++) if (word.charCodeAt(i) > 0x7f) return foldWide(word);
  return word;
}

function foldWide(word: string): string {
  // Compatibility decomposition can make capitals ("Ⅻ" → "XII"): lower-cased again.
  let folded = word.normalize("NFKD").toLowerCase().replace(ACCENTS, "$1");
  UNDECOMPOSED_LETTER.lastIndex = 0;
  if (UNDECOMPOSED_LETTER.test(folded)) folded = folded.replace(UNDECOMPOSED_LETTER, (letter) => UNDECOMPOSED[letter]!);
  return folded.normalize("NFC");
}
