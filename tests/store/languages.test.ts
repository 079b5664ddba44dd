import { describe, expect, it } from "vitest";
import { hasUnspacedScript } from "../../src/ingest/language/segment.ts";
import type { Article } from "../../src/model/article.ts";
import { indexedBodyText } from "../../src/store/catalog/indexed-text.ts";
import { mergeArticles } from "../../src/store/catalog/merge.ts";
import { RelatedIndex } from "../../src/store/related/related-index.ts";
import { tokenize } from "../../src/store/related/tokenize.ts";
import { SearchIndex } from "../../src/store/search/search-index.ts";
import { indexTerms, searchTerms } from "../../src/store/search/search-text.ts";
import { runToEnd } from "../../src/store/sliced/time-slice.ts";
import { foldWord, lowerCase } from "../../src/store/text/fold.ts";

let serial = 0;
function article(fields: Partial<Article> & { body?: string | null }): Article {
  const id = fields.id ?? `l${++serial}`;
  return {
    id,
    sourceId: fields.sourceId ?? "source",
    guid: null,
    title: fields.title ?? "Untitled",
    summary: fields.summary ?? null,
    rawBodyHtml: fields.body === undefined ? null : fields.body,
    bodyBase: null,
    bodyWords: null,
    url: `https://example.com/${id}`,
    canonicalUrl: `https://example.com/${id}`,
    author: null,
    publishedAt: new Date(Date.UTC(2026, 10, 1) - serial * 60_000),
    updatedAt: null,
    image: null,
    tags: fields.tags ?? [],
    section: "news",
    commentCount: null,
    authors: [],
    enclosures: [],
    language: fields.language ?? null,
  };
}

const ids = (index: SearchIndex, query: string) =>
  index
    .search(query)
    .map((hit) => hit.id)
    .sort();

describe("segmentation", () => {
  it("keeps the regular-expression path for scripts with spaces, and finds the ones without", () => {
    expect(hasUnspacedScript("Zürich, Αθήνα, Москва, 서울, مرحبا, नमस्ते")).toBe(false);
    expect(hasUnspacedScript("Tokyo 東京")).toBe(true);
    expect(hasUnspacedScript("ภาษาไทย")).toBe(true);
    expect(hasUnspacedScript("ລາວ")).toBe(true);
    expect(hasUnspacedScript("ខ្មែរ")).toBe(true);
  });

  it("cuts Chinese and Japanese into pairs of neighbouring characters, however a segmenter would cut them", () => {
    expect(searchTerms("半導体工場", "ja")).toEqual(["半導", "導体", "体工", "工場"]);
    expect(searchTerms("北京大学的研究", "zh")).toEqual(["北京", "京大", "大学", "学的", "的研", "研究"]);
    // Punctuation and Latin words end a run; a lone character makes no pair.
    expect(searchTerms("AI技術、東京。猫", "ja")).toEqual(["ai", "技術", "東京"]);
    // Half-width katakana folds to full-width.
    expect(searchTerms("ｶﾀｶﾅ", "ja")).toEqual(searchTerms("カタカナ", "ja"));
  });

  it("cuts Thai into the words Intl.Segmenter finds, keeping its vowel marks", () => {
    const words = searchTerms("ภาษาไทยไม่มีการเว้นวรรค", "th");
    expect(words).toContain("ภาษา");
    expect(words).toContain("ไทย");
    expect(words.join("")).toBe("ภาษาไทยไม่มีการเว้นวรรค");
  });

  it("cuts an unspaced body after as many segmented words as a spaced one, not keeping it whole", () => {
    const japanese = "東京の研究チームが新しい半導体を開発した。".repeat(40);
    const cut = indexedBodyText(`<p>${japanese}</p>`, 10, "ja");
    expect(cut.length).toBeGreaterThan(5);
    expect(cut.length).toBeLessThan(40);
    expect(japanese.startsWith(cut)).toBe(true);
  });
});

describe("case and accent folding", () => {
  it("folds accents on Latin, Greek and Cyrillic letters both ways", () => {
    expect(searchTerms("Café ZÜRICH Crème brûlée")).toEqual(["cafe", "zurich", "creme", "brulee"]);
    expect(searchTerms("cafe zurich")).toEqual(["cafe", "zurich"]);
    expect(foldWord("αθήνα")).toBe("αθηνα");
    expect(foldWord("ёлка")).toBe("елка");
    expect(foldWord("straße")).toBe(foldWord("strasse"));
    expect(foldWord("ﬁnance")).toBe("finance");
    expect(searchTerms("ＡＩ")).toEqual(["ai"]);
  });

  it("keeps marks that are letters in their script: Devanagari, Thai, Hangul, Japanese voicing marks", () => {
    expect(foldWord("हिन्दी")).toBe("हिन्दी");
    expect(foldWord("ไม่")).toBe("ไม่");
    expect(foldWord("한국어")).toBe("한국어");
    expect(foldWord("ガギグ")).toBe("ガギグ");
    expect(searchTerms("ガラス", "ja")).toEqual(["ガラ", "ラス"]);
  });

  it("lower-cases Turkish as Turkish, and a Turkish word meets the same word typed without its language", () => {
    expect(lowerCase("DİYARBAKIR", "tr")).toBe("diyarbakır");
    expect(lowerCase("DİYARBAKIR", null)).not.toBe("diyarbakır");
    expect(searchTerms("DİYARBAKIR ISPARTA", "tr")).toEqual(["diyarbakir", "isparta"]);
    expect(searchTerms("Diyarbakır Isparta")).toEqual(["diyarbakir", "isparta"]);
    const index = new SearchIndex([article({ id: "tr", title: "ISPARTA ve DİYARBAKIR", language: "tr" })]);
    expect(ids(index, "Isparta")).toEqual(["tr"]);
    expect(ids(index, "diyarbakır")).toEqual(["tr"]);
    expect(ids(index, "İSPARTA")).toEqual(["tr"]);
  });

  it("finds accented text with a query without accents, and the other way round", () => {
    const index = new SearchIndex([
      article({ id: "accented", title: "Un café à Zürich", language: "fr" }),
      article({ id: "plain", title: "Zurich cafe guide", language: "en" }),
    ]);
    expect(ids(index, "cafe")).toEqual(["accented", "plain"]);
    expect(ids(index, "CAFÉ zürich")).toEqual(["accented", "plain"]);
  });
});

describe("stemming", () => {
  it("stems an article's words in its language, and leaves Chinese and Japanese alone", () => {
    expect(indexTerms("running runs", "en")).toEqual(["run", "run"]);
    expect(indexTerms("voitures voiture", "fr")).toEqual(["voitur", "voitur"]);
    expect(indexTerms("Häuser Haus", "de")).toEqual(["haus", "haus"]);
    expect(indexTerms("半導体", "ja")).toEqual(["半導", "導体"]);
  });

  it("finds every inflection whatever the language the article was stemmed in, from a query that names none", () => {
    const index = new SearchIndex([
      article({ id: "en", title: "She runs the marathon", language: "en-GB" }),
      article({ id: "fr", title: "Les voitures électriques se vendent bien", language: "fr-FR" }),
      article({ id: "de", title: "Neue Häuser am Stadtrand", language: "de" }),
      article({ id: "untagged", title: "Batteries for the grid" }),
    ]);
    expect(ids(index, "running")).toEqual(["en"]);
    expect(ids(index, "voiture électrique")).toEqual(["fr"]);
    expect(ids(index, "voiture electrique")).toEqual(["fr"]);
    expect(ids(index, "haus")).toEqual(["de"]);
    // A feed that names no language is stemmed as English.
    expect(ids(index, "battery")).toEqual(["untagged"]);
    // The hit tells the words as the article writes them, for the snippet to mark.
    expect(index.search("running")[0]!.terms).toEqual(["runs"]);
    expect(index.snippet(index.search("voiture")[0]!)).toContain("<mark>voitures</mark>");
  });

  it("stems a query only in the languages of the articles it holds, kept through updates as a fresh build keeps it", () => {
    // "informat" is the French stem of "informatique" (the English one is "informatiqu"): an English article
    // writing it is found through that stem only while the index holds French.
    const english = article({ id: "en", title: "The informat prototype", language: "en" });
    const french = article({ id: "fr", title: "L'informatique quantique", language: "fr" });
    const index = new SearchIndex([english, french]);
    expect(ids(index, "informatique").sort()).toEqual(["en", "fr"]);
    index.update({ removed: [french], added: [] });
    expect(ids(index, "informatique")).toEqual(ids(new SearchIndex([english]), "informatique"));
    expect(ids(index, "informatique")).toEqual([]);
    index.update({ removed: [], added: [french] });
    expect(ids(index, "informatique").sort()).toEqual(["en", "fr"]);
  });
});

describe("Chinese and Japanese search", () => {
  const index = new SearchIndex([
    article({ id: "tokyo", title: "東京都庁で半導体の記者会見", language: "ja" }),
    article({ id: "kumamoto", title: "熊本の半導体工場が稼働", language: "ja" }),
    article({ id: "beijing", title: "北京大学的研究团队开发了新材料", language: "zh-CN" }),
    article({ id: "english", title: "Tokyo chip plant opens", language: "en" }),
  ]);

  it("finds a word inside a longer run, however a segmenter would have cut the sentence", () => {
    expect(ids(index, "東京")).toEqual(["tokyo"]);
    expect(ids(index, "半導体")).toEqual(["kumamoto", "tokyo"]);
    expect(ids(index, "半導体工場")).toEqual(["kumamoto"]);
    expect(ids(index, "北京")).toEqual(["beijing"]);
    expect(ids(index, "北京大学")).toEqual(["beijing"]);
  });

  it("does not find characters that are not next to each other in the text", () => {
    expect(ids(index, "東京工場")).toEqual([]);
    expect(ids(index, "京熊")).toEqual([]);
  });

  it("marks the whole word a query's character pairs cover in a snippet, inside a run without spaces", () => {
    const [hit] = index.search("半導体工場");
    expect(index.snippet(hit!)).toBe("熊本の<mark>半導体工場</mark>が稼働");
    expect(index.snippet(index.search("稼働")[0]!)).toBe("熊本の半導体工場が<mark>稼働</mark>");
    // A spaced word still marks at word starts only, beside the pairs.
    const mixed = new SearchIndex([article({ id: "mixed", title: "Chip plant 半導体 in Kumamoto", language: "ja" })]);
    expect(mixed.snippet(mixed.search("半導体 kumamoto")[0]!)).toBe("Chip plant <mark>半導体</mark> in <mark>Kumamoto</mark>");
  });
});

describe("related articles and stop words", () => {
  it("drops each language's stop words from an article's terms", () => {
    const german = tokenize("Die Regierung und der Bundestag haben das Gesetz über die Bahn beschlossen", "de").map((t) => t.word);
    expect(german).not.toEqual(expect.arrayContaining(["die"]));
    expect(german.filter((word) => ["die", "der", "das", "und", "über", "haben"].includes(word))).toEqual([]);
    const french = tokenize("Les élèves de la ville et les parents sont dans la rue avec leurs enseignants", "fr").map((t) => t.word);
    expect(french.filter((word) => ["les", "de", "la", "et", "sont", "dans", "avec", "leurs"].includes(word))).toEqual([]);
    const japanese = tokenize("東京の研究チームが新しい半導体を開発した", "ja").map((t) => t.word);
    expect(japanese).toEqual(expect.arrayContaining(["東京", "研究", "半導体", "開発"]));
    expect(japanese.filter((word) => ["の", "が", "を", "した"].includes(word))).toEqual([]);
  });

  it("never pairs stories that share only their language's stop words", () => {
    const articles = mergeArticles([
      article({ id: "de1", language: "de", title: "Die Bahn und der Streik", summary: "Die Lokführer haben in der Nacht gestreikt." }),
      article({ id: "de2", language: "de", title: "Die Ernte und das Wetter", summary: "Die Winzer haben in der Hitze gelesen." }),
      article({
        id: "fr1",
        language: "fr",
        title: "Les trains de nuit et la grève",
        summary: "Les cheminots sont dans la rue avec les usagers.",
      }),
      article({
        id: "fr2",
        language: "fr",
        title: "Les vendanges et la chaleur",
        summary: "Les vignerons sont dans les vignes avec les saisonniers.",
      }),
      article({
        id: "fr3",
        language: "fr",
        title: "Les trains de nuit reviennent",
        summary: "Les couchettes sont pleines pour les fêtes.",
      }),
    ]);
    const index = runToEnd(RelatedIndex.build(articles));
    expect(index.relatedTo("de1", 5).map((m) => m.article.id)).toEqual([]);
    expect(index.relatedTo("fr2", 5).map((m) => m.article.id)).toEqual([]);
    // What they share beyond stop words still relates them: "trains de nuit".
    expect(index.relatedTo("fr1", 5).map((m) => m.article.id)).toEqual(["fr3"]);
  });
});
