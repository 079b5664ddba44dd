/**
 * The request stream of the traffic scenario (9, `mixed-traffic.ts`): what a
 * news site's readers ask, drawn once from a seeded generator so that every
 * run sends the same requests in the same order. Seven requests in ten are
 * article pages, the article drawn by a Zipf law over every article of the
 * catalog (a hot head, a long tail); two are section fronts, over the
 * configured sections alike; one is a search for a word of the catalog's
 * titles, drawn by a Zipf law over those words, commonest first. The
 * article ranks are a seeded shuffle of the catalog's ids: popularity owes
 * nothing to date or source.
 */
import { createRandom } from "./synthetic-text.ts";

/** An article page: the story with its body, image, byline, sources, and a block of 5 related stories. */
export const ARTICLE_PAGE_QUERY =
  "query ArticlePage($id: ID!) { article(id: $id) { id title summary contentHtml url publishedAt updatedAt readingTimeMinutes author tags image { url alt width height } section { slug name } sources { name } related(first: 5) { score reason article { id title url publishedAt image { url } } } } }";
/** A section front: its 20 newest stories as teasers. */
export const SECTION_FRONT_QUERY =
  "query SectionFront($section: String!) { articles(section: $section, first: 20) { edges { node { id title summary url publishedAt image { url alt } section { name } } } } }";
/** A search results page: 10 hits by relevance, with their snippets. */
export const SEARCH_QUERY =
  "query Search($query: String!) { articles(query: $query, first: 10) { totalCount edges { snippet node { id title url publishedAt section { name } } } } }";

export type RequestKind = "article" | "section" | "search";

/** Shares of the stream by kind (they add up to 1), in the order a draw tests them. */
export const TRAFFIC_MIX: readonly { kind: RequestKind; share: number }[] = [
  { kind: "article", share: 0.7 },
  { kind: "section", share: 0.2 },
  { kind: "search", share: 0.1 },
];

/** Zipf exponent of article popularity and of search words (s = 1: the k-th is asked 1/k as often as the first). */
export const TRAFFIC_ZIPF_EXPONENT = 1;

/** Title words shorter than this are left out of the search vocabulary (the short words are everywhere). */
export const MIN_QUERY_WORD_LENGTH = 4;

/** Draws ranks from 0 to n − 1, rank r with probability ∝ 1 / (r + 1)^exponent. */
export function zipfSampler(n: number, exponent: number, random: () => number): () => number {
  if (n < 1) throw new Error("a Zipf law needs at least one rank");
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let rank = 0; rank < n; rank++) cumulative[rank] = total += 1 / (rank + 1) ** exponent;
  return () => {
    const target = random() * total;
    // The first rank whose cumulative weight passes the target.
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle]! > target) high = middle;
      else low = middle + 1;
    }
    return low;
  };
}

/** A copy of `values` in a seeded random order (Fisher–Yates). */
export function shuffled<T>(values: readonly T[], random: () => number): T[] {
  const copy = [...values];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/** The words of the titles, lower-cased, commonest first (ties in alphabetical order), short words left out. */
export function titleVocabulary(titles: readonly string[], minLength = MIN_QUERY_WORD_LENGTH): string[] {
  const counts = new Map<string, number>();
  for (const title of titles) {
    for (const word of title.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
      if (word.length >= minLength) counts.set(word, (counts.get(word) ?? 0) + 1);
    }
  }
  return [...counts].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0)).map(([word]) => word);
}

export interface TrafficCatalog {
  /** Every article id the gateway lists. */
  articleIds: readonly string[];
  /** The configured sections' slugs. */
  sections: readonly string[];
  /** Search words, commonest first (see `titleVocabulary`). */
  vocabulary: readonly string[];
}

export interface TrafficStream {
  /** POST bodies in the order they are sent; equal requests share one string. */
  bodies: string[];
  /** The kind of each body. */
  kinds: RequestKind[];
  counts: Record<RequestKind, number>;
  /** Distinct bodies. */
  distinct: number;
}

/** `count` requests drawn from `catalog` with `seed`: the same arguments give the same stream. */
export function trafficStream(catalog: TrafficCatalog, count: number, seed: number): TrafficStream {
  const { articleIds, sections, vocabulary } = catalog;
  if (articleIds.length === 0 || sections.length === 0 || vocabulary.length === 0)
    throw new Error(
      `a traffic stream needs articles, sections and search words (got ${articleIds.length}, ${sections.length}, ${vocabulary.length})`,
    );
  const random = createRandom(seed);
  const byPopularity = shuffled(articleIds, random);
  const articleRank = zipfSampler(byPopularity.length, TRAFFIC_ZIPF_EXPONENT, random);
  const wordRank = zipfSampler(vocabulary.length, TRAFFIC_ZIPF_EXPONENT, random);
  const made = new Map<string, string>();
  const body = (kind: RequestKind, value: string): string => {
    const key = `${kind}\n${value}`;
    let text = made.get(key);
    if (text === undefined) {
      text = JSON.stringify(
        kind === "article"
          ? { query: ARTICLE_PAGE_QUERY, variables: { id: value } }
          : kind === "section"
            ? { query: SECTION_FRONT_QUERY, variables: { section: value } }
            : { query: SEARCH_QUERY, variables: { query: value } },
      );
      made.set(key, text);
    }
    return text;
  };
  const bodies: string[] = [];
  const kinds: RequestKind[] = [];
  const counts: Record<RequestKind, number> = { article: 0, section: 0, search: 0 };
  for (let n = 0; n < count; n++) {
    const kind = drawKind(random());
    const value =
      kind === "article"
        ? byPopularity[articleRank()]!
        : kind === "section"
          ? sections[Math.floor(random() * sections.length)]!
          : vocabulary[wordRank()]!;
    bodies.push(body(kind, value));
    kinds.push(kind);
    counts[kind]++;
  }
  return { bodies, kinds, counts, distinct: made.size };
}

function drawKind(u: number): RequestKind {
  let bound = 0;
  for (const { kind, share } of TRAFFIC_MIX) {
    bound += share;
    if (u < bound) return kind;
  }
  return TRAFFIC_MIX[TRAFFIC_MIX.length - 1]!.kind;
}

/**
 * The share of `sequence[from..to)` an edge cache that keeps an answer on its
 * second miss, and never evicts, would answer: a request is a hit once its
 * body was asked twice before (counted from the start of the sequence). A
 * yardstick for the real cache's hit ratio, not a bound: concurrent requests
 * are answered out of order, and those in flight when a run stops are drawn
 * but never counted.
 */
export function keepOnSecondMissIdeal(sequence: (index: number) => string, from: number, to: number): number {
  if (to <= from) return Number.NaN;
  const seen = new Map<string, number>();
  let hits = 0;
  for (let i = 0; i < to; i++) {
    const body = sequence(i);
    const before = seen.get(body) ?? 0;
    if (i >= from && before >= 2) hits++;
    seen.set(body, before + 1);
  }
  return hits / (to - from);
}

/**
 * Why an answer is not a clean GraphQL result, or null when it is: status
 * 200, a body that opens with a non-null `data` whose first field is not null,
 * and no `errors` member. Checked on the text, so the load generator stays
 * cheap; an answer laid out otherwise (errors first, say) fails the check
 * rather than passing it.
 */
export function answerProblem(status: number, body: string): string | null {
  if (status !== 200) return `status ${status}`;
  if (!body.startsWith('{"data":{"')) return "no data";
  // Inside a JSON string a quote is escaped, so `"errors":` can only be a member's name.
  if (body.includes('"errors":')) return "errors";
  if (/^\{"data":\{"[_A-Za-z]\w*":null[,}]/.test(body)) return "null root field";
  return null;
}

/** The edge cache's verdict header (src/http/edge-cache). */
const CACHE_STATUS_HEADER = "x-newsgate-cache";

export interface TallyCounts {
  answers: number;
  clean: number;
  /** Answers whose status was not 200. */
  non200: number;
  /** Answers the edge cache said it answered, or missed (its header; the bare server sends none). */
  edgeHits: number;
  edgeMisses: number;
  /** Characters of the answers' bodies (bytes, for the ASCII answers of the bench's catalog). */
  bodyChars: number;
}

/** Checks and counts the answers a contender gives (`record` is a load run's `onResponse`). */
export class AnswerTally {
  private readonly counts: TallyCounts = { answers: 0, clean: 0, non200: 0, edgeHits: 0, edgeMisses: 0, bodyChars: 0 };
  /** The first unclean answer, cut short, for the report. */
  firstProblem: string | null = null;

  readonly record = (status: number, body: string, headers: Record<string, string | string[]>): void => {
    const counts = this.counts;
    counts.answers++;
    counts.bodyChars += body.length;
    if (status !== 200) counts.non200++;
    const problem = answerProblem(status, body);
    if (problem === null) counts.clean++;
    else this.firstProblem ??= `${problem}: ${body.slice(0, 200)}`;
    const cache = headers[CACHE_STATUS_HEADER];
    if (cache === "hit") counts.edgeHits++;
    else if (cache === "miss") counts.edgeMisses++;
  };

  snapshot(): TallyCounts {
    return { ...this.counts };
  }
}

/** What a tally counted between two snapshots. */
export function tallySince(now: TallyCounts, before: TallyCounts): TallyCounts {
  return {
    answers: now.answers - before.answers,
    clean: now.clean - before.clean,
    non200: now.non200 - before.non200,
    edgeHits: now.edgeHits - before.edgeHits,
    edgeMisses: now.edgeMisses - before.edgeMisses,
    bodyChars: now.bodyChars - before.bodyChars,
  };
}
