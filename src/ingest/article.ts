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
  /** Sanitized HTML. */
  contentHtml: string | null;
  /** The link as the publisher wrote it, made absolute. */
  url: string;
  /** The same link in canonical form, used for identity and merging. */
  canonicalUrl: string;
  author: string | null;
  publishedAt: Date | null;
  updatedAt: Date | null;
  readingTimeMinutes: number;
  image: ArticleImage | null;
  tags: string[];
  /** Slug of the section the article is filed under. */
  section: string;
  /** Comments the source counts, when it says. */
  commentCount: number | null;
}

export interface ArticleImage {
  url: string;
  alt: string | null;
  width: number | null;
  height: number | null;
}
