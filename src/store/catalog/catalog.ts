import type { SectionConfig, SourceConfig } from "../../config/sources-file.ts";

import type { CatalogArticle } from "./catalog-article.ts";
import { mergeArticleSteps } from "./merge.ts";
import { RelatedIndex, type RelatedMatch } from "../related/related-index.ts";
import { NEWEST, sortArticleSteps } from "./article-order.ts";
import { SearchIndex } from "../search/search-index.ts";
import { sortSteps } from "../sliced/sort-steps.ts";
import { BackgroundSteps, runToEnd, type Steps } from "../sliced/time-slice.ts";
import type { SourceSnapshot } from "../../model/source-snapshot.ts";

/**
 * The merged, deduplicated, indexed view of every source at one moment.
 * Immutable: a change in any source builds a new catalog with a higher version,
 * so anything keyed on the version (response caches, cursors' validity) follows.
 */
export interface Catalog {
  version: number;
  builtAt: Date;
  sections: SectionConfig[];
  sources: SourceConfig[];
  /** Newest first; articles without a date last. */
  articles: CatalogArticle[];
  byId: Map<string, CatalogArticle>;
  byCanonicalUrl: Map<string, CatalogArticle>;
  bySection: Map<string, CatalogArticle[]>;
  /**
   * Articles by language range, newest first: each article is listed under
   * every prefix of its BCP 47 tag in lower case (`en` and `en-us` for
   * `en-US`), so the list under a range is exactly what RFC 4647 basic
   * filtering matches. Articles without a language are in none.
   */
  byLanguage: Map<string, CatalogArticle[]>;
  /** Built in the background after the catalog (see `buildCatalogSteps`); reading it finishes the build. */
  readonly related: RelatedIndex;
  /**
   * Related stories for each key, without holding the event loop (what
   * requests use): from this catalog's index once built; until then from the
   * last complete index of an older catalog, for stories it knows, with every
   * match read from this catalog (stories gone since are left out).
   */
  relatedTo: (keys: readonly { id: string; first: number }[]) => Promise<(readonly RelatedMatch[])[]>;
  /**
   * The full-text index: this catalog's once built; until then the last
   * complete index of an older catalog, when there is one (its hits name
   * stories by id); else this catalog's, finished on the spot.
   */
  search: () => SearchIndex;
  /** What `search()` will return, made ready without holding the event loop (what requests await before searching). */
  searchIndex: () => Promise<SearchIndex>;
  /** Tags with the number of articles carrying them, most used first (case-insensitive names). */
  tags: TagCount[];
  tagByName: Map<string, TagCount>;
}

export interface TagCount {
  /** The tag as most articles write it. */
  name: string;
  count: number;
  /** How many of its articles are in a section (by slug); 0 for a section it is not in. */
  countIn: (section: string) => number;
}

/** A catalog as built, with the switch of its background indexing (for the store alone). */
export interface BuildingCatalog extends Catalog {
  startIndexing: () => void;
  /** Stops the background slices until `startIndexing` again; a request that needs an index still gets it. */
  pauseIndexing: () => void;
  /** Both indexes are built. */
  readonly indexed: boolean;
}

export interface CatalogInput {
  version: number;
  now: number;
  sections: SectionConfig[];
  sources: SourceConfig[];
  snapshots: Map<string, SourceSnapshot>;
  /** Indexes of older catalogs to answer from while this one's build. @default none: requests wait */
  fallback?: IndexFallback;
}

/**
 * The store's record of complete indexes across catalog versions: a new
 * catalog answers from the last complete ones while its own build in the
 * background, and reports its own once done.
 */
export interface IndexFallback {
  related: () => RelatedIndex | null;
  search: () => SearchIndex | null;
  built: (index: RelatedIndex | SearchIndex) => void;
}

/** Matches asked of an older index beyond `first`: some may name stories this catalog no longer has. */
const FALLBACK_EXTRA_MATCHES = 5;

/** Builds a catalog in one go, its related index included (tests, benches, tools). */
export function buildCatalog(input: CatalogInput): Catalog {
  const catalog = runToEnd(buildCatalogSteps(input));
  void catalog.related;
  return catalog;
}

/**
 * The build as steps (see time-slice.ts), so the store can run it in slices
 * between requests. The related and search indexes are left to build
 * afterwards: `startIndexing` runs them in the background; `relatedTo()`
 * and `searchIndex()` answer from an older catalog's (`input.fallback`) or
 * wait for them, `related` and `search()` finish them on the spot.
 */
export function* buildCatalogSteps(input: CatalogInput): Steps<BuildingCatalog> {
  const lists = input.sources.map((source) => input.snapshots.get(source.id)?.articles).filter((list) => list !== undefined);
  const merged = yield* mergeArticleSteps(lists);
  yield;
  const articles = yield* sortArticleSteps(merged, NEWEST);
  yield;
  const byId = new Map<string, CatalogArticle>();
  const byCanonicalUrl = new Map<string, CatalogArticle>();
  const bySection = new Map<string, CatalogArticle[]>(input.sections.map((s) => [s.slug, []]));
  const byLanguage = new Map<string, CatalogArticle[]>();
  for (let index = 0; index < articles.length; index++) {
    const article = articles[index]!;
    byId.set(article.id, article);
    if (article.merged) for (const url of article.merged.canonicalUrls) byCanonicalUrl.set(url, article);
    else byCanonicalUrl.set(article.canonicalUrl, article);
    bySection.get(article.section)?.push(article);
    if (article.language) {
      for (const range of languageRangesOf(article.language)) {
        const list = byLanguage.get(range);
        if (list) list.push(article);
        else byLanguage.set(range, [article]);
      }
    }
    if ((index & 1023) === 1023) yield;
  }
  const tags = yield* countTags(articles, input.sections);
  const fallback = input.fallback ?? null;
  const related = new BackgroundSteps(RelatedIndex.build(articles), fallback?.built);
  const search = new BackgroundSteps(SearchIndex.build(articles), fallback?.built);
  // An older complete index, while this catalog's own is not done (the store schedules its build).
  const olderRelated = (): RelatedIndex | null => (related.done ? null : (fallback?.related() ?? null));
  const olderSearch = (): SearchIndex | null => (search.done ? null : (fallback?.search() ?? null));
  return {
    version: input.version,
    builtAt: new Date(input.now),
    sections: input.sections,
    sources: input.sources,
    articles,
    byId,
    byCanonicalUrl,
    bySection,
    byLanguage,
    get related() {
      return related.result();
    },
    relatedTo: async (keys) => {
      const older = olderRelated();
      if (older && keys.every((key) => older.has(key.id) && byId.has(key.id))) {
        return keys.map((key) => matchesIn(byId, older.relatedTo(key.id, key.first + FALLBACK_EXTRA_MATCHES), key.first));
      }
      const own = await related.whenDone();
      return keys.map((key) => own.relatedTo(key.id, key.first));
    },
    search: () => olderSearch() ?? search.result(),
    searchIndex: () => {
      const older = olderSearch();
      return older ? Promise.resolve(older) : search.whenDone();
    },
    tags,
    tagByName: new Map(tags.map((tag) => [tag.name.toLowerCase(), tag])),
    startIndexing: () => {
      related.start();
      search.start();
    },
    pauseIndexing: () => {
      related.stop();
      search.stop();
    },
    get indexed() {
      return related.done && search.done;
    },
  };
}

/** An older index's matches as this catalog's stories (the current version of each); those it no longer has are left out. */
function matchesIn(byId: Map<string, CatalogArticle>, matches: readonly RelatedMatch[], first: number): RelatedMatch[] {
  const out: RelatedMatch[] = [];
  for (const match of matches) {
    const article = byId.get(match.article.id);
    if (article) out.push({ ...match, article });
    if (out.length === first) break;
  }
  return out;
}

/**
 * A tag's counts while a catalog is built. Thousands of tags: per-section
 * counts are a small array by section number, and spellings are kept only
 * for a tag written more than one way (a Map or two per tag would cost more
 * than counting itself).
 */
class TagTally implements TagCount {
  count = 0;
  readonly perSection: number[] = [];
  /** Each spelling's count, once a second spelling is seen. */
  spellings: Map<string, number> | null = null;

  constructor(
    public name: string,
    private readonly sectionNumbers: Map<string, number>,
  ) {}

  add(spelling: string, section: number): void {
    this.count++;
    this.perSection[section] = (this.perSection[section] ?? 0) + 1;
    if (this.spellings) this.spellings.set(spelling, (this.spellings.get(spelling) ?? 0) + 1);
    else if (spelling !== this.name)
      this.spellings = new Map([
        [this.name, this.count - 1],
        [spelling, 1],
      ]);
  }

  countIn(section: string): number {
    const number = this.sectionNumbers.get(section);
    return number === undefined ? 0 : (this.perSection[number] ?? 0);
  }

  /** Settles the name on the spelling most articles use (ties: the first in collation order). */
  settle(): this {
    if (this.spellings) this.name = [...this.spellings].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
    this.spellings = null;
    return this;
  }
}

/** `localeCompare`'s order, from one collator made once. */
const NAME_ORDER = new Intl.Collator();
/** Tags sorted, or merged, between two yields of the tag sort. */
const TAG_SORT_RUN = 512;

function* countTags(articles: CatalogArticle[], sections: SectionConfig[]): Steps<TagCount[]> {
  const sectionNumbers = new Map(sections.map((section, number) => [section.slug, number]));
  const tags = new Map<string, TagTally>();
  for (let index = 0; index < articles.length; index++) {
    const article = articles[index]!;
    if ((index & 511) === 511) yield;
    let section = sectionNumbers.get(article.section);
    if (section === undefined) sectionNumbers.set(article.section, (section = sectionNumbers.size));
    for (const tag of article.tags) {
      const key = lowerTag(tag);
      let tally = tags.get(key);
      if (!tally) tags.set(key, (tally = new TagTally(tag, sectionNumbers)));
      tally.add(tag, section);
    }
  }
  yield;
  const counted = [...tags.values()].map((tally) => tally.settle());
  yield;
  // Thousands of tags, mostly tied on count and so compared by collation: too long for one step.
  return yield* sortSteps(counted, (a, b) => b.count - a.count || NAME_ORDER.compare(a.name, b.name), TAG_SORT_RUN);
}

/**
 * Tags in lower case (the tag counts' keys), remembered by spelling: a
 * rebuild counts the same tags again, and a lookup of a string already
 * hashed costs less than lower-casing it anew. Thousands of spellings in
 * practice; cleared when it grows past MAX_TAG_SPELLINGS.
 */
const lowerTags = new Map<string, string>();
const MAX_TAG_SPELLINGS = 100_000;

function lowerTag(tag: string): string {
  let key = lowerTags.get(tag);
  if (key === undefined) {
    if (lowerTags.size >= MAX_TAG_SPELLINGS) lowerTags.clear();
    lowerTags.set(tag, (key = tag.toLowerCase()));
  }
  return key;
}

/**
 * The language ranges that match a BCP 47 tag under RFC 4647 basic filtering
 * (§3.3.1), lower-cased: the tag itself and each prefix ending before a `-`
 * (`zh-Hant-TW`: `zh`, `zh-hant`, `zh-hant-tw`). Remembered by spelling: a
 * catalog holds a handful of distinct tags and every rebuild reads them again.
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
