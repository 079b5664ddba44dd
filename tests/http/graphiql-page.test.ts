import { describe, expect, it, vi } from "vitest";

vi.mock("@graphql-yoga/render-graphiql", async (original) => {
  const real = await original<typeof import("@graphql-yoga/render-graphiql")>();
  return { ...real, renderGraphiQL: vi.fn(real.renderGraphiQL) };
});

const { renderGraphiQL } = await import("@graphql-yoga/render-graphiql");
const { createGraphiqlRenderer } = await import("../../src/http/graphiql-page.ts");

describe("GraphiQL's page", () => {
  it("is rendered once per set of options, not on every load", () => {
    const render = createGraphiqlRenderer();
    const first = render({ title: "Newsgate GraphiQL", defaultQuery: "{ sections { name } }" });
    const again = render({ title: "Newsgate GraphiQL", defaultQuery: "{ sections { name } }" });
    const other = render({ title: "Other", defaultQuery: "{ sections { name } }" });
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    expect(other).toContain("Other");
    expect(vi.mocked(renderGraphiQL)).toHaveBeenCalledTimes(2);
  });
});
