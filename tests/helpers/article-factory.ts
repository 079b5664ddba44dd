import type { Article } from "../../src/model/article.ts";

/** A bare article: one source "s", one URL, no date, no text beyond its title. Shared by every `makeArticle` result (its arrays too). */
export const baseArticle: Article = {
  id: "x",
  sourceId: "s",
  guid: null,
  title: "T",
  summary: null,
  rawBodyHtml: null,
  bodyBase: null,
  bodyWords: 0,
  url: "https://a.example/1",
  canonicalUrl: "https://a.example/1",
  author: null,
  publishedAt: null,
  updatedAt: null,
  image: null,
  tags: [],
  section: "news",
  commentCount: null,
  authors: [],
  enclosures: [],
  language: null,
};

/** `baseArticle` with what a test gives. */
export const makeArticle = (over: Partial<Article>): Article => ({ ...baseArticle, ...over });
