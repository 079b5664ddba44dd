import type { SectionConfig } from "../../config/sources-file.ts";
import { HashMapBuilder, PersistentHashMap } from "../persistent/hash-map.ts";
import { OrderedList } from "../persistent/ordered-list.ts";
import type { Steps } from "../sliced/time-slice.ts";
import { canonicalUrlsOf, type CatalogArticle, sourceIdsOf } from "./catalog-article.ts";
import type { StoryChange } from "./story-change.ts";

/**
 * Stories in the catalog's own order, NEWEST: newest first, undated last, ids
 * breaking ties. Compared without making keys: the lists compare on every
 * change and check their order when built.
 */
export function compareStories(a: CatalogArticle, b: CatalogArticle): number {
  const at = a.publishedAt === null ? null : a.publishedAt.getTime();
  const bt = b.publishedAt === null ? null : b.publishedAt.getTime();
  if (at !== bt) {
    if (at === null) return 1;
    if (bt === null) return -1;
    return bt - at;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The lists and lookups of one catalog version. Persistent structures: a
 * version made from the one before by a change shares everything the change
 * did not touch, so it costs time and memory in proportion to the change, and
 * every older version stays exactly as it was for the requests reading it.
 */
export interface CatalogParts {
  /** Newest first; articles without a date last. */
  readonly articles: OrderedList<CatalogArticle>;
  readonly byId: PersistentHashMap<CatalogArticle>;
  /** Each canonical URL to the story seen under it; a URL two stories share (two items of one source) names the later in `articles`. */
  readonly byCanonicalUrl: PersistentHashMap<CatalogArticle>;
  /** Every configured section's stories, newest first (empty for a section with none). */
  readonly bySection: ReadonlyMap<string, OrderedList<CatalogArticle>>;
  /**
   * Stories by language range, newest first: each is listed under every prefix
   * of its BCP 47 tag in lower case (`en` and `en-us` for `en-US`), so the list
   * under a range is exactly what RFC 4647 basic filtering matches. Stories
   * without a language are in none; a range no story has is absent.
   */
  readonly byLanguage: ReadonlyMap<string, OrderedList<CatalogArticle>>;
  /** How many stories each source carried (a story several sources carry counts for each); sources with none are absent. */
  readonly storiesPerSource: PersistentHashMap<number>;
}

/** The parts of a catalog from its stories already sorted by `compareStories`, yielding every thousand stories or so. */
export function* partsFromSorted(sorted: readonly CatalogArticle[], sections: readonly SectionConfig[]): Steps<CatalogParts> {
  const inSection = new Map<string, CatalogArticle[]>(sections.map((section) => [section.slug, []]));
  const inLanguage = new Map<string, CatalogArticle[]>();
  const perSource = new Map<string, number>();
  for (let index = 0; index < sorted.length; index++) {
    const story = sorted[index]!;
    inSection.get(story.section)?.push(story);
    if (story.language) {
      for (const range of languageRangesOf(story.language)) {
        const list = inLanguage.get(range);
        if (list) list.push(story);
        else inLanguage.set(range, [story]);
      }
    }
    for (const sourceId of sourceIdsOf(story)) perSource.set(sourceId, (perSource.get(sourceId) ?? 0) + 1);
    if ((index & 4095) === 4095) yield;
  }
  const byId = yield* persistentMapOf<CatalogArticle>(sorted, (story, set) => set(story.id, story));
  const byCanonicalUrl = yield* persistentMapOf<CatalogArticle>(sorted, (story, set) => {
    for (const url of canonicalUrlsOf(story)) set(url, story);
  });
  const listOf = (stories: readonly CatalogArticle[]) => OrderedList.fromSorted(stories, compareStories);
  return {
    articles: listOf(sorted),
    byId,
    byCanonicalUrl,
    bySection: new Map([...inSection].map(([slug, stories]) => [slug, listOf(stories)])),
    byLanguage: new Map([...inLanguage].map(([range, stories]) => [range, listOf(stories)])),
    storiesPerSource: PersistentHashMap.from(perSource, perSource.size),
  };
}

/** A persistent map filled from every story, in order (a later `set` of a key wins), yielding every few thousand. */
function* persistentMapOf<V>(
  stories: readonly CatalogArticle[],
  put: (story: CatalogArticle, set: (key: string, value: V) => void) => void,
): Steps<PersistentHashMap<V>> {
  const builder = new HashMapBuilder<V>(stories.length);
  const set = (key: string, value: V) => builder.set(key, value);
  for (let index = 0; index < stories.length; index++) {
    put(stories[index]!, set);
    if ((index & 4095) === 4095) yield;
  }
  return builder.build();
}

/**
 * The parts after a change: only the lists and keys its stories touch are
 * rewritten. `storiesWithUrl` gives every story that has a canonical URL once
 * the change is made (the catalog keeps the URL of the later one).
 */
export function changeParts(
  parts: CatalogParts,
  change: StoryChange,
  storiesWithUrl: (url: string) => Iterable<CatalogArticle>,
): CatalogParts {
  const { removed, added } = change;
  if (removed.length === 0 && added.length === 0) return parts;
  const articles = parts.articles.with({ remove: removed, insert: added });
  const byId = parts.byId.with({
    remove: removed.filter((story) => parts.byId.get(story.id) === story).map((story) => story.id),
    set: added.map((story) => [story.id, story] as const),
  });
  const urls = new Set<string>();
  for (const story of removed) for (const url of canonicalUrlsOf(story)) urls.add(url);
  for (const story of added) for (const url of canonicalUrlsOf(story)) urls.add(url);
  const gone: string[] = [];
  const now: (readonly [string, CatalogArticle])[] = [];
  for (const url of urls) {
    let last: CatalogArticle | null = null;
    for (const story of storiesWithUrl(url)) if (!last || compareStories(story, last) > 0) last = story;
    if (last) now.push([url, last]);
    else gone.push(url);
  }
  const byCanonicalUrl = parts.byCanonicalUrl.with({ remove: gone, set: now });
  const counts = new Map<string, number>();
  const count = (story: CatalogArticle, by: 1 | -1) => {
    for (const sourceId of sourceIdsOf(story))
      counts.set(sourceId, (counts.get(sourceId) ?? parts.storiesPerSource.get(sourceId) ?? 0) + by);
  };
  for (const story of removed) count(story, -1);
  for (const story of added) count(story, 1);
  const storiesPerSource = parts.storiesPerSource.with({
    remove: [...counts].filter(([, left]) => left <= 0).map(([sourceId]) => sourceId),
    set: [...counts].filter(([, left]) => left > 0),
  });
  const bySection = changeLists(parts.bySection, change, (story) => [story.section], false);
  const byLanguage = changeLists(parts.byLanguage, change, (story) => (story.language ? languageRangesOf(story.language) : []), true);
  return { articles, byId, byCanonicalUrl, bySection, byLanguage, storiesPerSource };
}

/**
 * Lists by name after a change: each list a story is under is rewritten, the
 * rest shared. With `open`, a name no list has yet gets one and a list left
 * empty goes; otherwise only the names already there are kept (configured sections).
 */
function changeLists(
  lists: ReadonlyMap<string, OrderedList<CatalogArticle>>,
  change: StoryChange,
  namesOf: (story: CatalogArticle) => readonly string[],
  open: boolean,
): ReadonlyMap<string, OrderedList<CatalogArticle>> {
  const edits = new Map<string, { remove: CatalogArticle[]; insert: CatalogArticle[] }>();
  const edit = (name: string) => {
    let found = edits.get(name);
    if (!found) edits.set(name, (found = { remove: [], insert: [] }));
    return found;
  };
  for (const story of change.removed) for (const name of namesOf(story)) if (lists.has(name)) edit(name).remove.push(story);
  for (const story of change.added) for (const name of namesOf(story)) if (open || lists.has(name)) edit(name).insert.push(story);
  if (edits.size === 0) return lists;
  const next = new Map(lists);
  for (const [name, { remove, insert }] of edits) {
    const list = (lists.get(name) ?? OrderedList.empty(compareStories)).with({ remove, insert });
    if (open && list.length === 0) next.delete(name);
    else next.set(name, list);
  }
  return next;
}

/**
 * The language ranges that match a BCP 47 tag under RFC 4647 basic filtering
 * (§3.3.1), lower-cased: the tag itself and each prefix ending before a `-`
 * (`zh-Hant-TW`: `zh`, `zh-hant`, `zh-hant-tw`). Remembered by spelling: a
 * catalog holds a handful of distinct tags and reads them again and again.
 */
export function languageRangesOf(tag: string): readonly string[] {
  let ranges = languageRanges.get(tag);
  if (ranges === undefined) {
    if (languageRanges.size >= MAX_LANGUAGE_SPELLINGS) languageRanges.clear();
    const lower = tag.toLowerCase();
    const found: string[] = [];
    for (let end = lower.indexOf("-"); end > 0; end = lower.indexOf("-", end + 1)) found.push(lower.slice(0, end));
    if (lower) found.push(lower);
    languageRanges.set(tag, (ranges = found));
  }
  return ranges;
}

const languageRanges = new Map<string, readonly string[]>();
const MAX_LANGUAGE_SPELLINGS = 10_000;
