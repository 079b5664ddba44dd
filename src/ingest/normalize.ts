import { hash } from "node:crypto";
import type { SectionConfig } from "../config/sources-file.ts";
import type { Article, ArticleImage } from "../model/article.ts";
import { clampFuture, parseFeedDate } from "./dates.ts";
import type { RawFeed, RawImage, RawItem } from "../model/raw-feed.ts";
import { articleHash, hashArticleHashes, NormalizedItemMemo } from "./item-memo.ts";
import {
  collapseWhitespace,
  repairEncoding,
  unwrapDoubleEscaped,
  htmlToText,
  SUMMARY_MAX_CHARS,
  TITLE_MAX_CHARS,
  truncateAtWord,
} from "./text.ts";
import { canonicalUrl, httpUrlResolver, isStandInCanonicalUrl, resolvedBase, standInCanonicalUrl } from "./urls.ts";
import { bylineOf, normalizeAuthors } from "./authors.ts";
import { normalizeEnclosures } from "./enclosures.ts";
import { normalizeLanguage } from "./language.ts";

export const MAX_TAGS = 20;
export const MAX_TAG_CHARS = 64;

export interface NormalizeContext {
  sourceId: string;
  /** The section the source files its items under by default. */
  defaultSection: string;
  sections: SectionConfig[];
  /** Where the feed was read from, the last base for relative links. */
  feedUrl: string;
  now: number;
}

/** A feed's articles and the hash that changes whenever they do. */
export interface NormalizedFeed {
  articles: Article[];
  /** Each article's own hash (see `articleHash`), in the same order. */
  articleHashes: string[];
  contentHash: string;
}

/**
 * Normalizes a whole feed; an item that cannot become an article is skipped,
 * never the feed. Items the memo has seen under the same settings are not
 * normalized again.
 *
 * Distinct items stay distinct articles with distinct ids (see `repeatKey`):
 * only a true repeat of an item is dropped (its first copy kept). Items whose
 * ids would still coincide (two guids under one link, two titles under one
 * link without guids) each take an id from what sets them apart.
 */
export function normalizeFeed(feed: RawFeed, context: NormalizeContext, memo: NormalizedItemMemo | null = null): NormalizedFeed {
  const articles: Article[] = [];
  const hashes: string[] = [];
  const keys: string[] = [];
  const seen = new Set<string>();
  // Everything besides the item that normalizing reads (not the clock: see articleHash),
  // as a digest: each item's key hashes it again, and the sections alone run to hundreds of characters.
  const settings = hash(
    "sha256",
    JSON.stringify([
      feed.base,
      feed.link,
      context.sourceId,
      context.defaultSection,
      context.sections,
      context.feedUrl,
      feed.language,
      feed.authors,
    ]),
    "base64url",
  );
  const read = memo?.read(context.sourceId, context.now);
  for (const item of feed.items) {
    const key = NormalizedItemMemo.key(item, settings);
    let normalized = read?.get(key);
    if (!normalized) {
      const article = normalizeItem(item, feed, context);
      normalized = article ? { article, hash: articleHash(key, article) } : undefined;
    }
    if (!normalized) continue;
    read?.keep(key, normalized);
    // A feed that repeats an item keeps its first copy.
    const repeat = repeatKey(normalized.article);
    if (seen.has(repeat)) continue;
    seen.add(repeat);
    articles.push(normalized.article);
    hashes.push(normalized.hash);
    keys.push(repeat);
  }
  read?.done();
  separateSharedIds(articles, hashes, keys, context.sourceId);
  return { articles, articleHashes: hashes, contentHash: hashArticleHashes(hashes) };
}

/**
 * What makes an item of a feed that item: its guid, its own link and its
 * title (two items under one guid but different links or titles are two
 * items: feeds that give every item the same guid exist); without a guid, its own link (fragment included:
 * a daily page with an anchor per post) and its title; without either, its
 * title and date. Two items with the same key are one item written twice.
 */
function repeatKey(article: Article): string {
  const ownLink = isStandInCanonicalUrl(article.canonicalUrl) ? "" : article.url;
  // The title too: feeds exist that give every item one guid and one link (a FeedBurner proxy).
  if (article.guid !== null) return `g\n${article.guid}\n${ownLink}\n${article.title}`;
  if (ownLink) return `l\n${ownLink}\n${article.title}`;
  return `t\n${article.title}\n${article.publishedAt?.getTime() ?? ""}`;
}

/**
 * Articles of one feed whose ids coincide though they are distinct items
 * (same link, different guids or titles) each get an id from their repeat
 * key, which tells them apart: all of them, so that which one comes first
 * does not decide the ids. The article is copied (the memo keeps the one with
 * the usual id), its hash marked with the new id.
 */
function separateSharedIds(articles: Article[], hashes: string[], keys: string[], sourceId: string): void {
  const firstWithId = new Map<string, number>();
  let shared: Set<string> | null = null;
  for (let i = 0; i < articles.length; i++) {
    const id = articles[i]!.id;
    if (firstWithId.has(id)) (shared ??= new Set()).add(id);
    else firstWithId.set(id, i);
  }
  if (!shared) return;
  for (let i = 0; i < articles.length; i++) {
    const article = articles[i]!;
    if (!shared.has(article.id)) continue;
    const id = hash("sha256", `item:${sourceId}:${keys[i]}`, "base64url").slice(0, 16);
    articles[i] = {
      ...article,
      id,
      canonicalUrl: isStandInCanonicalUrl(article.canonicalUrl) ? standInCanonicalUrl(article.url, sourceId, id) : article.canonicalUrl,
    };
    hashes[i] = `${hashes[i]}~${id}`;
  }
}

/** Raw item in, Article out: pure, one commented fallback chain per field. */
export function normalizeItem(item: RawItem, feed: RawFeed, context: NormalizeContext): Article | null {
  // Relative links resolve against xml:base, then the feed's own link, then where we read it.
  const bases = [item.base, feed.base, feed.link, context.feedUrl];
  const resolve = httpUrlResolver(bases);

  // Body: the full content, else the description, kept as HTML to be sanitized when read
  // (see Article.rawBodyHtml), with the base its links resolve against. Its words are
  // counted when first asked (Article.bodyWords); its text is read now only for a summary.
  // Repaired before anything reads it: C1 codes as Windows-1252, double-encoded UTF-8.
  const rawBody = item.contentHtml ?? item.summaryHtml;
  const body = rawBody ? unwrapDoubleEscaped(repairEncoding(rawBody)) : null;
  const bodyBase = body ? resolvedBase(item.contentHtml ? [item.contentBase, ...bases] : bases) : null;

  // Summary: the feed's description as plain text, else the start of the body.
  const summarySource = item.summaryHtml ? unwrapDoubleEscaped(item.summaryHtml) : null;
  const summaryText = summarySource ? htmlToText(summarySource) : "";
  // A body that is the description (no full content, nothing to repair) is not read twice.
  const bodyText = summaryText || !body || body === summarySource ? "" : htmlToText(body);
  const summary = truncateAtWord(summaryText || bodyText, SUMMARY_MAX_CHARS) || null;

  // Link: the item's own link, else a guid that is a URL, else the feed's home page.
  const ownLink = resolve(item.link) ?? (item.guid && /^https?:\/\//i.test(item.guid) ? resolve(item.guid) : null);
  // The feed's home page stands in for a missing link (podcast episodes): shown, never an identity.
  // Never the feed's own URL: that is no page a reader can open.
  const url = ownLink ?? resolve(feed.link);

  // Title: plain text; else the start of the summary; else, for a bare link, the link itself.
  const titleText = item.title ? (item.titleIsHtml ? htmlToText(item.title) : collapseWhitespace(item.title)) : "";
  // A podcast episode that is only its audio file is named by that file.
  const named = ownLink ?? item.enclosures.map((enclosure) => resolve(enclosure.url)).find((link) => link !== null) ?? null;
  const title =
    truncateAtWord(titleText, TITLE_MAX_CHARS) || (summary ? truncateAtWord(summary, 80) : "") || (named ? linkTitle(named) : "");
  // An item with nothing to show (no title, text, link or file of its own) is not an article.
  if (!title) return null;

  const publishedAt = clampFuture(parseFeedDate(item.published) ?? parseFeedDate(item.updated), context.now);
  const updatedAt = clampFuture(parseFeedDate(item.updated), context.now);

  const categories = cleanCategories(item.categories);
  const section = sectionFor(categories, context);
  const sectionWords = sectionWordsOf(context.sections);
  const tags = categories.filter((tag) => !sectionWords.has(tag.toLowerCase())).slice(0, MAX_TAGS);

  const guid = item.guid ? collapseWhitespace(item.guid) || null : null;
  // Identity: the canonical link, with the fragment of the link as written (one page
  // with an anchor per post holds several items); without a link of its own, the guid
  // or what the item says, and a canonical URL that is the stand-in page marked with
  // the item's id, so that it is never a merge key (see isStandInCanonicalUrl).
  let canonical: string;
  let id: string;
  if (ownLink) {
    canonical = canonicalUrl(ownLink);
    const fragmentAt = ownLink.indexOf("#");
    const fragment = fragmentAt >= 0 && fragmentAt < ownLink.length - 1 ? ownLink.slice(fragmentAt) : "";
    id = articleId({ sourceId: context.sourceId, canonicalUrl: canonical + fragment, guid, title, published: item.published });
  } else {
    id = articleId({ sourceId: context.sourceId, canonicalUrl: null, guid, title, published: item.published });
    canonical = standInCanonicalUrl(url, context.sourceId, id);
  }

  // Authors: the item's, else the feed's. Media resolved as links are. Language: the item's, else the feed's.
  const itemAuthors = normalizeAuthors(item.authors, resolve);
  const authors = itemAuthors.length > 0 ? itemAuthors : normalizeAuthors(feed.authors, resolve);
  return {
    id,
    sourceId: context.sourceId,
    guid,
    title,
    summary,
    rawBodyHtml: body || null,
    bodyBase,
    bodyWords: null,
    url,
    canonicalUrl: canonical,
    author: bylineOf(authors),
    authors,
    publishedAt,
    updatedAt,
    image: bestImage(item.images, resolve),
    tags,
    section,
    commentCount: item.commentCount,
    enclosures: normalizeEnclosures(item.enclosures, resolve),
    language: normalizeLanguage(item.language) ?? normalizeLanguage(feed.language),
  };
}

/**
 * Identity of a story, stable across refreshes: its canonical link (shared by
 * every source that carries it; with the fragment of the link as written, if
 * any), else the source's guid, else a hash of what the item says. An edited
 * title keeps its id when a link or guid exists.
 */
export function articleId(parts: {
  sourceId: string;
  canonicalUrl: string | null;
  guid: string | null;
  title: string;
  published: string | null;
}): string {
  const key = parts.canonicalUrl
    ? `url:${parts.canonicalUrl}`
    : parts.guid
      ? `guid:${parts.sourceId}:${parts.guid}`
      : `hash:${parts.sourceId}:${parts.title}:${parts.published ?? ""}`;
  return hash("sha256", key, "base64url").slice(0, 16);
}

/** A readable stand-in title for an item that is only a link: host and path. */
function linkTitle(link: string): string {
  const url = new URL(link);
  return truncateAtWord(`${url.host}${url.pathname === "/" ? "" : decodeURI(url.pathname)}`, 120);
}

/** Every item of a feed shares its sections: their words are made once per list of sections. */
const sectionWordsBySections = new WeakMap<SectionConfig[], ReadonlySet<string>>();
function sectionWordsOf(sections: SectionConfig[]): ReadonlySet<string> {
  let words = sectionWordsBySections.get(sections);
  if (!words)
    sectionWordsBySections.set(sections, (words = new Set(sections.flatMap((s) => [s.slug.toLowerCase(), s.name.toLowerCase()]))));
  return words;
}

function sectionFor(categories: string[], context: NormalizeContext): string {
  const bySlugOrName = sectionsByWordOf(context.sections);
  for (const category of categories) {
    const slug = bySlugOrName.get(category.toLowerCase());
    if (slug !== undefined) return slug;
  }
  return context.defaultSection;
}

/** The section a lowercased category names: the first in the list whose slug it is, or whose name it is in any case. */
const sectionsByWordBySections = new WeakMap<SectionConfig[], ReadonlyMap<string, string>>();
function sectionsByWordOf(sections: SectionConfig[]): ReadonlyMap<string, string> {
  let bySlugOrName = sectionsByWordBySections.get(sections);
  if (!bySlugOrName) {
    const map = new Map<string, string>();
    for (const section of sections) {
      // Lowercase: a slug matches only exactly (categories are lowercased), a name in any case.
      if (!map.has(section.slug)) map.set(section.slug, section.slug);
      const name = section.name.toLowerCase();
      if (!map.has(name)) map.set(name, section.slug);
    }
    sectionsByWordBySections.set(sections, (bySlugOrName = map));
  }
  return bySlugOrName;
}

function cleanCategories(categories: string[]): string[] {
  const seen = new Map<string, string>();
  for (const category of categories) {
    const text = htmlToText(category).slice(0, MAX_TAG_CHARS).trim();
    if (text && !seen.has(text.toLowerCase())) seen.set(text.toLowerCase(), text);
  }
  return [...seen.values()];
}

/** The largest image with a known size, else the first one the feed names. */
function bestImage(images: RawImage[], resolve: (link: string) => string | null): ArticleImage | null {
  let best: ArticleImage | null = null;
  let bestArea = -1;
  for (const image of images) {
    const url = resolve(image.url);
    if (!url) continue;
    // Width alone still ranks images when a feed gives no heights.
    const area = (image.width ?? 0) * (image.height ?? image.width ?? 0);
    if (area > bestArea) {
      best = { url, alt: image.alt ?? null, width: image.width ?? null, height: image.height ?? null };
      bestArea = area;
    }
  }
  return best;
}
