import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { printedSchema, SCHEMA_FILE } from "../../src/graphql/print-schema.ts";

describe("schema/schema.graphql", () => {
  it("is the SDL printed from the Pothos schema (run `npm run schema` after changing a type)", () => {
    expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(printedSchema());
  });

  it("keeps the core contract of DESIGN.md", () => {
    const sdl = printedSchema();
    for (const line of [
      "interface Node {\n  id: ID!\n}",
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
});
