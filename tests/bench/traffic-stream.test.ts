import { describe, expect, it } from "vitest";
import {
  AnswerTally,
  answerProblem,
  keepOnSecondMissIdeal,
  shuffled,
  titleVocabulary,
  trafficStream,
  zipfSampler,
} from "../../bench/traffic-stream.ts";
import { createRandom } from "../../bench/synthetic-text.ts";

const catalog = {
  articleIds: Array.from({ length: 1000 }, (_, i) => `A${i}`),
  sections: ["technology", "startups", "science", "business"],
  vocabulary: ["grain", "harbour", "ledger", "orbit", "vessel"],
};

describe("the traffic scenario's request stream", () => {
  it("is the same for the same seed, and another for another seed", () => {
    const a = trafficStream(catalog, 2000, 7);
    expect(trafficStream(catalog, 2000, 7).bodies).toEqual(a.bodies);
    expect(trafficStream(catalog, 2000, 8).bodies).not.toEqual(a.bodies);
  });

  it("mixes article pages, section fronts and searches 70/20/10, each a valid POST body of its kind", () => {
    const { bodies, kinds, counts } = trafficStream(catalog, 20_000, 1);
    const [ids, sections, words] = [catalog.articleIds, catalog.sections, catalog.vocabulary].map((values) => new Set(values));
    expect(counts.article + counts.section + counts.search).toBe(20_000);
    expect(counts.article / 20_000).toBeCloseTo(0.7, 1);
    expect(counts.section / 20_000).toBeCloseTo(0.2, 1);
    expect(counts.search / 20_000).toBeCloseTo(0.1, 1);
    for (const [i, body] of bodies.entries()) {
      const { query, variables } = JSON.parse(body) as { query: string; variables: Record<string, string> };
      if (kinds[i] === "article") {
        expect(query).toContain("related(first: 5)");
        expect(ids!.has(variables.id!)).toBe(true);
      } else if (kinds[i] === "section") {
        expect(query).toContain("articles(section: $section, first: 20)");
        expect(sections!.has(variables.section!)).toBe(true);
      } else {
        expect(words!.has(variables.query!)).toBe(true);
      }
    }
  });

  it("asks a hot head of articles often and reaches far into the tail", () => {
    const { bodies, kinds } = trafficStream(catalog, 50_000, 3);
    const asked = new Map<string, number>();
    for (const [i, body] of bodies.entries()) if (kinds[i] === "article") asked.set(body, (asked.get(body) ?? 0) + 1);
    const byCount = [...asked.values()].sort((a, b) => b - a);
    const total = byCount.reduce((a, b) => a + b, 0);
    // Zipf s = 1 over 1000: the first takes 1/H(1000) ≈ 13 %, the first 10 about 39 %; most articles are asked at least once.
    expect(byCount[0]! / total).toBeGreaterThan(0.1);
    expect(byCount.slice(0, 10).reduce((a, b) => a + b, 0) / total).toBeGreaterThan(0.33);
    expect(asked.size).toBeGreaterThan(800);
    // Equal requests share one string, so the stream holds each distinct body once.
    expect(new Set(bodies).size).toBe(trafficStream(catalog, 50_000, 3).distinct);
  });

  it("refuses a catalog without articles, sections or search words", () => {
    expect(() => trafficStream({ ...catalog, sections: [] }, 10, 1)).toThrow(/sections/);
  });
});

describe("the Zipf sampler", () => {
  it("draws rank r about 1/(r + 1) as often as rank 0, never outside the ranks", () => {
    const draw = zipfSampler(50, 1, createRandom(11));
    const counts = new Array<number>(50).fill(0);
    for (let i = 0; i < 200_000; i++) counts[draw()]!++;
    expect(counts.every((c) => c > 0)).toBe(true);
    expect(counts[0]! / counts[1]!).toBeCloseTo(2, 0);
    expect(counts[0]! / counts[9]!).toBeGreaterThan(8);
    expect(counts[0]! / counts[9]!).toBeLessThan(12);
  });

  it("shuffles a copy, keeping every value", () => {
    const values = Array.from({ length: 100 }, (_, i) => i);
    const order = shuffled(values, createRandom(5));
    expect(order).not.toEqual(values);
    expect([...order].sort((a, b) => a - b)).toEqual(values);
    expect(values[0]).toBe(0);
  });
});

describe("the search vocabulary", () => {
  it("takes the titles' words, lower-cased, commonest first, without short words", () => {
    expect(titleVocabulary(["Orbit of the Vessel", "The vessel's ledger", "Ledger, orbit; vessel!", "An ox"])).toEqual([
      "vessel",
      "ledger",
      "orbit",
    ]);
  });
});

describe("the answer check", () => {
  it("passes a 200 with data and fails any other answer", () => {
    expect(answerProblem(200, '{"data":{"article":{"id":"A1","title":"\\"errors\\": none"}}}')).toBeNull();
    expect(answerProblem(500, '{"data":{"article":null}}')).toBe("status 500");
    expect(answerProblem(200, '{"errors":[{"message":"x"}],"data":null}')).toBe("no data");
    expect(answerProblem(200, '{"data":{"articles":{"edges":[]}},"errors":[{"message":"x"}]}')).toBe("errors");
    expect(answerProblem(200, '{"data":{"article":null}}')).toBe("null root field");
    expect(answerProblem(200, "not json")).toBe("no data");
  });

  it("tallies answers, their problems and the edge cache's verdicts", () => {
    const tally = new AnswerTally();
    tally.record(200, '{"data":{"a":1}}', { "x-newsgate-cache": "hit" });
    tally.record(200, '{"data":{"a":1}}', { "x-newsgate-cache": "miss" });
    tally.record(503, "busy", {});
    expect(tally.snapshot()).toMatchObject({ answers: 3, clean: 2, non200: 1, edgeHits: 1, edgeMisses: 1 });
    expect(tally.firstProblem).toBe("status 503: busy");
  });
});

describe("the hit ratio an ideal keep-on-second-miss cache would reach", () => {
  it("counts a request as a hit once its body was asked twice before, over the window only", () => {
    const sequence = ["a", "a", "a", "b", "a", "b", "b", "c"];
    // Window [2, 8): a (2 before: hit), b (0), a (hit), b (1), b (2: hit), c (0).
    expect(keepOnSecondMissIdeal((i) => sequence[i]!, 2, 8)).toBeCloseTo(3 / 6);
    expect(keepOnSecondMissIdeal((i) => sequence[i]!, 0, 3)).toBeCloseTo(1 / 3);
  });
});
