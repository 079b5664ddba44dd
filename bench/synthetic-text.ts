/**
 * Deterministic news-like text for the bench: a vocabulary of made-up words
 * drawn with a Zipf distribution (a few short words are everywhere, most
 * words are longer and rare, as in real prose), mixed with the words of a
 * topic, so that merging, related articles and searches meet the work they
 * would in a real catalog. The same seed gives the same text in every run.
 * Every string is built with `join`, so it is one flat string as a parser
 * would make it, never a rope of pieces.
 */

/** Words in the vocabulary. */
export const VOCABULARY_SIZE = 8000;
/** Topic clusters; each article belongs to one. */
export const TOPIC_COUNT = 400;
/** Distinctive words per topic. */
export const WORDS_PER_TOPIC = 20;
/** Share of an article's words taken from its topic. */
const TOPIC_SHARE = 0.25;
/** Zipf exponent of the general vocabulary. */
const ZIPF_EXPONENT = 1.05;
/** Frequency ranks below which words have one, then two syllables; rarer words have three or four. */
const ONE_SYLLABLE_RANKS = 150;
const TWO_SYLLABLE_RANKS = 1500;
/** Resolution of the table that turns a uniform number into a Zipf rank. */
const ZIPF_TABLE_SIZE = 1 << 18;

const ONSETS = [
  "b",
  "br",
  "c",
  "ch",
  "d",
  "dr",
  "f",
  "g",
  "gr",
  "h",
  "k",
  "l",
  "m",
  "n",
  "p",
  "pl",
  "r",
  "s",
  "st",
  "t",
  "tr",
  "v",
  "w",
  "z",
];
const VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "io", "ou"];
const CODAS = ["", "", "n", "r", "s", "l", "nd", "st", "x", "m"];

/** mulberry32: small, fast and good enough to make test data. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class TextGenerator {
  readonly random: () => number;
  /** Most frequent first. */
  readonly words: string[];
  readonly topics: string[][];
  private readonly zipf: Uint16Array;

  constructor(seed: number) {
    this.random = createRandom(seed);
    const seen = new Set<string>();
    while (seen.size < VOCABULARY_SIZE) {
      const syllables = seen.size < ONE_SYLLABLE_RANKS ? 1 : seen.size < TWO_SYLLABLE_RANKS ? 2 : 3 + this.int(2);
      seen.add(this.makeWord(syllables));
    }
    this.words = [...seen];
    const cumulative: number[] = [];
    let total = 0;
    for (let rank = 0; rank < VOCABULARY_SIZE; rank++) cumulative.push((total += 1 / (rank + 1) ** ZIPF_EXPONENT));
    this.zipf = new Uint16Array(ZIPF_TABLE_SIZE);
    for (let slot = 0, rank = 0; slot < ZIPF_TABLE_SIZE; slot++) {
      const target = ((slot + 0.5) / ZIPF_TABLE_SIZE) * total;
      while (cumulative[rank]! < target) rank++;
      this.zipf[slot] = rank;
    }
    // Topic words are rare, long words: distinctive, and shared by the topic's articles.
    this.topics = Array.from({ length: TOPIC_COUNT }, () =>
      Array.from({ length: WORDS_PER_TOPIC }, () => this.words[TWO_SYLLABLE_RANKS + this.int(VOCABULARY_SIZE - TWO_SYLLABLE_RANKS)]!),
    );
  }

  int(below: number): number {
    return Math.floor(this.random() * below);
  }

  pick<T>(values: readonly T[]): T {
    return values[this.int(values.length)]!;
  }

  /** One word of general prose, by Zipf frequency. */
  word(): string {
    return this.words[this.zipf[this.int(ZIPF_TABLE_SIZE)]!]!;
  }

  /** One word of an article about `topic`. */
  topicalWord(topic: number): string {
    return this.random() < TOPIC_SHARE ? this.pick(this.topics[topic]!) : this.word();
  }

  /** `count` words about `topic`, the first capitalized, ending with a full stop when `sentence`. */
  phrase(topic: number, count: number, sentence = true): string {
    const parts: string[] = [];
    for (let i = 0; i < count; i++) {
      const word = this.topicalWord(topic);
      if (i === 0) parts.push(word.charAt(0).toUpperCase(), word.slice(1));
      else parts.push(" ", word);
    }
    if (sentence) parts.push(".");
    return parts.join("");
  }

  /** Whole sentences about `topic` until at least `chars` characters. */
  prose(topic: number, chars: number): string {
    const sentences: string[] = [];
    let length = 0;
    while (length < chars) {
      const sentence = this.phrase(topic, 8 + this.int(12));
      sentences.push(sentence);
      length += sentence.length + 1;
    }
    return sentences.join(" ");
  }

  /** Tags of an article about `topic`: `count` of the topic's words, capitalized, each a string of its own. */
  tags(topic: number, count: number): string[] {
    const words = new Set<string>();
    while (words.size < count) words.add(this.pick(this.topics[topic]!));
    return [...words].map(capitalize);
  }

  private makeWord(syllables: number): string {
    const parts: string[] = [];
    for (let i = 0; i < syllables; i++) parts.push(this.pick(ONSETS), this.pick(VOWELS), i === syllables - 1 ? this.pick(CODAS) : "");
    const word = parts.join("");
    return word.length >= 3 ? word : `${word}${this.pick(CODAS.filter(Boolean))}`;
  }
}

/** The word with a capital first letter, as one flat string. */
export function capitalize(word: string): string {
  return [word.charAt(0).toUpperCase(), word.slice(1)].join("");
}
