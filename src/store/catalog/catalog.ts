import type { SectionConfig, SourceConfig } from "../../config/sources-file.ts";
import type { SourceSnapshot } from "../../model/source-snapshot.ts";
import { RelatedIndex, type RelatedMatch } from "../related/related-index.ts";
import { SearchIndex } from "../search/search-index.ts";
import type { OrderedList } from "../persistent/ordered-list.ts";
import { runToEnd, type Steps } from "../sliced/time-slice.ts";
import { NEWEST, sortArticleSteps } from "./article-order.ts";
import type { CatalogArticle } from "./catalog-article.ts";
import { type CatalogParts, changeParts, partsFromSorted } from "./catalog-parts.ts";
import { LineageIndex } from "./lineage-index.ts";
import { followedBy, type StoryChange } from "./story-change.ts";
import { StoryGroups } from "./story-groups.ts";
import { TagBook, type TagCount, type TagCounts } from "./tag-counts.ts";

export type { TagCount } from "./tag-counts.ts";
export { languageRangesOf } from "./catalog-parts.ts";

/** A read-only lookup by key: a persistent map shared between catalog versions. */
export interface Lookup<V> {
  get(key: string): V | undefined;
  has(key: string): boolean;
  readonly size: number;
}

/**
 * The merged, deduplicated, indexed view of every source at one moment.
 * Immutable: a change in any source makes a new catalog with a higher
 * version, so anything keyed on the version (response caches, cursors'
 * validity) follows. A new version is made from the one before by the change
 * alone (see `changeCatalog`): its lists and lookups share every part the
 * change did not touch, and the search and related indexes are changed in
 * place.
 */
export interface Catalog {
  version: number;
  builtAt: Date;
  sections: SectionConfig[];
  sources: SourceConfig[];
  /** Newest first; articles without a date last. */
  articles: OrderedList<CatalogArticle>;
  byId: Lookup<CatalogArticle>;
  /** Each canonical URL to its story; a URL two stories share (two items of one source) names the later in `articles`. */
  byCanonicalUrl: Lookup<CatalogArticle>;
  /** Every configured section's stories, newest first. */
  bySection: ReadonlyMap<string, OrderedList<CatalogArticle>>;
  /**
   * Articles by language range, newest first: each article is listed under
   * every prefix of its BCP 47 tag in lower case (`en` and `en-us` for
   * `en-US`), so the list under a range is exactly what RFC 4647 basic
   * filtering matches. Articles without a language are in none.
   */
  byLanguage: ReadonlyMap<string, OrderedList<CatalogArticle>>;
  /** How many stories each source carried (what `articles(source:)` counts); absent for none. */
  storiesPerSource: Lookup<number>;
  /** What made this version from the one before: null for a catalog built from scratch. */
  change: { fromVersion: number; stories: StoryChange } | null;
  /** The related index, finished on the spot if it is still building. */
  readonly related: RelatedIndex;
  /**
   * Related stories for each key, without holding the event loop (what
   * requests use). From this catalog's index once built; until then from the
   * last complete index of an older catalog, for stories it knows. Matches
   * are read from this catalog (stories it does not hold are left out): the
   * index may already be ahead of it.
   */
  relatedTo: (keys: readonly { id: string; first: number }[]) => Promise<(readonly RelatedMatch[])[]>;
  /**
   * The full-text index: this catalog's line's once built (kept in place, so
   * it may be ahead of this version: see `SearchIndex.version`); until then
   * the last complete index of an older catalog, when there is one; else this
   * line's, finished on the spot.
   */
  search: () => SearchIndex;
  /** What `search()` will return, made ready without holding the event loop (what requests await before searching). */
  searchIndex: () => Promise<SearchIndex>;
  /** Tags with the number of articles carrying them, most used first (case-insensitive names). */
  tags: OrderedList<TagCount>;
  tagByName: Lookup<TagCount>;
}

/** A catalog as built, with the switch of its background indexing (for the store alone). */
export interface BuildingCatalog extends Catalog {
  startIndexing: () => void;
  /** Stops the background slices until `startIndexing` again; a request that needs an index still gets it. */
  pauseIndexing: () => void;
  /** Both indexes are built. */
  readonly indexed: boolean;
  /** This version's lists and lookups, as the next version is made from them (see `changeCatalog`). */
  readonly parts: CatalogParts;
  /** What the next version is made from (see `changeCatalog`). */
  readonly lineage: CatalogLineage;
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
 * The store's record of complete indexes across catalog lines: a catalog
 * built from scratch answers from the last complete ones while its own build
 * in the background, and reports its own once done.
 */
export interface IndexFallback {
  related: () => RelatedIndex | null;
  search: () => SearchIndex | null;
  built: (index: RelatedIndex | SearchIndex) => void;
}

/** Matches asked of an index ahead of (or older than) the catalog beyond `first`: some may name stories the catalog does not hold. */
const EXTRA_MATCHES = 5;

/**
 * What a line of catalog versions keeps in place between them: the story
 * groups, the tag counts and the two indexes. It follows the newest version
 * only: a version is made from the head of its line, never from an older one.
 */
export class CatalogLineage {
  constructor(
    readonly groups: StoryGroups,
    readonly tagBook: TagBook,
    readonly related: LineageIndex<RelatedIndex>,
    readonly search: LineageIndex<SearchIndex>,
    readonly fallback: IndexFallback | null,
    public head: number,
  ) {}
}

/** Builds a catalog in one go, its related index included (tests, benches, tools). */
export function buildCatalog(input: CatalogInput): BuildingCatalog {
  const catalog = runToEnd(buildCatalogSteps(input));
  void catalog.related;
  return catalog;
}

/**
 * The build from scratch as steps (see time-slice.ts), so the store can run
 * it in slices between requests. The related and search indexes are left to
 * build afterwards: `startIndexing` runs them in the background; `relatedTo()`
 * and `searchIndex()` answer from an older catalog's (`input.fallback`) or
 * wait for them, `related` and `search()` finish them on the spot.
 */
export function* buildCatalogSteps(input: CatalogInput): Steps<BuildingCatalog> {
  const lists = new Map<string, readonly CatalogArticle[]>();
  for (const source of input.sources) {
    const articles = input.snapshots.get(source.id)?.articles;
    if (articles) lists.set(source.id, articles);
  }
  const { groups, stories } = yield* StoryGroups.build(
    input.sources.map((source) => source.id),
    lists,
  );
  yield;
  const sorted = yield* sortArticleSteps(stories, NEWEST);
  yield;
  const parts = yield* partsFromSorted(sorted, input.sections);
  const tagBook = yield* TagBook.build(sorted, input.sections);
  const fallback = input.fallback ?? null;
  const lineage = new CatalogLineage(
    groups,
    tagBook,
    new LineageIndex(RelatedIndex.build(sorted, input.version), fallback?.built),
    new LineageIndex(SearchIndex.build(sorted, input.version), fallback?.built),
    fallback,
    input.version,
  );
  return catalogOf(input, parts, tagBook.counts, lineage, null);
}

export interface CatalogChangeInput {
  version: number;
  now: number;
  /** Each source whose content changed, with the articles it holds now (none for a source gone or failed). */
  changedSources: ReadonlyMap<string, readonly CatalogArticle[]>;
}

/**
 * The next version of a catalog, made from it by what changed in some
 * sources: the stories those changes regroup, and only the lists, lookups,
 * tag counts and index entries they touch. The catalog given must be the
 * newest of its line (a RangeError otherwise): its line's groups and indexes
 * are changed in place.
 */
export function changeCatalog(previous: BuildingCatalog, input: CatalogChangeInput): BuildingCatalog {
  const { lineage } = previous;
  if (lineage.head !== previous.version) {
    throw new RangeError(`catalog v${previous.version} is not the newest of its line (v${lineage.head}): only the newest can change`);
  }
  let stories: StoryChange = { removed: [], added: [] };
  for (const [sourceId, articles] of input.changedSources) {
    stories = followedBy(stories, lineage.groups.replaceSource(sourceId, articles));
  }
  const parts = changeParts(previous.parts, stories, (url) => lineage.groups.storiesWithUrl(url));
  const tags = lineage.tagBook.apply(stories);
  lineage.related.update(stories, input.version);
  lineage.search.update(stories, input.version);
  lineage.head = input.version;
  return catalogOf(
    { version: input.version, now: input.now, sections: previous.sections, sources: previous.sources },
    parts,
    tags,
    lineage,
    { fromVersion: previous.version, stories },
  );
}

/** A catalog version over its parts, answering from its line's indexes (or the fallback's while they build). */
function catalogOf(
  input: Pick<CatalogInput, "version" | "now" | "sections" | "sources">,
  parts: CatalogParts,
  tags: TagCounts,
  lineage: CatalogLineage,
  change: Catalog["change"],
): BuildingCatalog {
  const { version } = input;
  const { byId } = parts;
  const { fallback } = lineage;
  // An older complete index, while this line's own is not built (the store schedules its build).
  const olderRelated = (): RelatedIndex | null => (lineage.related.done ? null : (fallback?.related() ?? null));
  const olderSearch = (): SearchIndex | null => (lineage.search.done ? null : (fallback?.search() ?? null));
  return {
    version,
    builtAt: new Date(input.now),
    sections: input.sections,
    sources: input.sources,
    articles: parts.articles,
    byId,
    byCanonicalUrl: parts.byCanonicalUrl,
    bySection: parts.bySection,
    byLanguage: parts.byLanguage,
    storiesPerSource: parts.storiesPerSource,
    change,
    parts,
    lineage,
    get related() {
      return lineage.related.result();
    },
    relatedTo: async (keys) => {
      const older = olderRelated();
      if (older && keys.every((key) => older.has(key.id) && byId.has(key.id))) {
        return keys.map((key) => matchesIn(byId, older.relatedTo(key.id, key.first + EXTRA_MATCHES), key.first));
      }
      const own = await lineage.related.whenDone();
      // The line's index is kept in place: once ahead of this version, its matches are read through this catalog.
      if (own.version === version) return keys.map((key) => own.relatedTo(key.id, key.first));
      return keys.map((key) => matchesIn(byId, own.relatedTo(key.id, key.first + EXTRA_MATCHES), key.first));
    },
    search: () => olderSearch() ?? lineage.search.result(),
    searchIndex: () => {
      const older = olderSearch();
      return older ? Promise.resolve(older) : lineage.search.whenDone();
    },
    tags: tags.tags,
    tagByName: tags.byName,
    startIndexing: () => {
      lineage.related.start();
      lineage.search.start();
    },
    pauseIndexing: () => {
      lineage.related.stop();
      lineage.search.stop();
    },
    get indexed() {
      return lineage.related.done && lineage.search.done;
    },
  };
}

/** An index's matches as this catalog's stories (its version of each); those it does not hold are left out. */
function matchesIn(byId: Lookup<CatalogArticle>, matches: readonly RelatedMatch[], first: number): RelatedMatch[] {
  const out: RelatedMatch[] = [];
  for (const match of matches) {
    const article = byId.get(match.article.id);
    if (article) out.push(article === match.article ? match : { ...match, article });
    if (out.length === first) break;
  }
  return out;
}
