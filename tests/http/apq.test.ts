import { createHash } from "node:crypto";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { Client, fetchExchange } from "@urql/core";
import { persistedExchange } from "@urql/exchange-persisted";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayDeps } from "../../src/create-gateway.ts";
import { loadPersistedOperations } from "../../src/http/plugins/persisted-operations.ts";
import { APQ_MAX_DOCUMENT_BYTES } from "../../src/http/plugins/use-automatic-persisted-queries.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { createRedis, SharedCache } from "../../src/store/source-cache/shared-cache.ts";
import { dropKeys, REDIS_URL, rss, uniquePrefix } from "../cluster/cluster.ts";
import { serveBody, startFixtureServer } from "../helpers/fixture-server.ts";
import { openGateway } from "../helpers/app-fetch.ts";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

const ACCEPT = "application/graphql-response+json, application/json";
const TITLES = "query Titles { articles(first: 3) { edges { node { id title } } } }";
const SECTION = "query Section($slug: String!) { section(slug: $slug) { name } }";
const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
const extensions = (hash: string) => encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash } }));

type Gateway = Awaited<ReturnType<typeof openGateway>>;
interface Seen {
  method: string;
  url: string;
  body: string | null;
  status: number;
  code: string | null;
}

/** A fetch that notes each request and the first error code of its answer: what the client libraries actually sent. */
function recordingFetch(gateway: Gateway, seen: Seen[]): typeof fetch {
  return async (input, init) => {
    const request = new Request(input as RequestInfo, init);
    const body = request.method === "POST" ? await request.clone().text() : null;
    const response = await gateway.fetch(request);
    const text = await response.clone().text();
    let code: string | null = null;
    try {
      code = (JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code ?? null;
    } catch {
      code = null;
    }
    seen.push({ method: request.method, url: request.url, body, status: response.status, code });
    return response;
  };
}

function urqlClient(gateway: Gateway, seen: Seen[]) {
  // The exchange's defaults: hashes over GET within the URL limit, the document on PersistedQueryNotFound.
  return new Client({
    url: `${gateway.url}/graphql`,
    exchanges: [persistedExchange(), fetchExchange],
    fetch: recordingFetch(gateway, seen),
    requestPolicy: "network-only",
  });
}

function apolloClient(gateway: Gateway, seen: Seen[], options: { useGETForHashedQueries?: boolean } = {}) {
  const link = new PersistedQueryLink({ sha256: (query: string) => sha256(query), ...options }).concat(
    new HttpLink({ uri: `${gateway.url}/graphql`, fetch: recordingFetch(gateway, seen) }),
  );
  return new ApolloClient({ link, cache: new InMemoryCache() });
}

function sentHashOnly(seen: Seen): boolean {
  const params =
    seen.method === "GET" ? Object.fromEntries(new URL(seen.url).searchParams) : (JSON.parse(seen.body ?? "{}") as Record<string, unknown>);
  const ext = typeof params.extensions === "string" ? JSON.parse(params.extensions) : params.extensions;
  return !params.query && typeof ext?.persistedQuery?.sha256Hash === "string";
}

describe("automatic persisted queries", () => {
  let upstream: Awaited<ReturnType<typeof startFixtureServer>>;
  let gateway: Gateway;
  const sources = () => [{ id: "wire", name: "Wire", url: upstream.url("/wire.rss"), section: "technology" }];

  beforeAll(async () => {
    upstream = await startFixtureServer({ "/wire.rss": serveBody(rss("wire", 30), "application/rss+xml") });
    gateway = await openGateway({ sources: sources() });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it("urql's persistedExchange: a hash first, the document on PersistedQueryNotFound, then a second client by the hash alone", async () => {
    const seen: Seen[] = [];
    const query = "query UrqlTitles { articles(first: 2) { edges { node { title } } } }";
    const first = await urqlClient(gateway, seen).query(query, {}).toPromise();
    expect(first.error).toBeUndefined();
    expect(first.data.articles.edges).toHaveLength(2);
    // The fallback round trip: a hash-only GET refused with PERSISTED_QUERY_NOT_FOUND, then the document with its hash.
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatchObject({ method: "GET", code: "PERSISTED_QUERY_NOT_FOUND" });
    expect(sentHashOnly(seen[0]!)).toBe(true);
    expect(seen[1]).toMatchObject({ status: 200, code: null });
    expect(sentHashOnly(seen[1]!)).toBe(false);

    const again: Seen[] = [];
    const second = await urqlClient(gateway, again).query(query, {}).toPromise();
    expect(second.data).toEqual(first.data);
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ method: "GET", status: 200, code: null });
    expect(sentHashOnly(again[0]!)).toBe(true);
  });

  it("Apollo Client 4's PersistedQueryLink, POST (its default) and GET, with variables", async () => {
    const seen: Seen[] = [];
    const document = gql`
      query ApolloSection($slug: String!) {
        section(slug: $slug) {
          name
        }
      }
    `;
    const first = await apolloClient(gateway, seen).query({ query: document, variables: { slug: "technology" } });
    expect(first.data).toEqual({ section: { __typename: "Section", name: "Technology" } });
    expect(seen.map((s) => [s.method, s.code])).toEqual([
      ["POST", "PERSISTED_QUERY_NOT_FOUND"],
      ["POST", null],
    ]);
    expect(sentHashOnly(seen[0]!)).toBe(true);

    const again: Seen[] = [];
    const second = await apolloClient(gateway, again, { useGETForHashedQueries: true }).query({
      query: document,
      variables: { slug: "technology" },
    });
    expect(second.data).toEqual(first.data);
    expect(again.map((s) => [s.method, s.status, s.code])).toEqual([["GET", 200, null]]);
    expect(sentHashOnly(again[0]!)).toBe(true);
  });

  it("answers a known hash-only GET as the full-query GET: the same stored answer, ETag, Cache-Control and Vary, and 304s", async () => {
    const full = `${gateway.url}/graphql?query=${encodeURIComponent(TITLES)}`;
    const byHash = `${gateway.url}/graphql?extensions=${extensions(sha256(TITLES))}`;
    const unknown = await gateway.fetch(byHash, { headers: { accept: ACCEPT } });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).errors[0]).toMatchObject({
      message: "PersistedQueryNotFound",
      extensions: { code: "PERSISTED_QUERY_NOT_FOUND" },
    });
    // Registered by a request carrying both (what a client sends on PersistedQueryNotFound).
    const registered = await gateway.fetch(`${full}&extensions=${extensions(sha256(TITLES))}`, { headers: { accept: ACCEPT } });
    expect(registered.status).toBe(200);

    const plain = await gateway.fetch(full, { headers: { accept: ACCEPT } });
    const plainBody = await plain.text();
    const hashed = [];
    for (let i = 0; i < 3; i++) {
      const response = await gateway.fetch(byHash, { headers: { accept: ACCEPT } });
      hashed.push({ response, body: await response.text() });
    }
    for (const { response, body } of hashed) {
      expect(response.status).toBe(200);
      expect(body).toBe(plainBody);
      for (const header of ["etag", "cache-control", "vary", "content-type"])
        expect(response.headers.get(header), header).toBe(plain.headers.get(header));
    }
    expect(hashed.at(-1)!.response.headers.get("x-newsgate-cache")).toBe("hit");
    const revalidated = await gateway.fetch(byHash, { headers: { accept: ACCEPT, "if-none-match": plain.headers.get("etag")! } });
    expect(revalidated.status).toBe(304);
  });

  it("keeps no document that fails to validate or is over the size cap; a wrong hash is PERSISTED_QUERY_MISMATCH", async () => {
    const post = (body: unknown) =>
      gateway
        .fetch(`${gateway.url}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json", accept: ACCEPT },
          body: JSON.stringify(body),
        })
        .then(async (r) => ({ status: r.status, body: await r.json() }));
    const invalid = "{ noSuchField }";
    expect(
      (await post({ query: invalid, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(invalid) } } })).body.errors[0]
        .extensions.code,
    ).toBe("GRAPHQL_VALIDATION_FAILED");
    const huge = `{ sections { slug } ${"\n".repeat(APQ_MAX_DOCUMENT_BYTES)}}`;
    expect((await post({ query: huge, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(huge) } } })).status).toBe(200);
    for (const document of [invalid, huge]) {
      const lookup = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256(document) } } });
      expect(lookup.body.errors[0].extensions.code).toBe("PERSISTED_QUERY_NOT_FOUND");
    }
    const mismatch = await post({
      query: SECTION,
      variables: { slug: "technology" },
      extensions: { persistedQuery: { version: 1, sha256Hash: sha256(TITLES).replace(/^./, "0") } },
    });
    expect(mismatch.body.errors[0].extensions.code).toBe("PERSISTED_QUERY_MISMATCH");
  });

  it("in allow-list mode, registering is refused: only listed documents run", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "newsgate-apq-"));
    const file = path.join(dir, "operations.json");
    await writeFile(file, JSON.stringify({ [sha256(TITLES)]: TITLES }));
    const listed = await openGateway({ sources: sources() }, { http: { persistedOperations: await loadPersistedOperations(file) } });
    try {
      const seen: Seen[] = [];
      const result = await urqlClient(listed, seen).query(SECTION, { slug: "technology" }).toPromise();
      expect(result.data).toBeUndefined();
      // Not on the list: the allow-list's own refusal (not PersistedQueryNotFound, so the client sends no document).
      expect(seen.map((s) => s.code)).toEqual(["PERSISTED_QUERY_NOT_FOUND"]);
      // A registration sent anyway is refused as text, and registers nothing.
      const register = await listed.fetch(`${listed.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: ACCEPT },
        body: JSON.stringify({
          query: SECTION,
          variables: { slug: "technology" },
          extensions: { persistedQuery: { version: 1, sha256Hash: sha256(SECTION) } },
        }),
      });
      expect((await register.json()).errors[0].extensions.code).toBe("PERSISTED_QUERY_ONLY");
      const again = await listed.fetch(
        `${listed.url}/graphql?extensions=${extensions(sha256(SECTION))}&variables=${encodeURIComponent('{"slug":"technology"}')}`,
        { headers: { accept: ACCEPT } },
      );
      expect((await again.json()).errors[0].extensions.code).toBe("PERSISTED_QUERY_NOT_FOUND");
      const ok = await listed.fetch(`${listed.url}/graphql?extensions=${extensions(sha256(TITLES))}`, { headers: { accept: ACCEPT } });
      expect((await ok.json()).data.articles.edges).toHaveLength(3);
    } finally {
      await listed.close();
    }
  });
});

describe("automatic persisted queries across instances sharing Redis", () => {
  const prefix = uniquePrefix("apq");
  const caches: SharedCache[] = [];
  const gateways: Gateway[] = [];
  let upstream: Awaited<ReturnType<typeof startFixtureServer>>;

  beforeAll(async () => {
    upstream = await startFixtureServer({ "/wire.rss": serveBody(rss("wire", 5), "application/rss+xml") });
    for (let i = 0; i < 2; i++) {
      const sharedCache = new SharedCache({ redis: createRedis(REDIS_URL), prefix, logger: silentLogger(), random: () => 0.5 });
      caches.push(sharedCache);
      await sharedCache.connect();
      // createGateway gives the app its shared cache's Redis for APQ; passed here too, explicitly.
      const http = { automaticPersistedQueries: { shared: sharedCache } } as NonNullable<GatewayDeps["http"]>;
      gateways.push(
        await openGateway(
          { sources: [{ id: "wire", name: "Wire", url: upstream.url("/wire.rss"), section: "technology" }] },
          { sharedCache, http },
        ),
      );
    }
  });
  afterAll(async () => {
    for (const gateway of gateways) await gateway.close();
    for (const cache of caches) await cache.close();
    await upstream?.close();
    await dropKeys(prefix);
  });

  it("the second instance runs by its hash a document the first registered", async () => {
    const query = "query Shared { articles(first: 4) { edges { node { id } } } }";
    const first: Seen[] = [];
    const registered = await urqlClient(gateways[0]!, first).query(query, {}).toPromise();
    expect(registered.data.articles.edges).toHaveLength(4);
    expect(first.map((s) => s.code)).toEqual(["PERSISTED_QUERY_NOT_FOUND", null]);

    const second: Seen[] = [];
    const answered = await urqlClient(gateways[1]!, second).query(query, {}).toPromise();
    expect(answered.data).toEqual(registered.data);
    expect(second).toHaveLength(1);
    expect(second[0]).toMatchObject({ status: 200, code: null });
    expect(sentHashOnly(second[0]!)).toBe(true);
    // Kept in Redis under the cluster's prefix, with a TTL.
    const redis = new Redis(REDIS_URL);
    try {
      const hash = JSON.parse(new URL(second[0]!.url).searchParams.get("extensions")!).persistedQuery.sha256Hash;
      const ttl = await redis.pttl(`${prefix}apq:${hash}`);
      expect(ttl).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  });
});
