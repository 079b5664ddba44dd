import type { SectionConfig } from "../../config/sources-file.ts";
import { PersistentHashMap } from "../persistent/hash-map.ts";
import { OrderedList } from "../persistent/ordered-list.ts";
import type { Steps } from "../sliced/time-slice.ts";
import type { CatalogArticle } from "./catalog-article.ts";
import type { StoryChange } from "./story-change.ts";

export interface TagCount {
  /** The tag as most articles write it. */
  readonly name: string;
  /** The tag in lower case: what tells two tags apart. */
  readonly key: string;
  readonly count: number;
  /** How many of its articles are in a section (by slug); 0 for a section it is not in. */
  countIn: (section: string) => number;
}

/** The tags of one catalog version, most used first, and each by its lower-case name. Never changed: a change makes new ones. */
export interface TagCounts {
  readonly tags: OrderedList<TagCount>;
  readonly byName: PersistentHashMap<TagCount>;
}

/** `localeCompare`'s order, from one collator made once. */
const NAME_ORDER = new Intl.Collator();

/** Most used first; then by name in collation order; then by lower-case name, so the order never depends on what was counted first. */
export function compareTags(a: TagCount, b: TagCount): number {
  return b.count - a.count || NAME_ORDER.compare(a.name, b.name) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/** One catalog version's view of a tag: frozen, so a later change never alters what an older catalog answers. */
class TagCountView implements TagCount {
  constructor(
    readonly name: string,
    readonly key: string,
    readonly count: number,
    private readonly perSection: readonly number[],
    private readonly sectionNumbers: ReadonlyMap<string, number>,
  ) {}

  countIn(section: string): number {
    const number = this.sectionNumbers.get(section);
    return number === undefined ? 0 : (this.perSection[number] ?? 0);
  }
}

/**
 * A tag's running counts. Thousands of tags: per-section counts are a small
 * array by section number, and spellings are kept only for a tag written more
 * than one way (a Map per tag would cost more than counting itself).
 */
class TagTally {
  count = 0;
  readonly perSection: number[] = [];
  /** The only spelling seen, or each spelling's count once a second one is seen. */
  spelling: string;
  spellings: Map<string, number> | null = null;

  constructor(
    readonly key: string,
    firstSpelling: string,
  ) {
    this.spelling = firstSpelling;
  }

  add(spelling: string, section: number, by: 1 | -1): void {
    this.count += by;
    this.perSection[section] = (this.perSection[section] ?? 0) + by;
    if (this.spellings) {
      const left = (this.spellings.get(spelling) ?? 0) + by;
      if (left > 0) this.spellings.set(spelling, left);
      else this.spellings.delete(spelling);
    } else if (spelling !== this.spelling) {
      this.spellings = new Map([
        [this.spelling, this.count - by],
        [spelling, by],
      ]);
    }
  }

  /** The spelling most articles use (ties: the first in collation order). */
  name(): string {
    if (!this.spellings) return this.spelling;
    let best: [string, number] | null = null;
    for (const entry of this.spellings) {
      if (!best || entry[1] > best[1] || (entry[1] === best[1] && entry[0].localeCompare(best[0]) < 0)) best = entry;
    }
    return best![0];
  }
}

/**
 * Every tag's counts, kept in place as stories come and go: the store keeps
 * one per catalog lineage and asks it for each version's frozen `TagCounts`.
 * A change recounts only the tags its stories carry.
 */
export class TagBook {
  private readonly tallies = new Map<string, TagTally>();
  private readonly sectionNumbers: Map<string, number>;
  private current: TagCounts;

  private constructor(sections: readonly SectionConfig[]) {
    this.sectionNumbers = new Map(sections.map((section, number) => [section.slug, number]));
    this.current = { tags: OrderedList.empty(compareTags), byName: PersistentHashMap.empty() };
  }

  /** Counts the tags of `stories` (a catalog's, from scratch), yielding every few hundred stories. */
  static *build(stories: Iterable<CatalogArticle>, sections: readonly SectionConfig[]): Steps<TagBook> {
    const book = new TagBook(sections);
    let counted = 0;
    for (const story of stories) {
      book.count(story, 1);
      if ((++counted & 511) === 511) yield;
    }
    const views: TagCount[] = [];
    for (const tally of book.tallies.values()) views.push(book.view(tally));
    yield;
    views.sort(compareTags);
    yield;
    book.current = {
      tags: OrderedList.fromSorted(views, compareTags),
      byName: PersistentHashMap.from(
        views.map((view) => [view.key, view] as const),
        views.length,
      ),
    };
    return book;
  }

  /** The counts as of the last change. */
  get counts(): TagCounts {
    return this.current;
  }

  /** Takes in a change of stories: only the tags they carry are recounted, and the result is a new `TagCounts`. */
  apply(change: StoryChange): TagCounts {
    const touched = new Set<string>();
    for (const story of change.removed) for (const key of this.count(story, -1)) touched.add(key);
    for (const story of change.added) for (const key of this.count(story, 1)) touched.add(key);
    if (touched.size === 0) return this.current;
    const remove: TagCount[] = [];
    const insert: TagCount[] = [];
    const gone: string[] = [];
    for (const key of touched) {
      const old = this.current.byName.get(key);
      if (old) remove.push(old);
      const tally = this.tallies.get(key);
      if (tally && tally.count > 0) insert.push(this.view(tally));
      else {
        this.tallies.delete(key);
        gone.push(key);
      }
    }
    const byName = this.current.byName.with({ remove: gone, set: insert.map((view) => [view.key, view] as const) });
    this.current = { tags: this.current.tags.with({ remove, insert }), byName };
    return this.current;
  }

  /** Adds (or takes away) one story's tags; returns their keys. */
  private count(story: CatalogArticle, by: 1 | -1): string[] {
    let section = this.sectionNumbers.get(story.section);
    if (section === undefined) this.sectionNumbers.set(story.section, (section = this.sectionNumbers.size));
    const keys: string[] = [];
    for (const tag of story.tags) {
      const key = lowerTag(tag);
      let tally = this.tallies.get(key);
      if (!tally) this.tallies.set(key, (tally = new TagTally(key, tag)));
      tally.add(tag, section, by);
      keys.push(key);
    }
    return keys;
  }

  private view(tally: TagTally): TagCount {
    return new TagCountView(tally.name(), tally.key, tally.count, tally.perSection.slice(), this.sectionNumbers);
  }
}

/**
 * Tags in lower case (the tag counts' keys), remembered by spelling: a
 * lookup of a string already hashed costs less than lower-casing it anew.
 * Thousands of spellings in practice; cleared when it grows past MAX_TAG_SPELLINGS.
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
