import { stemmer as dutch } from "@orama/stemmers/dutch";
import { stemmer as english } from "@orama/stemmers/english";
import { stemmer as french } from "@orama/stemmers/french";
import { stemmer as german } from "@orama/stemmers/german";
import { stemmer as italian } from "@orama/stemmers/italian";
import { stemmer as portuguese } from "@orama/stemmers/portuguese";
import { stemmer as spanish } from "@orama/stemmers/spanish";
import { primaryLanguage } from "./fold.ts";

/**
 * Snowball stemmers (Orama's ports) by primary language subtag: the languages
 * of the demo set that have one (English, French) and the other large
 * Latin-script languages of news. A language not listed (Japanese, Chinese,
 * Thai, Korean, …) is not stemmed.
 */
const STEMMERS: Readonly<Record<string, (word: string) => string>> = {
  en: english,
  fr: french,
  de: german,
  es: spanish,
  it: italian,
  pt: portuguese,
  nl: dutch,
};

/** The languages a query word is stemmed in: a query says no language, so it meets an article stemmed in any of them. */
export const STEMMED_LANGUAGES: readonly string[] = Object.keys(STEMMERS);

/**
 * The stemmer for an article's language. An article whose feed names no
 * language is stemmed as English: most such feeds are English, and the
 * English stemmer only trims Latin-letter endings, so text in another script
 * passes through it unchanged.
 */
export function stemmerFor(language: string | null | undefined): ((word: string) => string) | null {
  return language ? (STEMMERS[primaryLanguage(language)] ?? null) : english;
}

/** The language whose stemmer `stemmerFor` gives (`en` for none named), or null when the language is not stemmed. */
export function stemmingLanguageOf(language: string | null | undefined): string | null {
  if (!language) return "en";
  const primary = primaryLanguage(language);
  return STEMMERS[primary] ? primary : null;
}

/** Stems of the most recent words, per stemmer: news prose repeats its words, and a lookup costs less than a stemmer. */
export const STEM_CACHE_WORDS = 16_384;
const cached = new Map<(word: string) => string, (word: string) => string>();

/**
 * `stemmer` remembering the stems of its most recent words (its cache is
 * emptied when full, so it stays bounded). Take it once per text: a call per
 * word then costs one lookup in its own cache.
 */
export function cachedStemmer(stemmer: (word: string) => string): (word: string) => string {
  let remembering = cached.get(stemmer);
  if (!remembering) {
    const stems = new Map<string, string>();
    remembering = (word) => {
      let stem = stems.get(word);
      if (stem === undefined) {
        stem = stemmer(word);
        if (stems.size >= STEM_CACHE_WORDS) stems.clear();
        stems.set(word, stem);
      }
      return stem;
    };
    cached.set(stemmer, remembering);
  }
  return remembering;
}

/**
 * Whether a word starts with a Latin letter or a digit (up to Latin
 * Extended-B): the only words the stemmers change, so others (Chinese pairs,
 * Thai, Cyrillic in an English article) skip them and their cache.
 */
export function isLatin(word: string): boolean {
  return word.charCodeAt(0) < 0x250;
}

/**
 * Every stem a query word may have been indexed under, the word itself first:
 * the word as written, then its stem in each of `languages` (the stemming
 * languages of the articles searched; every one by default), without repeats.
 */
export function queryStems(word: string, languages: Iterable<string> = STEMMED_LANGUAGES): string[] {
  const stems = [word];
  if (!isLatin(word)) return stems;
  for (const language of languages) {
    const stem = cachedStemmer(STEMMERS[language]!)(word);
    if (!stems.includes(stem)) stems.push(stem);
  }
  return stems;
}
