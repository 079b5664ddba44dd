import MiniSearch from "minisearch";
import { escapeHtml } from "../ingest/escape-html.ts";
import { htmlToText } from "../ingest/text.ts";
import type { CatalogArticle } from "./catalog-article.ts";

/** How much a match in each field counts, relative to the body. */
const FIELD_BOOSTS = { title: 3, tags: 2.5, summary: 1.5, body: 1 };
/**
 * Words of the body indexed: a story's words that matter to a search are in
 * its first paragraphs, and indexing the rest would double the index's memory.
 */
export const BODY_WORDS_INDEXED = 120;
/** Characters of context a snippet shows around its first match. */
export const SNIPPET_CHARS = 160;

export interface SearchHit {
  id: string;
  score: number;
  /** Words of the article that matched (after prefix and typo expansion). */
  terms: string[];
}

interface IndexedArticle {
  id: string;
  title: string;
  summary: string;
  body: string;
  tags: string;
}

/**
 * Full-text search over title, tags, summary and body with BM25 ranking
 * (MiniSearch), prefix matching ("batter" finds "battery") and typo tolerance
 * ("quantim" finds "quantum", when nothing matches as typed). Every query
 * term must match. Built once per catalog version, on the first search.
 */
export class SearchIndex {
  private readonly engine: MiniSearch<IndexedArticle>;
  private readonly texts = new Map<string, IndexedArticle>();

  constructor(articles: CatalogArticle[]) {
    this.engine = new MiniSearch<IndexedArticle>({
      fields: ["title", "tags", "summary", "body"],
      searchOptions: {
        boost: FIELD_BOOSTS,
        combineWith: "AND",
        prefix: (term) => term.length >= 3,
      },
    });
    const documents = articles.map((article) => {
      const document = {
        id: article.id,
        title: article.title,
        summary: article.summary ?? "",
        body: htmlToText(article.contentHtml ?? "").split(" ", BODY_WORDS_INDEXED).join(" "),
        tags: article.tags.join(" "),
      };
      this.texts.set(article.id, document);
      return document;
    });
    this.engine.addAll(documents);
  }

  /**
   * Hits for a query, best first. Typo tolerance is a second pass, only when
   * exact and prefix matching find nothing: fuzzy matching walks much of the
   * vocabulary and would cost every search what only a misspelt one needs.
   */
  search(query: string): SearchHit[] {
    let results = this.engine.search(query);
    if (results.length === 0) results = this.engine.search(query, { fuzzy: (term) => (term.length >= 5 ? 0.2 : false) });
    return results.map((result) => ({ id: String(result.id), score: result.score, terms: result.terms }));
  }

  /**
   * A short plain-text excerpt around the first match, HTML-escaped, with the
   * matched words wrapped in `<mark>`: safe to insert as HTML.
   */
  snippet(hit: SearchHit): string | null {
    const document = this.texts.get(hit.id);
    if (!document) return null;
    const words = hit.terms.map(escapeRegExp).sort((a, b) => b.length - a.length);
    if (words.length === 0) return null;
    const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(${words.join("|")})`, "giu");
    const text = [document.summary, document.body, document.title].find((t) => pattern.test(t)) ?? document.summary ?? "";
    pattern.lastIndex = 0;
    const first = text.search(pattern);
    const start = Math.max(0, first < 0 ? 0 : text.lastIndexOf(" ", Math.max(0, first - SNIPPET_CHARS / 3)) + 1);
    let excerpt = text.slice(start, start + SNIPPET_CHARS);
    if (start + SNIPPET_CHARS < text.length) excerpt = excerpt.replace(/\s+\S*$/, "") + "…";
    if (start > 0) excerpt = `…${excerpt}`;
    return escapeHtml(excerpt).replace(new RegExp(`(?<![\\p{L}\\p{N}])(${words.map(escapeHtml).join("|")})`, "giu"), "<mark>$1</mark>");
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

