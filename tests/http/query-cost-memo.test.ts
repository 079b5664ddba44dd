import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { schema } from "../../src/graphql/schema.ts";
import { measureQueryCost } from "../../src/http/plugins/query-cost.ts";
import { createQueryCostMemo } from "../../src/http/plugins/query-cost-memo.ts";

describe("the remembered cost", () => {
  const PAGED = parse(
    "query Page($n: Int, $r: Int, $until: DateTime) { articles(first: $n, until: $until) { edges { node { related(first: $r) { article { title } } } } } }",
  );

  it("is the measured cost for every page size sent with the same document, in any order", () => {
    const memo = createQueryCostMemo({});
    const sent = [{ n: 1, r: 1 }, { n: 100, r: 20 }, { n: 1, r: 1 }, { n: 100, r: 20 }, { n: 5 }, { n: 5, r: null }, { r: 3 }, {}];
    for (const variables of sent) {
      expect(memo(schema, PAGED, "Page", variables)).toBe(measureQueryCost(schema, PAGED, { operationName: "Page", variables }));
    }
    // A small page, then a large one: the second is not judged by the first.
    expect(memo(schema, PAGED, "Page", { n: 100, r: 20 })).toBeGreaterThan(memo(schema, PAGED, "Page", { n: 1, r: 1 }));
  });

  it("ignores variables no cost reads, so a new date costs nothing to measure again", () => {
    const memo = createQueryCostMemo({});
    const first = memo(schema, PAGED, "Page", { n: 10, until: "2030-01-01T00:00:00Z" });
    expect(memo(schema, PAGED, "Page", { n: 10, until: "2031-01-01T00:00:00Z" })).toBe(first);
  });

  it("reads variables inside an id list and keeps operations of one document apart", () => {
    const document = parse(
      "query One($a: ID!) { nodes(ids: [$a]) { id } } query Many($a: ID!, $b: ID!, $c: ID!) { nodes(ids: [$a, $b, $c]) { id } articles { edges { node { id } } } }",
    );
    const memo = createQueryCostMemo({});
    const variables = { a: "x", b: "y", c: "z" };
    for (const operationName of ["One", "Many", "One"]) {
      expect(memo(schema, document, operationName, variables)).toBe(measureQueryCost(schema, document, { operationName, variables }));
    }
    const list = parse("query ($ids: [ID!]!) { nodes(ids: $ids) { id } }");
    expect(memo(schema, list, undefined, { ids: ["a"] })).toBe(1);
    expect(memo(schema, list, undefined, { ids: ["a", "b", "c"] })).toBe(3);
  });

  it("uses the options it was made with", () => {
    const memo = createQueryCostMemo({ defaultPageSize: 2 });
    const unpaged = parse("{ articles { edges { node { title } } } }");
    expect(memo(schema, unpaged, undefined, {})).toBe(measureQueryCost(schema, unpaged, { defaultPageSize: 2 }));
  });
});
