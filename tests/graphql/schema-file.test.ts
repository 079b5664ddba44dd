import { readFileSync } from "node:fs";
import { buildSchema, getIntrospectionQuery, parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { printedSchema, SCHEMA_FILE } from "../../src/graphql/print-schema.ts";
import { openGateway } from "../helpers/app-fetch.ts";

describe("schema/schema.graphql", () => {
  it("is the SDL printed from the Pothos schema (run `npm run schema` after changing a type)", () => {
    expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(printedSchema());
  });

  it("keeps the core contract that docs/architecture.md documents", () => {
    const sdl = printedSchema();
    // The Node interface: one field, `id: ID!` (described).
    expect(sdl).toMatch(/interface Node \{\n(?: {2}"{3}[^"]*"{3}\n)? {2}id: ID!\n\}/);
    for (const line of [
      "scalar DateTime",
      "type ArticleEdge {",
      "edges: [ArticleEdge!]!",
      "pageInfo: PageInfo!",
      "totalCount: Int!",
      "readingTimeMinutes: Int!",
      "related(\n",
      "sources: [Source!]!",
      "section: Section!",
      "status: SourceStatus!",
      "sections: [Section!]!",
      "articles(",
    ]) {
      expect(sdl).toContain(line);
    }
  });

  it("prints @defer and @stream, so a pipeline validating against the file accepts what the server does", () => {
    const committed = buildSchema(readFileSync(SCHEMA_FILE, "utf8"));
    const operation = parse(`{
      articles(first: 2) { edges { node { title ... @defer(label: "more") { summary } } } }
      sections { slug latest(first: 3) @stream(initialCount: 1) { title } }
    }`);
    expect(validate(committed, operation)).toEqual([]);
  });

  it("declares the same directives, with the same arguments, as a running gateway answers by introspection", async () => {
    const gateway = await openGateway({ sources: [] });
    try {
      const response = await gateway.fetch("/graphql", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: getIntrospectionQuery() }),
      });
      const served = (
        (await response.json()) as {
          data: {
            __schema: { directives: { name: string; locations: string[]; args: { name: string; defaultValue: string | null }[] }[] };
          };
        }
      ).data.__schema.directives;
      const committed = buildSchema(readFileSync(SCHEMA_FILE, "utf8")).getDirectives();
      const shape = (directives: readonly { name: string; locations: readonly string[]; args: readonly { name: string }[] }[]) =>
        directives
          .map(
            (d) =>
              `${d.name}(${d.args
                .map((a) => a.name)
                .sort()
                .join(",")}) on ${[...d.locations].sort().join("|")}`,
          )
          .sort();
      expect(shape(committed)).toEqual(shape(served));
      expect(shape(served).some((d) => d.startsWith("defer("))).toBe(true);
    } finally {
      await gateway.close();
    }
  });
});
