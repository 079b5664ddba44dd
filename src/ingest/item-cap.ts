import type { Article } from "../model/article.ts";

export interface CappedArticles {
  articles: Article[];
  /** Each kept article's hash, in the same order. */
  articleHashes: string[];
  /** Articles left out (0 when the feed was within the cap). */
  leftOut: number;
  /** What the source's status says when some were left out; null otherwise. */
  warning: string | null;
}

/**
 * The `maxItems` a feed's articles may be cut to: the newest by date when the
 * feed dates them (an undated item ranks after every dated one), else the
 * first in feed order. Those kept stay in feed order, so a feed within its cap
 * gives the same articles (and content hash) as before there was a cap.
 */
export function capArticles(articles: Article[], articleHashes: string[], maxItems: number): CappedArticles {
  const total = articles.length;
  if (total <= maxItems) return { articles, articleHashes, leftOut: 0, warning: null };
  const dated = articles.some((article) => dateOf(article) !== null);
  let kept: number[];
  if (dated) {
    // Sort is stable: equal dates, and all undated items, keep feed order.
    const times = articles.map((article) => dateOf(article) ?? Number.NEGATIVE_INFINITY);
    const ranked = times.map((_, index) => index).sort((a, b) => (times[a] === times[b] ? 0 : times[b]! > times[a]! ? 1 : -1));
    kept = ranked.slice(0, maxItems).sort((a, b) => a - b);
  } else {
    kept = Array.from({ length: maxItems }, (_, index) => index);
  }
  const leftOut = total - maxItems;
  return {
    articles: kept.map((index) => articles[index]!),
    articleHashes: kept.map((index) => articleHashes[index]!),
    leftOut,
    warning: `feed has ${total} items; kept the ${dated ? "newest" : "first"} ${maxItems} ${dated ? "by date" : "in feed order"} (maxItems), left out ${leftOut}`,
  };
}

function dateOf(article: Article): number | null {
  const date = article.publishedAt ?? article.updatedAt;
  return date ? date.getTime() : null;
}
