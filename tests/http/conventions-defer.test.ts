import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSourcesFile } from "../../src/config/sources-file.ts";
import { createGateway } from "../../src/create-gateway.ts";
import { listen } from "../../src/http/server/server.ts";

/** The bundled demo set: its labelled topic clusters give every story related articles. */
const DEMO = fileURLToPath(new URL("../../sources/default.json", import.meta.url));

const ARTICLE_WITH_DEFERRED_RELATED = `query ArticlePage {
  articles(first: 1, section: "technology") {
    edges {
      node {
        title
        ... @defer(label: "related") {
          related(first: 3) { score reason article { title } }
        }
      }
    }
  }
}`;

/** The parts of a `multipart/mixed` body, each parsed as JSON, in the order they came. */
function multipartParts(body: string, contentType: string): any[] {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  return body
    .split(`--${boundary}`)
    .map((part) => part.split("\r\n\r\n").slice(1).join("\r\n\r\n").trim())
    .filter((json) => json.startsWith("{"))
    .map((json) => JSON.parse(json));
}

describe("@defer and @stream", () => {
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const gateway = createGateway({ config: await loadSourcesFile(DEMO) });
    const running = await listen(gateway.app, 0, "127.0.0.1");
    url = `${running.url}/graphql`;
    close = running.close;
  });
  afterAll(() => close?.());

  it("sends the article first and its related block in a later part", async () => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "multipart/mixed" },
      body: JSON.stringify({ query: ARTICLE_WITH_DEFERRED_RELATED }),
    });
    expect(response.status).toBe(200);
    const contentType = response.headers.get("content-type") ?? "";
    expect(contentType).toMatch(/^multipart\/mixed/);
    const parts = multipartParts(await response.text(), contentType);
    expect(parts.length).toBeGreaterThanOrEqual(2);

    const [first, ...later] = parts;
    const node = first.data.articles.edges[0].node;
    expect(node.title).toEqual(expect.any(String));
    expect(node).not.toHaveProperty("related");
    expect(first.hasNext).toBe(true);

    const deferred = later.flatMap((part) => part.incremental ?? []).find((item: any) => item.label === "related");
    expect(deferred.path).toEqual(["articles", "edges", 0, "node"]);
    expect(deferred.data.related.length).toBeGreaterThan(0);
    expect(deferred.data.related[0].article.title).toEqual(expect.any(String));
    expect(later.at(-1).hasNext).toBe(false);
  });

  it("streams a list with @stream, the first items at once", async () => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "multipart/mixed" },
      body: JSON.stringify({
        query: "{ sections { slug } articles(first: 1) { edges { node { related(first: 3) @stream(initialCount: 1) { score } } } } }",
      }),
    });
    const parts = multipartParts(await response.text(), response.headers.get("content-type") ?? "");
    expect(parts[0].data.articles.edges[0].node.related).toHaveLength(1);
    const streamed = parts
      .slice(1)
      .flatMap((part) => part.incremental ?? [])
      .flatMap((item: any) => item.items ?? []);
    expect(streamed).toHaveLength(2);
  });

  for (const accept of ["application/json", "application/graphql-response+json"]) {
    it(`gives a client that takes only ${accept} the whole answer in one body`, async () => {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", accept },
        body: JSON.stringify({ query: ARTICLE_WITH_DEFERRED_RELATED }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")?.startsWith(accept)).toBe(true);
      const body = await response.json();
      expect(body.errors).toBeUndefined();
      expect(body.data.articles.edges[0].node.title).toEqual(expect.any(String));
      expect(body.data.articles.edges[0].node.related.length).toBeGreaterThan(0);
    });
  }

  it("does not let a cache store a streamed GET answer", async () => {
    const response = await fetch(`${url}?query=${encodeURIComponent(ARTICLE_WITH_DEFERRED_RELATED)}`, {
      headers: { accept: "multipart/mixed" },
    });
    expect(response.headers.get("content-type")).toMatch(/^multipart\/mixed/);
    await response.text();
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("etag")).toBeNull();
  });
});
