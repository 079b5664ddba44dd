/** The one clean article model every source is normalized into. */
export interface Article {
  /** Stable id of the story (see `identity.ts`). */
  id: string;
  sourceId: string;
  /** The item's own id in its feed, when it gives one. */
  guid: string | null;
  title: string;
  /** Plain text, no markup, cut at a word boundary. */
  summary: string | null;
  /**
   * The body as the feed gave it (full content, else the description), its
   * encoding repaired: untrusted HTML, never to be shown as it is. What
   * readers get is `contentHtmlOf(article)` (store/catalog/article-content.ts), which
   * sanitizes it on first use: most bodies are never read, and sanitizing is
   * one of the costliest steps of reading a feed, so ingest never pays for it.
   */
  rawBodyHtml: string | null;
  /** The absolute base the body's relative links resolve against (xml:base, the feed's link, where it was read). */
  bodyBase: string | null;
  /**
   * Words a reader sees in the body (not its markup, scripts or styles;
   * Chinese, Japanese and Korean characters counted as the words read in the
   * same time, see `readingWords`), or
   * null until first asked: read them through `bodyWordsOf` (store/catalog/article-content.ts),
   * which counts them once. They give the reading time and which copy of a
   * story is richest; ingest does not count them, since reading every body's
   * text is a large share of reading a feed and most bodies are never shown.
   */
  bodyWords: number | null;
  /**
   * The link as the publisher wrote it, made absolute; for an item without a
   * link of its own, its feed's home page; null when neither gives a web page
   * (never the feed's own URL, which is no page to read).
   */
  url: string | null;
  /**
   * The same link in canonical form, used for identity and merging; for an
   * item without a link of its own, a stand-in no other item shares and
   * nothing merges by (see `standInCanonicalUrl`).
   */
  canonicalUrl: string;
  /** The first author's name (see `authors`), kept for clients that show one byline. */
  author: string | null;
  /** Every author the item names (else the feed's), names as plain text. */
  authors: ArticleAuthor[];
  publishedAt: Date | null;
  updatedAt: Date | null;
  image: ArticleImage | null;
  tags: string[];
  /** Slug of the section the article is filed under. */
  section: string;
  /** Comments the source counts, when it says. */
  commentCount: number | null;
  /** Media files attached to the item (podcast audio, video), absolute http(s) URLs. */
  enclosures: ArticleEnclosure[];
  /** BCP 47 language tag from the item or else its feed, normalized in case (`en-US`); null when none says. */
  language: string | null;
}

export interface ArticleAuthor {
  name: string | null;
  /** Absolute http(s) URL of the author's page. */
  url: string | null;
  email: string | null;
}

export interface ArticleEnclosure {
  url: string;
  /** MIME type as the feed gives it, lowercased (`audio/mpeg`); null when none is given. */
  type: string | null;
  /** Size in bytes when the feed gives a positive one. */
  length: number | null;
  /** Duration in seconds when the feed gives one. */
  durationSeconds: number | null;
}

export interface ArticleImage {
  url: string;
  alt: string | null;
  width: number | null;
  height: number | null;
}
