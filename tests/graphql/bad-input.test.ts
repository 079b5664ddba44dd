import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { serveBody, startFixtureServer } from "../helpers/fixture-server.ts";
import { openGateway } from "../helpers/app-fetch.ts";

const wire = readFileSync(new URL("../fixtures/feeds/wire.rss", import.meta.url));

describe("arguments a client got wrong", () => {
  let upstream: Awaited<ReturnType<typeof startFixtureServer>>;
  let gateway: Awaited<ReturnType<typeof openGateway>>;
  beforeAll(async () => {
    upstream = await startFixtureServer({ "/wire.rss": serveBody(wire, "application/rss+xml") });
    gateway = await openGateway({ sources: [{ id: "wire", name: "Wire", url: upstream.url("/wire.rss"), section: "technology" }] });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  const cases: [string, string, RegExp][] = [
    ["first over 100", "{ articles(first: 101) { totalCount } }", /at most 100/],
    ["negative first", "{ articles(first: -1) { totalCount } }", /whole number from 0 to 100/],
    ["both first and last", "{ articles(first: 2, last: 2) { totalCount } }", /either `first` or `last`/],
    ["a malformed cursor", '{ articles(after: "not-a-cursor!") { totalCount } }', /not a cursor this API issued/],
    [
      "a base64 cursor of something else",
      `{ articles(after: "${Buffer.from("offset:3").toString("base64")}") { totalCount } }`,
      /not a cursor/,
    ],
    ["an unknown section", '{ articles(section: "sport") { totalCount } }', /unknown section "sport"; known: technology/],
    ["an unknown source", '{ articles(source: "nope") { totalCount } }', /unknown source "nope"/],
    ["a date that does not parse", '{ articles(since: "yesterday") { totalCount } }', /not a DateTime/],
    ["a malformed language", '{ articles(language: "en_US") { totalCount } }', /not a BCP 47 language tag or prefix.*en-US/],
    ["a malformed article id", '{ article(id: "%%%") { title } }', /not an id this API issued/],
    [
      "an id of another type",
      `{ article(id: "${Buffer.from("Section:technology").toString("base64url")}") { title } }`,
      /names a Section, not an Article/,
    ],
    [
      "a related count too large",
      "{ articles(first: 1) { edges { node { related(first: 500) { score } } } } }",
      /related must be from 0 to 20/,
    ],
    ["a URL that is not http", '{ articleByUrl(url: "javascript:alert(1)") { title } }', /not an absolute http\(s\) URL/],
  ];

  for (const [name, query, message] of cases) {
    it(`answers BAD_USER_INPUT for ${name}`, async () => {
      const answer = await gateway.query(query);
      expect(answer.errors?.length).toBeGreaterThan(0);
      expect(answer.errors![0].extensions.code).toBe("BAD_USER_INPUT");
      expect(answer.errors![0].message).toMatch(message);
    });
  }

  it("answers null, not an error, for an unknown section slug and a gone article", async () => {
    const gone = Buffer.from("Article:doesnotexist").toString("base64url");
    const answer = await gateway.query(`{ section(slug: "sport") { name } article(id: "${gone}") { title } }`);
    expect(answer).toEqual({ data: { section: null, article: null } });
  });

  it("masks unexpected errors: no message, path or stack reaches the client", async () => {
    // A broken store is the only way to reach an internal error from outside.
    const original = gateway.store.catalog.bind(gateway.store);
    gateway.store.catalog = async () => {
      throw new Error("secret internals at /srv/newsgate");
    };
    try {
      const answer = await gateway.query("{ sections { slug } }");
      expect(answer.errors![0].message).toBe("Unexpected error.");
      expect(JSON.stringify(answer)).not.toMatch(/secret|srv|stack/);
    } finally {
      gateway.store.catalog = original;
    }
  });
});
