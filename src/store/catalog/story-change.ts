import type { CatalogArticle } from "./catalog-article.ts";

/**
 * What a change of sources did to the catalog's stories: the stories gone and
 * the stories new. A story whose content changed is both: its old object
 * removed, its new one added (often under the same id). A story unchanged is
 * in neither, and keeps its object.
 */
export interface StoryChange {
  readonly removed: readonly CatalogArticle[];
  readonly added: readonly CatalogArticle[];
}

/**
 * Two changes in sequence as one: a story added by the first and removed by
 * the second appears in neither, nor does one removed by the first and put
 * back (the same object) by the second.
 */
export function followedBy(first: StoryChange, second: StoryChange): StoryChange {
  if (first.removed.length === 0 && first.added.length === 0) return second;
  const addedFirst = new Set(first.added);
  const removedSecond = new Set(second.removed);
  const removedFirst = new Set(first.removed);
  const addedSecond = new Set(second.added);
  return {
    removed: [...first.removed.filter((story) => !addedSecond.has(story)), ...second.removed.filter((story) => !addedFirst.has(story))],
    added: [...first.added.filter((story) => !removedSecond.has(story)), ...second.added.filter((story) => !removedFirst.has(story))],
  };
}
