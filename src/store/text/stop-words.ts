import { stopwords as dutch } from "@orama/stopwords/dutch";
import { stopwords as english } from "@orama/stopwords/english";
import { stopwords as french } from "@orama/stopwords/french";
import { stopwords as german } from "@orama/stopwords/german";
import { stopwords as italian } from "@orama/stopwords/italian";
import { stopwords as japanese } from "@orama/stopwords/japanese";
import { stopwords as mandarin } from "@orama/stopwords/mandarin";
import { stopwords as portuguese } from "@orama/stopwords/portuguese";
import { stopwords as spanish } from "@orama/stopwords/spanish";
import { foldWord, primaryLanguage } from "./fold.ts";

/** Stop words by primary language subtag, from Orama's lists (Snowball's for the European languages). */
const LISTS: Readonly<Record<string, readonly string[]>> = {
  en: english,
  fr: french,
  de: german,
  es: spanish,
  it: italian,
  pt: portuguese,
  nl: dutch,
  ja: japanese,
  zh: mandarin,
};

const folded = new Map<string, ReadonlySet<string>>();

/**
 * The stop words of a language, folded as terms are (see foldWord), or an
 * empty set for a language without a list. Built on first use.
 */
export function stopWordsOf(language: string | null | undefined): ReadonlySet<string> {
  const primary = primaryLanguage(language);
  let words = folded.get(primary);
  if (!words) {
    words = new Set((LISTS[primary] ?? []).map((word) => foldWord(word.toLowerCase())));
    folded.set(primary, words);
  }
  return words;
}
