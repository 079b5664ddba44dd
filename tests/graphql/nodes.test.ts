import { isObjectType } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDemoGateway } from "../helpers/app-fetch.ts";
import { schema } from "../../src/graphql/schema.ts";

describe("nodes(ids:) item by item", () => {
  let close: () => Promise<void>;
  let query: (q: string, variables?: Record<string, unknown>) => Promise<any>;

  beforeAll(async () => {
    const gateway = await openDemoGateway();
    close = gateway.close;
    query = gateway.query;
  });
  afterAll(() => close?.());

  it("answers the good ids and gives a malformed one null with a coded error at its own path", async () => {
    const { data: listed } = await query("{ articles(first: 2) { edges { node { id title } } } sections { id slug } }");
    const [first, second] = listed.articles.edges.map((e: any) => e.node);
    const section = listed.sections[0];
    const ids = [first.id, "not-an-id!", section.id, second.id];
    const { data, errors } = await query(
      `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Article { title } ... on Section { slug } } }`,
      { ids },
    );
    expect(data.nodes).toEqual([
      { id: first.id, title: first.title },
      null,
      { id: section.id, slug: section.slug },
      { id: second.id, title: second.title },
    ]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ path: ["nodes", 1], extensions: { code: "BAD_USER_INPUT" } });
  });

  it("gives a well-formed id that names nothing null without an error, as node(id:) does", async () => {
    const missing = Buffer.from("Article:no-such-article").toString("base64url");
    const { data, errors } = await query(`query($ids: [ID!]!) { nodes(ids: $ids) { id } node(id: "${missing}") { id } }`, {
      ids: [missing],
    });
    expect(errors).toBeUndefined();
    expect(data).toEqual({ nodes: [null], node: null });
  });

  it("describes every id field of every type", () => {
    const undescribed: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith("__") || !isObjectType(type)) continue;
      const id = type.getFields().id;
      if (id && !id.description) undescribed.push(type.name);
    }
    expect(undescribed).toEqual([]);
  });
});
