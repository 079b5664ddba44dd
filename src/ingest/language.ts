/**
 * A plausible BCP 47 tag in any case, "_" or "-" between subtags: a language
 * of two or three letters (ISO 639; the longer forms BCP 47 allows are not
 * used for real languages, and "English" would pass as one), then subtags of
 * one to eight letters or digits.
 */
const PLAUSIBLE = /^[a-z]{2,3}(?:[-_][a-z0-9]{1,8})*$/i;
/** Tags that name no language: undetermined, multiple, none. */
const NO_LANGUAGE: ReadonlySet<string> = new Set(["und", "mul", "zxx"]);

/** Tags read lately, by their text: a feed's items repeat its one or two. */
const normalized = new Map<string, string | null>();
const MAX_REMEMBERED = 256;

/**
 * A language tag as feeds write it (`xml:lang`, `<language>`, `dc:language`,
 * JSON Feed), in BCP 47's canonical form and case ("EN-us" and "en_US" are
 * "en-US", "zh-hant-tw" is "zh-Hant-TW"); the first of a list ("en-US, fr").
 * Null for anything that is not a plausible tag ("English", "*", "x-pig-latin").
 */
export function normalizeLanguage(text: string | null | undefined): string | null {
  if (!text) return null;
  const known = normalized.get(text);
  if (known !== undefined) return known;
  const result = readLanguage(text);
  if (normalized.size >= MAX_REMEMBERED) normalized.clear();
  normalized.set(text, result);
  return result;
}

function readLanguage(text: string): string | null {
  const first = text.trim().split(/[\s,;]/, 1)[0]!;
  if (!PLAUSIBLE.test(first)) return null;
  let tag: string;
  try {
    tag = Intl.getCanonicalLocales(first.replaceAll("_", "-"))[0]!;
  } catch {
    return null;
  }
  const language = tag.split("-", 1)[0]!;
  return tag && !NO_LANGUAGE.has(language) ? tag : null;
}
