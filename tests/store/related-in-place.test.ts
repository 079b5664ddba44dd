import { describe, expect, it } from "vitest";
import type { Article } from "../../src/model/article.ts";
import type { CatalogArticle } from "../../src/store/catalog/catalog-article.ts";
import { sameStoryAs } from "../../src/store/catalog/title-similarity.ts";
import { strongestTerms } from "../../src/store/related/article-terms.ts";
import { WEIGHTS, weightCode } from "../../src/store/related/postings.ts";
import {
  COMMON_TERM_MIN_ARTICLES,
  COMMON_TERM_SHARE,
  countArticleTerms,
  MIN_SIMILARITY,
  RECENCY_BOOST,
  RECENCY_HALF_LIFE_DAYS,
  RelatedIndex,
  type RelatedMatch,
  SAME_STORY_SLACK,
  SHARED_TAG_BOOST,
  TERMS_PER_ARTICLE,
} from "../../src/store/related/related-index.ts";
import { runToEnd } from "../../src/store/sliced/time-slice.ts";
import { createRandom as seeded } from "../../bench/synthetic-text.ts";

const SYLLABLES = ["ka", "lo", "mi", "ran", "tes", "vu", "zor", "pel", "quin", "dra", "fo", "gil", "hub", "jet", "nox", "sab"];
const SURGE_WORDS = ["heatwave", "blackout", "ceasefire"];

/** Made-up words over a handful of syllables: topics overlap through the general words, and through words two topics share. */
function vocabulary(random: () => number, count: number, syllables: number): string[] {
  const words = new Set<string>();
  while (words.size < count) {
    let word = "";
    for (let s = 0; s < syllables; s++) word += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
    words.add(word);
  }
  return [...words];
}

/**
 * Articles over 12 topics: each a few words and tags of its own (some shared
 * with the next topic), drawn among general words of Zipf-like frequency.
 * While a surge is on, most new articles also carry its word: enough of them
 * for the word to cross the common-term cutoff, and to fall back under it as
 * they are removed.
 */
class Newsroom {
  private readonly random: () => number;
  private readonly general: string[];
  private readonly topics: { words: string[]; tags: string[] }[];
  private next = 0;
  surge: string | null = null;

  constructor(
    seed: number,
    private readonly prefix = "a",
    private readonly bodies = true,
  ) {
    this.random = seeded(seed);
    this.general = vocabulary(this.random, 400, 3);
    const distinctive = vocabulary(this.random, 12 * 10, 4);
    this.topics = Array.from({ length: 12 }, (_, t) => ({
      words: [...distinctive.slice(t * 10, t * 10 + 10), ...distinctive.slice(((t + 1) % 12) * 10, ((t + 1) % 12) * 10 + 2)],
      tags: [`Topic ${t}`, `topic ${(t + 1) % 12}`, `Desk ${t % 3}`, "World"],
    }));
  }

  int(below: number): number {
    return Math.floor(this.random() * below);
  }

  pick<T>(values: readonly T[]): T {
    return values[this.int(values.length)]!;
  }

  /** A new article, or a new version of article `id` (other words, maybe another topic). */
  article(id = `${this.prefix}${this.next++}`): Article {
    const topic = this.pick(this.topics);
    const word = () =>
      this.random() < 0.35 ? this.pick(topic.words) : this.general[Math.floor(this.general.length * this.random() ** 2.5)]!;
    const words = (count: number) => Array.from({ length: count }, word);
    const surge = this.surge !== null && this.random() < 0.8 ? this.surge : null;
    const title = [...words(4 + this.int(5)), ...(surge ? [surge] : [])].join(" ");
    const tags = topic.tags.filter(() => this.random() < 0.5).map((tag) => (this.random() < 0.5 ? tag.toUpperCase() : tag));
    const day = this.int(60);
    return {
      id,
      sourceId: `s${this.int(5)}`,
      guid: null,
      title: title.charAt(0).toUpperCase() + title.slice(1),
      summary: this.random() < 0.9 ? `${words(12).join(" ")}.` : null,
      rawBodyHtml: this.bodies && this.random() < 0.85 ? `<p>${words(30).join(" ")}</p><p>${words(20).join(" ")} ${surge ?? ""}</p>` : null,
      bodyBase: null,
      bodyWords: 0,
      url: `https://s.example/${id}`,
      canonicalUrl: `https://s.example/${id}`,
      author: null,
      publishedAt: this.random() < 0.95 ? new Date(Date.UTC(2026, 9, 1) + day * 86_400_000 + this.int(86_400_000)) : null,
      updatedAt: null,
      image: null,
      tags,
      section: "news",
      commentCount: null,
      authors: [],
      enclosures: [],
      language: null,
    };
  }

  /** A copy of the story under another id whose title differs by a word: merging did not join them, the related block must not offer it. */
  copyOf(article: Article): Article {
    return { ...article, id: `${this.prefix}${this.next++}`, title: `${article.title} live` };
  }
}

const build = (articles: readonly CatalogArticle[]) => runToEnd(RelatedIndex.build(articles));

/**
 * The related stories of an article by the definition, scoring every other
 * article in full (no inverted lists, no bounds): what the index's shortcuts
 * must never change.
 */
function scoringInFull(articles: readonly Article[]): (id: string, first: number) => { id: string; score: number }[] {
  const documentCounts = new Map<string, number>();
  const kept = new Map<string, Map<string, number>>();
  for (const article of articles) {
    const counts = countArticleTerms(article, new Map());
    for (const term of counts.keys()) documentCounts.set(term, (documentCounts.get(term) ?? 0) + 1);
    const terms: string[] = [];
    const weights: number[] = [];
    const count = strongestTerms(counts, TERMS_PER_ARTICLE, terms, weights);
    kept.set(article.id, new Map(terms.slice(0, count).map((term, k) => [term, WEIGHTS[weightCode(weights[k]!)]!])));
  }
  const total = articles.length;
  const cutoff = Math.max(total * COMMON_TERM_SHARE, Math.min(total * 0.5, COMMON_TERM_MIN_ARTICLES));
  const vectors = new Map<string, { weights: Map<string, number>; norm: number }>();
  for (const [id, terms] of kept) {
    const weights = new Map<string, number>();
    for (const [term, weight] of terms) {
      const count = documentCounts.get(term)!;
      if (count >= 2 && count <= cutoff) weights.set(term, weight * Math.log(total / count));
    }
    vectors.set(id, { weights, norm: Math.sqrt([...weights.values()].reduce((sum, w) => sum + w * w, 0)) });
  }
  return (id, first) => {
    const asked = articles.find((a) => a.id === id)!;
    const mine = vectors.get(id)!;
    const scored: { id: string; score: number; title: string }[] = [];
    for (const other of articles) {
      if (other.id === id) continue;
      const theirs = vectors.get(other.id)!;
      let dot = 0;
      for (const [term, weight] of mine.weights) dot += weight * (theirs.weights.get(term) ?? 0);
      if (dot === 0) continue;
      const cosine = dot / (mine.norm * theirs.norm);
      if (cosine < MIN_SIMILARITY) continue;
      const otherTags = other.tags.map((t) => t.toLowerCase());
      const sharedTags = asked.tags.filter((t) => otherTags.includes(t.toLowerCase())).length;
      const days = Math.abs((asked.publishedAt?.getTime() ?? Number.NaN) - (other.publishedAt?.getTime() ?? Number.NaN)) / 86_400_000;
      const recency = days >= 0 ? RECENCY_BOOST * 0.5 ** (days / RECENCY_HALF_LIFE_DAYS) : 0;
      const score = Math.round((cosine + SHARED_TAG_BOOST * Math.min(sharedTags, 4) + recency) * 1000) / 1000;
      scored.push({ id: other.id, score, title: other.title });
    }
    scored.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
    const sameStory = sameStoryAs(asked.title);
    return scored
      .slice(0, first + SAME_STORY_SLACK)
      .filter((match) => !sameStory(match.title))
      .slice(0, first)
      .map((match) => ({ id: match.id, score: match.score }));
  };
}

/** A lookup as plain values: what must agree between two indexes. */
const plain = (matches: readonly RelatedMatch[]) => matches.map(({ article, score, reason }) => ({ id: article.id, score, reason }));

function expectSameAnswers(updated: RelatedIndex, fresh: RelatedIndex, ids: readonly string[]): number {
  let matched = 0;
  for (const id of ids) {
    for (const first of [5, 20]) {
      const got = plain(updated.relatedTo(id, first));
      const want = plain(fresh.relatedTo(id, first));
      expect(
        got.map((m) => m.id),
        `${id}, first ${first}`,
      ).toEqual(want.map((m) => m.id));
      expect(
        got.map((m) => m.reason),
        `${id}, first ${first}`,
      ).toEqual(want.map((m) => m.reason));
      for (let k = 0; k < got.length; k++)
        expect(Math.abs(got[k]!.score - want[k]!.score)).toBeLessThanOrEqual(1e-9 * Math.abs(want[k]!.score));
      matched += got.length;
    }
  }
  return matched;
}

describe("the related index changed in place", () => {
  it("answers exactly as an index built from scratch over the same articles, after every batch of changes", () => {
    const room = new Newsroom(7);
    const random = seeded(11);
    const live = new Map<string, Article>();
    for (let n = 0; n < 900; n++) {
      const article = room.article();
      live.set(article.id, article);
    }
    const index = build([...live.values()]);
    const surgeCounts: number[] = [];
    let matched = 0;
    // Batches: a surge builds up past the cutoff, then its stories go; the catalog grows past 1000
    // (where the cutoff changes rule) and shrinks back; stories are replaced under their own ids, and
    // ids removed come back.
    const plan = [
      { add: 150, remove: 40, replace: 20, surge: null },
      { add: 400, remove: 30, replace: 30, surge: "heatwave" },
      { add: 400, remove: 60, replace: 10, surge: "heatwave" },
      { add: 50, remove: 20, replace: 40, surge: null },
      { add: 30, remove: 500, replace: 20, surge: "blackout" },
      { add: 10, remove: 400, replace: 5, surge: null },
      { add: 600, remove: 10, replace: 60, surge: "ceasefire" },
      { add: 0, remove: 300, replace: 0, surge: null },
      { add: 200, remove: 200, replace: 100, surge: null },
      { add: 1, remove: 1, replace: 1, surge: null },
    ];
    const gone: Article[] = [];
    for (const step of plan) {
      room.surge = step.surge;
      const ids = [...live.keys()];
      const removed: Article[] = [];
      const added: Article[] = [];
      // Removed first at random, and the surge's stories more often, so that the surge falls back.
      for (let r = 0; r < step.remove && ids.length > 0; r++) {
        const at = room.int(ids.length);
        let id = ids[at]!;
        const surged = ids.find((candidate) => SURGE_WORDS.some((word) => live.get(candidate)!.title.endsWith(word)));
        if (surged && random() < 0.7) id = surged;
        ids.splice(ids.indexOf(id), 1);
        removed.push(live.get(id)!);
        gone.push(live.get(id)!);
        live.delete(id);
      }
      for (let r = 0; r < step.replace && ids.length > 0; r++) {
        const id = ids.splice(room.int(ids.length), 1)[0]!;
        removed.push(live.get(id)!);
        const renewed = room.article(id);
        added.push(renewed);
        live.set(id, renewed);
      }
      for (let a = 0; a < step.add; a++) {
        // Some stories come back (an old id, new content), some are copies of a story under another id.
        const old = gone.length > 0 && random() < 0.05 ? gone.splice(room.int(gone.length), 1)[0]! : null;
        const article =
          old && !live.has(old.id)
            ? room.article(old.id)
            : live.size > 0 && random() < 0.03
              ? room.copyOf(room.pick([...live.values()]))
              : room.article();
        added.push(article);
        live.set(article.id, article);
      }
      index.update({ removed, added });
      const current = [...live.values()];
      surgeCounts.push(Math.max(...SURGE_WORDS.map((word) => current.filter((a) => a.title.endsWith(word)).length)));
      expect(index.size).toBe(current.length);
      // From scratch, in another order: the order articles come in changes nothing either.
      const fresh = build([...current].reverse());
      const sample = Array.from({ length: 200 }, () => room.pick(current).id);
      matched += expectSameAnswers(index, fresh, sample);
    }
    // The changes met what they were meant to: a term past the cutoff then back under it, and answers to compare.
    expect(Math.max(...surgeCounts)).toBeGreaterThan(COMMON_TERM_MIN_ARTICLES);
    expect(surgeCounts.at(-1)).toBeLessThan(COMMON_TERM_MIN_ARTICLES / 2);
    expect(matched).toBeGreaterThan(10 * 200 * 10);
  });

  it("finds what scoring every article in full finds: its shortcuts (lists, bounds, cutoff) lose no match", () => {
    const room = new Newsroom(13);
    const articles = Array.from({ length: 500 }, () => room.article());
    room.surge = "blackout";
    articles.push(...Array.from({ length: 300 }, () => room.article()));
    const index = build(articles);
    const inFull = scoringInFull(articles);
    let compared = 0;
    for (const article of articles.filter((_, n) => n % 4 === 0)) {
      for (const first of [5, 20]) {
        const got = index.relatedTo(article.id, first).map(({ article, score }) => ({ id: article.id, score }));
        const want = inFull(article.id, first);
        expect(
          got.map((m) => m.id),
          article.id,
        ).toEqual(want.map((m) => m.id));
        for (let k = 0; k < got.length; k++) expect(got[k]!.score).toBeCloseTo(want[k]!.score, 9);
        compared += got.length;
      }
    }
    expect(compared).toBeGreaterThan(200 * 20);
  });

  it("keeps an answer given before a change as it was, and answers anew after it", () => {
    const room = new Newsroom(3);
    const articles = Array.from({ length: 600 }, () => room.article());
    const index = build(articles);
    const id = articles[10]!.id;
    const before = index.relatedTo(id, 5);
    expect(before.length).toBeGreaterThan(0);
    const copy = plain(before);
    const first = before[0]!.article;
    const renewed = room.article(articles[20]!.id);
    const added = [renewed, room.article(), room.article()];
    index.update({ removed: [first, articles[20]!], added }, 8);
    expect(index.version).toBe(8);
    expect(index.has(first.id)).toBe(false);
    expect(plain(before)).toEqual(copy);
    expect(Object.isFrozen(before[0])).toBe(true);
    const after = index.relatedTo(id, 5);
    expect(after).not.toBe(before);
    expect(after.map((m) => m.article.id)).not.toContain(first.id);
    const current = [...articles.filter((a) => a !== first && a !== articles[20]), ...added];
    expectSameAnswers(index, build(current), [id]);
  });

  it("takes an id removed and added in one change as the new article", () => {
    const room = new Newsroom(5);
    const articles = Array.from({ length: 300 }, () => room.article());
    const index = build(articles);
    const renewed = room.article(articles[0]!.id);
    index.update({ removed: [articles[0]!], added: [renewed] });
    expect(index.size).toBe(300);
    const matches = index.relatedTo(articles[1]!.id, 20).map((m) => m.article);
    expect(matches).not.toContain(articles[0]);
    expectSameAnswers(
      index,
      build([renewed, ...articles.slice(1)]),
      articles.slice(0, 50).map((a) => a.id),
    );
    // Removing what it does not hold changes nothing.
    index.update({ removed: [room.article()], added: [] });
    expect(index.size).toBe(300);
  });

  it("never offers a copy of the same story as related", () => {
    const room = new Newsroom(9);
    const articles = Array.from({ length: 400 }, () => room.article());
    const index = build(articles);
    const copy = room.copyOf(articles[4]!);
    index.update({ removed: [], added: [copy] });
    expect(index.relatedTo(articles[4]!.id, 20).map((m) => m.article.id)).not.toContain(copy.id);
  });
});

describe("the cost of a change", () => {
  /** Postings written, moved or copied by the same five changes of 10 stories in and 10 out, on a catalog of `size`. */
  function costOnCatalogOf(size: number): number {
    const filler = new Newsroom(21, "f", false);
    const changes = new Newsroom(22, "c");
    const leaving = Array.from({ length: 50 }, () => changes.article());
    const articles = [...leaving, ...Array.from({ length: size - leaving.length }, () => filler.article())];
    const index = build(articles);
    const before = index.postingsTouched;
    for (let batch = 0; batch < 5; batch++) {
      index.update({ removed: leaving.slice(batch * 10, batch * 10 + 10), added: Array.from({ length: 10 }, () => changes.article()) });
    }
    expect(index.size).toBe(size);
    return index.postingsTouched - before;
  }

  it("follows the change, not the catalog: the same changes touch about as many postings at 1,000 articles as at 100,000", () => {
    const small = costOnCatalogOf(1_000);
    const large = costOnCatalogOf(100_000);
    // 100 articles in or out, at most 24 postings each, a move per removal, and lists growing or shrinking by halves.
    expect(small).toBeGreaterThan(0);
    expect(large).toBeLessThan(2 * small);
    expect(large).toBeLessThan(100 * 24 * 4);
  }, 60_000);
});
