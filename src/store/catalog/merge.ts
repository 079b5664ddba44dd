import type { Article, ArticleAuthor, ArticleEnclosure } from "../../model/article.ts";
import { bylineOf, MAX_AUTHORS } from "../../ingest/authors.ts";
import { MAX_ENCLOSURES } from "../../ingest/enclosures.ts";
import { isStandInCanonicalUrl } from "../../ingest/urls.ts";
import { bodyWordsOf } from "./article-content.ts";
import type { CatalogArticle } from "./catalog-article.ts";
import { runToEnd, type Steps } from "../sliced/time-slice.ts";
import { sameStoryTitles, titleWords } from "./title-similarity.ts";

/** Copies of one story under different links are published within this time of each other. */
export const SAME_STORY_WINDOW_MS = 24 * 3600 * 1000;

/**
 * Merges the same story seen in several sources into one article. Two copies
 * are the same story when they share a canonical link, a global guid (one that
 * cannot collide between publishers, such as a URL or tag URI), or, coming from
 * different sources, near-identical titles published within a day of each
 * other. `articles` come in the sources file's order, which breaks ties.
 */
export function mergeArticles(articles: readonly Article[]): CatalogArticle[] {
  return runToEnd(mergeArticleSteps([articles]));
}

/**
 * `mergeArticles` as steps (see time-slice.ts), yielding every few hundred
 * articles, over the sources' lists of articles in order (each source's
 * snapshot keeps its list from one read to the next while its feed is
 * unchanged: what the merge derives from a list is kept with it).
 */
export function* mergeArticleSteps(lists: readonly (readonly Article[])[]): Steps<CatalogArticle[]> {
  const articles = lists.flat();
  const groups = yield* groupSameStory(articles, yield* titleBucketsOfLists(lists));
  return yield* storiesOfGroups(articles, groups);
}

/**
 * A story's articles by their index in the merge's list: the index alone for
 * a story only one source carries (most are, and a rebuild during a refresh
 * round made 20 000 arrays of one), else the indexes in ascending order.
 */
export type IndexGroup = number | number[];

/** One story per group, in the groups' order. */
export function* storiesOfGroups(articles: readonly Article[], groups: readonly IndexGroup[]): Steps<CatalogArticle[]> {
  const merged: CatalogArticle[] = [];
  for (let index = 0; index < groups.length; index++) {
    merged.push(storyOfGroup(articles, groups[index]!));
    if ((index & 255) === 255) yield;
  }
  return merged;
}

/** A story only one source carries is that source's article, as is. */
function storyOfGroup(articles: readonly Article[], group: IndexGroup): CatalogArticle {
  return typeof group === "number" ? articles[group]! : mergeGroup(group.map((index) => articles[index]!));
}

/** The key two articles are merged by for sharing a canonical link: none for an item without a link of its own. */
export function urlKeyOf(article: Article): string | null {
  // Such an item is shown under its feed's home page, which many items share.
  return isStandInCanonicalUrl(article.canonicalUrl) ? null : article.canonicalUrl;
}

/** The key two articles are merged by for sharing a guid: only a global one. */
export function guidKeyOf(article: Article): string | null {
  return article.guid && isGlobalGuid(article.guid) ? article.guid : null;
}

/** When an article was published, as the title comparison reads it: NaN (never compared by title) without a valid date. */
export function titleTimeOf(article: Article): number {
  return article.publishedAt ? article.publishedAt.getTime() : Number.NaN;
}

/**
 * Whether two articles sharing a title bucket tell the same story by their
 * titles: from different sources, both dated, within SAME_STORY_WINDOW_MS.
 * The one rule `nearDuplicateTitles` and an incremental grouping both apply.
 */
export function sameStoryByTitle(
  a: Article,
  b: Article,
  sameAsA: (title: string) => boolean = (title) => sameStoryTitles(a.title, title),
): boolean {
  return a.sourceId !== b.sourceId && Math.abs(titleTimeOf(a) - titleTimeOf(b)) <= SAME_STORY_WINDOW_MS && sameAsA(b.title);
}

/**
 * The articles grouped by story, groups in the order of their first article.
 *
 * Which groups come out depends on the order of the joins, because a join is
 * refused when both groups hold an article of one source (see `union`): with
 * A and C of one source each a copy of B, whichever of A–B and B–C is tried
 * first wins. That order is canonical, a function of the articles' indexes
 * alone: first the link and guid joins, article by article, each with the
 * first article of the key; then the title pairs, sorted by (i, j). So the
 * joins that touch one set of articles linked by keys and titles (a connected
 * component of "could join") are tried in the same relative order whatever
 * else the list holds, and grouping such a closed set alone, its articles in
 * the same relative order, gives the groups the whole list gives it: what
 * `StoryGroups` (story-groups.ts) relies on to regroup only what a change
 * touched. (The title pairs used to be joined in the order of a map of
 * buckets, which depends on every other title in the catalog.)
 */
export function* groupSameStory(articles: readonly Article[], buckets: readonly TitleBuckets[]): Steps<IndexGroup[]> {
  const parent = new Int32Array(articles.length);
  for (let index = 0; index < parent.length; index++) parent[index] = index;
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  // The sources of each group, by its root (made when it first meets another: most never do).
  const sourcesOfRoot: (Set<string> | undefined)[] = [];
  const sourcesOf = (root: number): Set<string> => (sourcesOfRoot[root] ??= new Set([articles[root]!.sourceId]));
  /**
   * Joins two groups, unless both hold an article of one source: distinct items
   * of a source are never one story, however a chain of copies links them.
   */
  const union = (i: number, j: number) => {
    const a = find(i);
    const b = find(j);
    if (a === b) return;
    const fromA = sourcesOf(a);
    const fromB = sourcesOf(b);
    if (overlaps(fromA, fromB)) return;
    for (const source of fromA) fromB.add(source);
    parent[a] = b;
    sourcesOfRoot[a] = undefined;
  };
  const join = (firstWithKey: Map<string, number>, key: string | null, index: number) => {
    if (key === null) return;
    const earlier = firstWithKey.get(key);
    if (earlier === undefined) firstWithKey.set(key, index);
    else union(index, earlier);
  };
  const firstWithUrl = new Map<string, number>();
  const firstWithGuid = new Map<string, number>();
  for (let index = 0; index < articles.length; index++) {
    const article = articles[index]!;
    join(firstWithUrl, urlKeyOf(article), index);
    join(firstWithGuid, guidKeyOf(article), index);
    if ((index & 511) === 511) yield;
  }
  const pairs = yield* nearDuplicateTitles(articles, buckets);
  for (let p = 0; p < pairs.length; p++) {
    union(Math.floor(pairs[p]! / articles.length), pairs[p]! % articles.length);
    if ((p & 1023) === 1023) yield;
  }
  // Each story's place in `groups`, by the index of its root article (-1: not placed yet).
  const placeOfRoot = new Int32Array(articles.length).fill(-1);
  const groups: IndexGroup[] = [];
  for (let index = 0; index < articles.length; index++) {
    const root = find(index);
    const place = placeOfRoot[root]!;
    if (place === -1) {
      placeOfRoot[root] = groups.length;
      groups.push(index);
    } else {
      const group = groups[place]!;
      if (typeof group === "number") groups[place] = [group, index];
      else group.push(index);
    }
    if ((index & 2047) === 2047) yield;
  }
  return groups;
}

/**
 * Pairs of articles whose titles tell the same story (`sameStoryByTitle`), as
 * i * n + j for i < j, sorted: in (i, j) order (see `groupSameStory`). Only
 * articles sharing a pair of their three longest title words are compared
 * (titles that differ by one word still share two of those), and within such
 * a bucket only those published within the window, so the work grows with the
 * catalog, not with its square.
 */
function* nearDuplicateTitles(articles: readonly Article[], lists: readonly TitleBuckets[]): Steps<Float64Array> {
  const buckets = new Map<number, number[]>();
  let index = 0;
  for (const { offsets, keys } of lists) {
    for (let i = 0; i < offsets.length - 1; i++, index++) {
      if ((index & 255) === 255) yield;
      // An invalid date would make the sort below inconsistent: undated, it is compared with nothing.
      if (Number.isNaN(titleTimeOf(articles[index]!))) continue;
      for (let k = offsets[i]!; k < offsets[i + 1]!; k++) {
        const bucket = buckets.get(keys[k]!);
        if (bucket) bucket.push(index);
        else buckets.set(keys[k]!, [index]);
      }
    }
  }
  const time = (index: number) => titleTimeOf(articles[index]!);
  const pairs: number[] = [];
  // A pair can share several buckets; it is compared once (keys i * n + j are exact in a double).
  const seen = new Set<number>();
  let compared = 0;
  for (const bucket of buckets.values()) {
    if (bucket.length < 2) continue;
    bucket.sort((a, b) => time(a) - time(b));
    for (let x = 0; x < bucket.length; x++) {
      if ((++compared & 255) === 0) yield;
      for (let y = x + 1; y < bucket.length && time(bucket[y]!) - time(bucket[x]!) <= SAME_STORY_WINDOW_MS; y++) {
        const i = Math.min(bucket[x]!, bucket[y]!);
        const j = Math.max(bucket[x]!, bucket[y]!);
        const a = articles[i]!;
        const b = articles[j]!;
        if (a.sourceId === b.sourceId) continue;
        const key = i * articles.length + j;
        if (seen.has(key)) continue;
        seen.add(key);
        if (sameStoryByTitle(a, b)) pairs.push(key);
      }
    }
  }
  return Float64Array.from(pairs).sort();
}

/** The title buckets of a list of articles, flat: article i's are keys[offsets[i]..offsets[i+1]) (at most three). */
export interface TitleBuckets {
  offsets: Int32Array;
  keys: Int32Array;
}

/**
 * The title buckets of each list: two typed arrays per source, about 20 bytes
 * an article, where arrays per article cost over 200. Not kept with the
 * lists: a catalog changed in place computes them once, for `StoryGroups`,
 * which keeps what it needs of them.
 */
export function* titleBucketsOfLists(lists: readonly (readonly Article[])[]): Steps<TitleBuckets[]> {
  const out: TitleBuckets[] = [];
  for (const list of lists) {
    const offsets = new Int32Array(list.length + 1);
    const keys: number[] = [];
    for (let i = 0; i < list.length; i++) {
      for (const key of bucketKeys(list[i]!.title)) keys.push(key);
      offsets[i + 1] = keys.length;
    }
    const buckets = { offsets, keys: Int32Array.from(keys) };
    if (list.length > 0) yield;
    out.push(buckets);
  }
  return out;
}

/**
 * The pairs of a title's three longest words (or its only word): the buckets
 * it is compared in, as 32-bit hashes of the words. Two titles that share a
 * pair share its hash; a collision only costs a comparison, which
 * `sameStoryTitles` decides. Numbers cost a tenth of the strings' memory.
 */
export function bucketKeys(title: string): number[] {
  const words = [...new Set(titleWords(title))].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0)).slice(0, 3);
  if (words.length < 2) return words.map((word) => hashWords(word, ""));
  const keys: number[] = [];
  for (let x = 0; x < words.length; x++) for (let y = x + 1; y < words.length; y++) keys.push(hashWords(words[x]!, words[y]!));
  return keys;
}

/** FNV-1a over two words and a separator that no word holds, as a signed 32-bit number. */
function hashWords(first: string, second: string): number {
  let hash = 0x811c9dc5;
  const text = `${first} ${second}`;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash | 0;
}

/** A guid that names one thing worldwide: a URL, a tag: or urn: URI. Bare numbers collide. */
export function isGlobalGuid(guid: string): boolean {
  return /^(https?:\/\/|tag:|urn:)/i.test(guid) && guid.length >= 12;
}

/** The richest value of each field: longest text, biggest image, earliest publication. */
export function mergeGroup(group: Article[]): CatalogArticle {
  const [first] = group as [Article, ...Article[]];
  const longest = (pick: (a: Article) => string | null) =>
    group.map(pick).reduce<string | null>((best, value) => (value && (!best || value.length > best.length) ? value : best), null);
  const earliest = (pick: (a: Article) => Date | null) =>
    group.map(pick).reduce<Date | null>((best, d) => (d && (!best || d < best) ? d : best), null);
  const latest = (pick: (a: Article) => Date | null) =>
    group.map(pick).reduce<Date | null>((best, d) => (d && (!best || d > best) ? d : best), null);
  // The body a reader sees most of: markup, scripts and styles do not count.
  const withBody = group.reduce((best, a) => (bodyWordsOf(a) > bodyWordsOf(best) ? a : best), first);
  const image = group
    .map((a) => a.image)
    .reduce((best, img) => {
      if (!img) return best;
      if (!best) return img;
      return (img.width ?? 0) * (img.height ?? img.width ?? 0) > (best.width ?? 0) * (best.height ?? best.width ?? 0) ? img : best;
    }, first.image);
  const authors = mergedAuthors(group);
  const tags = new Map<string, string>();
  for (const article of group) for (const tag of article.tags) if (!tags.has(tag.toLowerCase())) tags.set(tag.toLowerCase(), tag);

  return {
    ...first,
    // The smallest id is stable whichever source answers first.
    id: group.map((a) => a.id).sort()[0]!,
    summary: longest((a) => a.summary),
    rawBodyHtml: withBody.rawBodyHtml,
    bodyBase: withBody.bodyBase,
    bodyWords: bodyWordsOf(withBody),
    // The first source's byline first: the first named author of every copy's, in order
    // (else a byline a copy gives without a list of authors).
    author: bylineOf(authors) ?? group.find((a) => a.author)?.author ?? null,
    authors,
    enclosures: mergedEnclosures(group),
    language: group.find((a) => a.language !== null)?.language ?? null,
    publishedAt: earliest((a) => a.publishedAt),
    updatedAt: latest((a) => a.updatedAt),
    image,
    tags: [...tags.values()],
    // Each source counts its own readers' comments; the largest count is the best estimate.
    commentCount: group.reduce<number | null>(
      (most, a) => (a.commentCount !== null && (most === null || a.commentCount > most) ? a.commentCount : most),
      null,
    ),
    merged: {
      sourceIds: unique(group.map((a) => a.sourceId)),
      canonicalUrls: unique(group.map((a) => a.canonicalUrl)),
      guids: unique(group.map((a) => a.guid).filter((g): g is string => g !== null)),
    },
  };
}

function overlaps(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const value of small) if (large.has(value)) return true;
  return false;
}

/** Every copy's authors, the first source's first; one entry per name and e-mail (in any case). */
function mergedAuthors(group: readonly Article[]): ArticleAuthor[] {
  const seen = new Set<string>();
  const authors: ArticleAuthor[] = [];
  for (const article of group) {
    for (const author of article.authors) {
      const key = `${author.name?.toLowerCase() ?? ""}\n${author.email?.toLowerCase() ?? ""}`;
      if (seen.has(key) || authors.length >= MAX_AUTHORS) continue;
      seen.add(key);
      authors.push(author);
    }
  }
  return authors;
}

/** Every copy's enclosures, one per URL (the first copy's), at most MAX_ENCLOSURES. */
function mergedEnclosures(group: readonly Article[]): ArticleEnclosure[] {
  const byUrl = new Map<string, ArticleEnclosure>();
  for (const article of group) {
    for (const enclosure of article.enclosures)
      if (!byUrl.has(enclosure.url) && byUrl.size < MAX_ENCLOSURES) byUrl.set(enclosure.url, enclosure);
  }
  return [...byUrl.values()];
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
