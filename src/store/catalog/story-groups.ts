import type { Article } from "../../model/article.ts";
import { runToEnd, type Steps } from "../sliced/time-slice.ts";
import type { CatalogArticle } from "./catalog-article.ts";
import {
  bucketKeys,
  groupSameStory,
  guidKeyOf,
  mergeGroup,
  sameStoryByTitle,
  storiesOfGroups,
  type TitleBuckets,
  titleBucketsOfLists,
  titleTimeOf,
  urlKeyOf,
} from "./merge.ts";
import type { StoryChange } from "./story-change.ts";
import { sameStoryAs } from "./title-similarity.ts";

/** Title buckets an article has at most: the pairs of its three longest words. */
const KEYS_PER_ARTICLE = 3;
/** No entry: the end of a chain, a position not matched. */
const NONE = -1;

/** A story several sources carry: its articles' slots in global order, and the story merged from them. */
interface Group {
  readonly slots: readonly number[];
  readonly story: CatalogArticle;
}

/**
 * The catalog's stories, kept up to date one source at a time: replacing a
 * source's list regroups only the articles it could have touched, and gives
 * the same stories as `mergeArticles` over every list from scratch.
 *
 * Why regrouping a part is exact: `groupSameStory` tries its joins in an
 * order that depends only on the articles' global order (source, then
 * position), so a set closed under "could join" (same canonical link, global
 * guid, or near-identical title within the window from another source, the
 * same rules as the merge) groups alone as it groups within the whole. A
 * change regroups the closure of the articles it added, of those the removed
 * ones could join and of those it moved out of their order, and nothing else
 * changes: every other set closed under "could join" holds the same articles
 * in the same relative order.
 *
 * Each article lives in a slot: typed columns hold its source, position and
 * title buckets, and three hash chains (canonical link, global guid, title
 * bucket) find the articles it could join, under 100 bytes an article at a
 * million articles. Internal to the store; requests never read it.
 */
export class StoryGroups {
  /** Each source's slots, by position in its list. */
  private readonly slotsOfSource: Int32Array[];
  private readonly articleOf: (Article | undefined)[] = [];
  /** The story several sources carry that a slot's article is in; undefined: the article is its own story. */
  private readonly groupOf: (Group | undefined)[] = [];
  private sourceOf: Int32Array;
  private positionOf: Int32Array;
  /** Slot s's title bucket keys: titleKeys[3s .. 3s + keyCount[s]). */
  private titleKeys: Int32Array;
  private keyCount: Uint8Array;
  private capacity: number;
  private readonly free: number[] = [];
  /** Slots by canonical link, stand-ins included (`storiesWithUrl`); only links of their own join stories. */
  private readonly byUrl: HashChains;
  /** Slots by global guid. */
  private readonly byGuid: HashChains;
  /** Entries 3s + k by slot s's title bucket k (dated articles only, as the merge compares them). */
  private readonly byTitle: HashChains;
  private visited = 0;

  private constructor(
    private readonly sourceIndex: ReadonlyMap<string, number>,
    articleCount: number,
  ) {
    // Room for the articles and some to spare: a change frees the slots it empties only after filling new ones.
    this.capacity = articleCount + Math.max(1024, articleCount >> 4);
    this.slotsOfSource = Array.from({ length: sourceIndex.size }, () => new Int32Array(0));
    this.sourceOf = new Int32Array(this.capacity);
    this.positionOf = new Int32Array(this.capacity);
    this.titleKeys = new Int32Array(this.capacity * KEYS_PER_ARTICLE);
    this.keyCount = new Uint8Array(this.capacity);
    for (let slot = this.capacity - 1; slot >= articleCount; slot--) this.free.push(slot);
    this.byUrl = new HashChains(this.capacity, (slot) => {
      const article = this.articleOf[slot];
      return article ? hashText(article.canonicalUrl) : null;
    });
    this.byGuid = new HashChains(this.capacity, (slot) => {
      const article = this.articleOf[slot];
      const guid = article && guidKeyOf(article);
      return guid ? hashText(guid) : null;
    });
    this.byTitle = new HashChains(this.capacity * KEYS_PER_ARTICLE, (entry) => {
      const slot = (entry / KEYS_PER_ARTICLE) | 0;
      const article = this.articleOf[slot];
      const indexed = article && entry % KEYS_PER_ARTICLE < this.keyCount[slot]! && !Number.isNaN(titleTimeOf(article));
      return indexed ? this.titleKeys[entry]! : null;
    });
  }

  /**
   * The stories of every source's list, as `mergeArticleSteps` over the lists
   * in `sourceIds` order gives them (it is that code), and the groups kept to
   * change them. sourceIds: every configured source in the sources file's
   * order (that order breaks ties); a source without a list has none. Lists
   * of sources not named are left out, as the catalog leaves them out.
   */
  static *build(
    sourceIds: readonly string[],
    lists: ReadonlyMap<string, readonly Article[]>,
  ): Steps<{ groups: StoryGroups; stories: CatalogArticle[] }> {
    const sourceIndex = new Map<string, number>();
    for (const id of sourceIds) {
      if (sourceIndex.has(id)) throw new RangeError(`Source ${id} is named twice`);
      sourceIndex.set(id, sourceIndex.size);
    }
    const ordered = sourceIds.map((id) => lists.get(id) ?? []);
    const articles = ordered.flat();
    const buckets = yield* titleBucketsOfLists(ordered);
    const indexGroups = yield* groupSameStory(articles, buckets);
    const stories = yield* storiesOfGroups(articles, indexGroups);
    const groups = new StoryGroups(sourceIndex, articles.length);
    // Slot i is article i of the merge: its groups are groups of slots.
    let slot = 0;
    for (let source = 0; source < ordered.length; source++) {
      const list = ordered[source]!;
      const { offsets, keys } = buckets[source]!;
      const slots = new Int32Array(list.length);
      for (let position = 0; position < list.length; position++, slot++) {
        slots[position] = slot;
        groups.place(slot, list[position]!, source, position, keys, offsets[position]!, offsets[position + 1]!);
        if ((slot & 1023) === 1023) yield;
      }
      groups.slotsOfSource[source] = slots;
    }
    for (; slot < groups.capacity; slot++) {
      groups.articleOf.push(undefined);
      groups.groupOf.push(undefined);
      if ((slot & 4095) === 4095) yield;
    }
    for (let index = 0; index < indexGroups.length; index++) {
      const group = indexGroups[index]!;
      if (typeof group === "number") continue;
      const entry: Group = { slots: group, story: stories[index]! };
      for (const member of group) groups.groupOf[member] = entry;
      if ((index & 1023) === 1023) yield;
    }
    return { groups, stories };
  }

  /** Articles looked at by every change so far (list entries, candidates found by key, articles regrouped): what a change costs. */
  get articlesVisited(): number {
    return this.visited;
  }

  /** The current stories, in no particular order (tests and rebuilds). */
  *stories(): Iterable<CatalogArticle> {
    for (const slots of this.slotsOfSource) {
      for (const slot of slots) {
        const group = this.groupOf[slot];
        if (!group) yield this.articleOf[slot]!;
        else if (group.slots[0] === slot) yield group.story;
      }
    }
  }

  /** Every current story seen under a canonical link, stand-ins included, once each. */
  *storiesWithUrl(url: string): Iterable<CatalogArticle> {
    const seen = new Set<CatalogArticle>();
    for (let slot = this.byUrl.first(hashText(url)); slot !== NONE; slot = this.byUrl.after(slot)) {
      if (this.articleOf[slot]!.canonicalUrl !== url) continue;
      const story = this.groupOf[slot]?.story ?? this.articleOf[slot]!;
      if (seen.has(story)) continue;
      seen.add(story);
      yield story;
    }
  }

  /**
   * Replaces one source's list (an empty list for a source gone or failed)
   * and returns the stories that disappeared and appeared. An article is the
   * same when it is the same object (an unchanged item keeps its object from
   * read to read); a new object under an old id is an edit: the old one goes,
   * the new one comes. A story whose articles are the same objects in the
   * same order keeps its object and is in neither list.
   */
  replaceSource(sourceId: string, articles: readonly Article[]): StoryChange {
    const source = this.sourceIndex.get(sourceId);
    if (source === undefined) throw new RangeError(`Source ${sourceId} is not among the configured sources`);
    const oldSlots = this.slotsOfSource[source]!;
    this.visited += oldSlots.length + articles.length;
    if (sameArticles(oldSlots, articles, this.articleOf)) return { removed: [], added: [] };
    const keptFrom = matchPositions(
      Array.from(oldSlots, (slot) => this.articleOf[slot]!),
      articles,
    );
    const kept = new Uint8Array(oldSlots.length);
    for (const old of keptFrom) if (old !== NONE) kept[old] = 1;
    const removed: number[] = [];
    for (let position = 0; position < oldSlots.length; position++) if (!kept[position]) removed.push(oldSlots[position]!);

    // What must be regrouped is the closure of what the removed articles could join and of what is new.
    const seeds = new Set<number>();
    const isRemoved = new Set(removed);
    for (const slot of removed) {
      for (const member of this.groupOf[slot]?.slots ?? []) if (!isRemoved.has(member)) seeds.add(member);
      this.forEachNeighbor(
        slot,
        (other) => isRemoved.has(other) || seeds.has(other),
        (other) => seeds.add(other),
      );
    }
    for (const slot of removed) this.unindex(slot);
    // Kept articles move to their new positions. Their order among themselves decides which of a source's
    // items joins a story first: those out of the longest run still in the old order are regrouped.
    const inOrder = longestIncreasing(keptFrom.filter((old) => old !== NONE));
    const newSlots = new Int32Array(articles.length);
    const added = new Set<number>();
    this.reserve(articles.length - (oldSlots.length - removed.length));
    for (let position = 0, k = 0; position < articles.length; position++) {
      const old = keptFrom[position]!;
      let slot: number;
      if (old !== NONE) {
        slot = oldSlots[old]!;
        this.positionOf[slot] = position;
        if (!inOrder[k++]) seeds.add(slot);
      } else {
        const article = articles[position]!;
        const keys = bucketKeys(article.title);
        slot = this.free.pop()!;
        this.place(slot, article, source, position, keys, 0, keys.length);
        added.add(slot);
        seeds.add(slot);
      }
      newSlots[position] = slot;
    }
    this.slotsOfSource[source] = newSlots;

    const change = this.regroup(this.closureOf(seeds), removed, added);
    for (const slot of removed) this.release(slot);
    return change;
  }

  /**
   * Regroups a closed set of slots and tells how its stories changed: the
   * stories its old articles were in (those of `removed` included, `added`
   * had none) out, its new groups' stories in; a story in both, its object
   * kept, is in neither list.
   */
  private regroup(closure: number[], removed: readonly number[], added: ReadonlySet<number>): StoryChange {
    const change = new StoryCount();
    const oldGroups = new Set<Group>();
    for (const slot of [...closure, ...removed]) {
      if (added.has(slot)) continue;
      const group = this.groupOf[slot];
      if (!group) change.count(this.articleOf[slot]!, -1);
      else if (!oldGroups.has(group)) {
        oldGroups.add(group);
        change.count(group.story, -1);
      }
    }
    const groups = this.groupsOf(closure);
    for (const slot of closure) this.groupOf[slot] = undefined;
    for (const group of groups) {
      if (typeof group === "number") change.count(this.articleOf[group]!, 1);
      else {
        for (const slot of group.slots) this.groupOf[slot] = group;
        change.count(group.story, 1);
      }
    }
    return change.result();
  }

  /**
   * The groups of a closed set of slots, grouped as the merge groups them, in
   * global order: a group of the same slots in the same order as before keeps
   * its story object; a slot alone is its article's own story.
   */
  private groupsOf(closure: number[]): (number | Group)[] {
    this.visited += closure.length;
    const slots = closure.sort((a, b) => this.sourceOf[a]! - this.sourceOf[b]! || this.positionOf[a]! - this.positionOf[b]!);
    const offsets = new Int32Array(slots.length + 1);
    for (let index = 0; index < slots.length; index++) offsets[index + 1] = offsets[index]! + this.keyCount[slots[index]!]!;
    const keys = new Int32Array(offsets[slots.length]!);
    for (let index = 0; index < slots.length; index++) {
      const from = slots[index]! * KEYS_PER_ARTICLE;
      keys.set(this.titleKeys.subarray(from, from + this.keyCount[slots[index]!]!), offsets[index]!);
    }
    const buckets: TitleBuckets = { offsets, keys };
    const articles = slots.map((slot) => this.articleOf[slot]!);
    return runToEnd(groupSameStory(articles, [buckets])).map((group) => {
      if (typeof group === "number") return slots[group]!;
      const members = group.map((index) => slots[index]!);
      const before = this.groupOf[members[0]!];
      if (before && before.slots.length === members.length && before.slots.every((slot, k) => slot === members[k])) return before;
      return { slots: members, story: mergeGroup(group.map((index) => articles[index]!)) };
    });
  }

  /** Every slot `seeds` could join, and what those could join, and so on: sets closed under "could join". */
  private closureOf(seeds: Set<number>): number[] {
    const closure = [...seeds];
    for (let next = 0; next < closure.length; next++) {
      this.forEachNeighbor(
        closure[next]!,
        (other) => seeds.has(other),
        (other) => {
          seeds.add(other);
          closure.push(other);
        },
      );
    }
    return closure;
  }

  /**
   * Calls `found` with every indexed slot the article in `slot` could join
   * (same canonical link or global guid, whatever its source; near-identical
   * title from another source within the window), except those `known`
   * already holds, which are not compared again.
   */
  private forEachNeighbor(slot: number, known: (slot: number) => boolean, found: (slot: number) => void): void {
    const article = this.articleOf[slot]!;
    const url = urlKeyOf(article);
    if (url !== null) {
      for (let other = this.byUrl.first(hashText(url)); other !== NONE; other = this.byUrl.after(other)) {
        if (other === slot || this.articleOf[other]!.canonicalUrl !== url) continue;
        this.visited++;
        if (!known(other)) found(other);
      }
    }
    const guid = guidKeyOf(article);
    if (guid !== null) {
      for (let other = this.byGuid.first(hashText(guid)); other !== NONE; other = this.byGuid.after(other)) {
        if (other === slot || this.articleOf[other]!.guid !== guid) continue;
        this.visited++;
        if (!known(other)) found(other);
      }
    }
    if (Number.isNaN(titleTimeOf(article))) return;
    let sameAs: ((title: string) => boolean) | null = null;
    for (let k = 0; k < this.keyCount[slot]!; k++) {
      const key = this.titleKeys[slot * KEYS_PER_ARTICLE + k]!;
      for (let entry = this.byTitle.first(key); entry !== NONE; entry = this.byTitle.after(entry)) {
        const other = (entry / KEYS_PER_ARTICLE) | 0;
        if (other === slot || this.titleKeys[entry] !== key) continue;
        this.visited++;
        if (known(other)) continue;
        sameAs ??= sameStoryAs(article.title);
        if (sameStoryByTitle(article, this.articleOf[other]!, sameAs)) found(other);
      }
    }
  }

  private place(slot: number, article: Article, source: number, position: number, keys: ArrayLike<number>, from: number, to: number): void {
    this.articleOf[slot] = article;
    this.groupOf[slot] = undefined;
    this.sourceOf[slot] = source;
    this.positionOf[slot] = position;
    this.keyCount[slot] = to - from;
    for (let k = from; k < to; k++) this.titleKeys[slot * KEYS_PER_ARTICLE + k - from] = keys[k]!;
    this.byUrl.add(slot);
    this.byGuid.add(slot);
    for (let k = 0; k < to - from; k++) this.byTitle.add(slot * KEYS_PER_ARTICLE + k);
  }

  private unindex(slot: number): void {
    this.byUrl.remove(slot);
    this.byGuid.remove(slot);
    for (let k = 0; k < this.keyCount[slot]!; k++) this.byTitle.remove(slot * KEYS_PER_ARTICLE + k);
  }

  private release(slot: number): void {
    this.articleOf[slot] = undefined;
    this.groupOf[slot] = undefined;
    this.keyCount[slot] = 0;
    this.free.push(slot);
  }

  /** Makes room for `count` more articles: half as many slots again (a copy of every column, once in a while). */
  private reserve(count: number): void {
    if (this.free.length >= count) return;
    const capacity = Math.max(this.capacity + count - this.free.length, Math.ceil(this.capacity * 1.5));
    const grown = <T extends Int32Array | Uint8Array>(column: T, make: (length: number) => T, width = 1): T => {
      const copy = make(capacity * width);
      copy.set(column);
      return copy;
    };
    this.sourceOf = grown(this.sourceOf, (n) => new Int32Array(n));
    this.positionOf = grown(this.positionOf, (n) => new Int32Array(n));
    this.titleKeys = grown(this.titleKeys, (n) => new Int32Array(n), KEYS_PER_ARTICLE);
    this.keyCount = grown(this.keyCount, (n) => new Uint8Array(n));
    for (let slot = this.capacity; slot < capacity; slot++) {
      this.articleOf.push(undefined);
      this.groupOf.push(undefined);
    }
    for (let slot = capacity - 1; slot >= this.capacity; slot--) this.free.push(slot);
    this.capacity = capacity;
    this.byUrl.resize(capacity);
    this.byGuid.resize(capacity);
    this.byTitle.resize(capacity * KEYS_PER_ARTICLE);
  }
}

/**
 * For each new position, the old position of the same article (NONE: a new
 * one), by object, each old position matched once: the same object twice in
 * a list is two articles, as the merge counts it.
 */
function matchPositions(old: readonly Article[], articles: readonly Article[]): Int32Array {
  const positions = new Map<Article, number[]>();
  for (let position = old.length - 1; position >= 0; position--) {
    const found = positions.get(old[position]!);
    if (found) found.push(position);
    else positions.set(old[position]!, [position]);
  }
  const keptFrom = new Int32Array(articles.length).fill(NONE);
  for (let position = 0; position < articles.length; position++) keptFrom[position] = positions.get(articles[position]!)?.pop() ?? NONE;
  return keptFrom;
}

/** Whether a source's slots hold exactly these articles, in this order. */
function sameArticles(slots: Int32Array, articles: readonly Article[], articleOf: readonly (Article | undefined)[]): boolean {
  if (slots.length !== articles.length) return false;
  for (let position = 0; position < slots.length; position++) if (articleOf[slots[position]!] !== articles[position]) return false;
  return true;
}

/** Stories counted out (old) and in (new): those counted as often out as in did not change. */
class StoryCount {
  private readonly counts = new Map<CatalogArticle, number>();

  count(story: CatalogArticle, by: number): void {
    this.counts.set(story, (this.counts.get(story) ?? 0) + by);
  }

  result(): StoryChange {
    const change = { removed: [] as CatalogArticle[], added: [] as CatalogArticle[] };
    for (const [story, count] of this.counts) {
      for (let n = count; n < 0; n++) change.removed.push(story);
      for (let n = 0; n < count; n++) change.added.push(story);
    }
    return change;
  }
}

/** Which of `values` (distinct numbers) form a longest increasing run, not necessarily contiguous. */
function longestIncreasing(values: ArrayLike<number>): boolean[] {
  // Patience sorting: tails[l] is the index ending the best run of length l + 1 found so far.
  const tails: number[] = [];
  const before = new Int32Array(values.length).fill(NONE);
  for (let index = 0; index < values.length; index++) {
    let low = 0;
    let high = tails.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (values[tails[middle]!]! < values[index]!) low = middle + 1;
      else high = middle;
    }
    if (low > 0) before[index] = tails[low - 1]!;
    tails[low] = index;
  }
  const inRun = new Array<boolean>(values.length).fill(false);
  for (let index = tails.at(-1) ?? NONE; index !== NONE; index = before[index]!) inRun[index] = true;
  return inRun;
}

/**
 * A multimap from 32-bit hashes to numbered entries, chained through typed
 * arrays: 4 bytes an entry and about 4 a head, where a Map of arrays costs
 * tens of bytes an entry. The owner numbers the entries and tells their hash
 * (null: not indexed); a chain may hold other hashes' entries, which the
 * reader tells apart.
 */
class HashChains {
  private heads = new Int32Array(0);
  private next = new Int32Array(0);
  private shift = 32;

  /** Room for entries 0 .. entries - 1, none indexed yet. */
  constructor(
    entries: number,
    private readonly hashOf: (entry: number) => number | null,
  ) {
    this.allocate(entries);
  }

  /** Room for entries 0 .. entries - 1, the indexed ones chained again. */
  resize(entries: number): void {
    this.allocate(entries);
    for (let entry = 0; entry < entries; entry++) this.add(entry);
  }

  private allocate(entries: number): void {
    // One head for two entries: a chain holds about two, and articles that share a key share a chain anyway.
    const bits = Math.max(4, Math.ceil(Math.log2(Math.max(1, entries / 2))));
    this.heads = new Int32Array(2 ** bits).fill(NONE);
    this.next = new Int32Array(entries).fill(NONE);
    this.shift = 32 - bits;
  }

  add(entry: number): void {
    const hash = this.hashOf(entry);
    if (hash === null) return;
    const head = this.headOf(hash);
    this.next[entry] = this.heads[head]!;
    this.heads[head] = entry;
  }

  /** Unchains an entry (its hash must be the one it was added with). */
  remove(entry: number): void {
    const hash = this.hashOf(entry);
    if (hash === null) return;
    const head = this.headOf(hash);
    if (this.heads[head] === entry) this.heads[head] = this.next[entry]!;
    else {
      let at = this.heads[head]!;
      while (at !== NONE && this.next[at] !== entry) at = this.next[at]!;
      if (at !== NONE) this.next[at] = this.next[entry]!;
    }
    this.next[entry] = NONE;
  }

  /** The first entry of the chain that holds `hash`'s entries (NONE: empty). */
  first(hash: number): number {
    return this.heads[this.headOf(hash)]!;
  }

  after(entry: number): number {
    return this.next[entry]!;
  }

  /** Fibonacci hashing: the top bits of the hash times 2^32/φ, well spread even for hashes alike in their low bits. */
  private headOf(hash: number): number {
    return Math.imul(hash, 0x9e3779b1) >>> this.shift;
  }
}

/** FNV-1a over a link or a guid, as a signed 32-bit number. */
function hashText(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash | 0;
}
