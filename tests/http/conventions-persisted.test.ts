import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSettings } from "../../src/config/settings.ts";
import { loadPersistedOperations, type PersistedOperations } from "../../src/http/plugins/persisted-operations.ts";
import { serveBody, startFixtureServer } from "../helpers/fixture-server.ts";
import { openGateway } from "../helpers/app-fetch.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SOURCES = fileURLToPath(new URL("../fixtures/sources.json", import.meta.url));
const wire = readFileSync(new URL("../fixtures/feeds/wire.rss", import.meta.url));
const GRAPHQL_RESPONSE = "application/graphql-response+json";

const TITLES = "query Titles { articles(first: 2) { edges { node { title } } } }";
const SECTION = "query Section($slug: String!) { section(slug: $slug) { name } }";
const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

async function writeAllowList(entries: Record<string, unknown> | unknown): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "newsgate-persisted-"));
  const file = path.join(dir, "operations.json");
  await writeFile(file, JSON.stringify(entries));
  return file;
}

describe("persisted operations: allow-list mode", () => {
  let upstream: Awaited<ReturnType<typeof startFixtureServer>>;
  let gateway: Awaited<ReturnType<typeof openGateway>>;
  let operations: PersistedOperations;
  const post = async (body: Record<string, unknown>, accept = GRAPHQL_RESPONSE) => {
    const response = await gateway.fetch(`${gateway.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  const apollo = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

  beforeAll(async () => {
    upstream = await startFixtureServer({ "/wire.rss": serveBody(wire, "application/rss+xml") });
    operations = await loadPersistedOperations(await writeAllowList({ [sha256(TITLES)]: TITLES, [sha256(SECTION)]: SECTION }));
    gateway = await openGateway(
      { sources: [{ id: "wire", name: "Wire", url: upstream.url("/wire.rss"), section: "technology" }] },
      { http: { persistedOperations: operations } },
    );
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it("runs a listed operation named by its sha256, the Apollo way, with variables", async () => {
    const titles = await post({ extensions: apollo(sha256(TITLES)) });
    expect(titles.status).toBe(200);
    expect(titles.body.data.articles.edges.length).toBe(2);
    const section = await post({ extensions: apollo(sha256(SECTION)), variables: { slug: "technology" } });
    expect(section.body).toEqual({ data: { section: { name: "Technology" } } });
  });

  it("runs a listed operation named by documentId, bare or prefixed, in a POST or a GET", async () => {
    for (const documentId of [sha256(TITLES), `sha256:${sha256(TITLES)}`]) {
      const { body } = await post({ documentId });
      expect(body.data.articles.edges.length).toBe(2);
    }
    const get = await gateway.fetch(`${gateway.url}/graphql?documentId=sha256:${sha256(TITLES)}`, {
      headers: { accept: GRAPHQL_RESPONSE },
    });
    expect(get.status).toBe(200);
    expect((await get.json()).data.articles.edges.length).toBe(2);
    // A persisted GET is as cacheable as any other.
    expect(get.headers.get("etag")).toBeTruthy();
    const apolloGet = await gateway.fetch(
      `${gateway.url}/graphql?extensions=${encodeURIComponent(JSON.stringify(apollo(sha256(TITLES))))}`,
      {
        headers: { accept: GRAPHQL_RESPONSE },
      },
    );
    expect((await apolloGet.json()).data.articles.edges.length).toBe(2);
  });

  it("refuses a document sent as text with PERSISTED_QUERY_ONLY, even a listed one", async () => {
    for (const query of ["{ sections { slug } }", TITLES]) {
      const { status, body } = await post({ query });
      expect(status).toBe(400);
      expect(body.data).toBeUndefined();
      expect(body.errors[0].extensions.code).toBe("PERSISTED_QUERY_ONLY");
      expect(body.errors[0].message).toMatch(/persisted operations only.*sha256Hash.*documentId/);
    }
    const nothing = await post({});
    expect(nothing.body.errors[0].extensions.code).toBe("PERSISTED_QUERY_ONLY");
  });

  it("answers an unknown hash with PERSISTED_QUERY_NOT_FOUND: 400 for graphql-response+json, 200 for application/json", async () => {
    const unknown = sha256("{ sources { name } }");
    const strict = await post({ extensions: apollo(unknown) });
    expect(strict.status).toBe(400);
    expect(strict.body.errors[0].extensions.code).toBe("PERSISTED_QUERY_NOT_FOUND");
    expect(strict.body.errors[0].message).toContain(unknown);
    const legacy = await post({ documentId: unknown }, "application/json");
    expect(legacy.status).toBe(200);
    expect(legacy.body.errors[0].extensions.code).toBe("PERSISTED_QUERY_NOT_FOUND");
  });

  it("serves no GraphiQL, which could only show refusals", async () => {
    const page = await gateway.fetch(`${gateway.url}/graphql`, { headers: { accept: "text/html" } });
    expect(page.headers.get("content-type") ?? "").not.toContain("text/html");
    expect(await page.text()).not.toContain("GraphiQL");
  });
});

describe("persisted operations: off by default", () => {
  it("runs any document; a bare hash names an automatic persisted query (none registered yet here)", async () => {
    const gateway = await openGateway({ sources: [] });
    try {
      const post = async (body: object) =>
        (
          await gateway.fetch(`${gateway.url}/graphql`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body),
          })
        ).json();
      expect(await post({ query: "{ sections { slug } }" })).toEqual({
        data: { sections: expect.arrayContaining([{ slug: "technology" }]) },
      });
      const hashOnly = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256(TITLES) } } });
      // Automatic persisted queries: the client is told to send the document (see tests/http/apq.test.ts).
      expect(hashOnly.errors[0]).toMatchObject({ message: "PersistedQueryNotFound", extensions: { code: "PERSISTED_QUERY_NOT_FOUND" } });
      const page = await gateway.fetch(`${gateway.url}/graphql`, { headers: { accept: "text/html" } });
      expect(page.headers.get("content-type")).toContain("text/html");
      await page.body?.cancel();
    } finally {
      await gateway.close();
    }
  });
});

describe("the allow-list file", () => {
  const cases: [string, unknown, RegExp][] = [
    [
      "a hash that is not the document's",
      { [sha256("{ a }")]: TITLES },
      /entry "[0-9a-f]{64}": is not the sha256 of its document \(that is [0-9a-f]{64}\)/,
    ],
    ["a key that is not a sha256", { "not-a-hash": TITLES }, /entry "not-a-hash": the key must be a sha256 as 64 lowercase hex digits/],
    ["a value that is not a document", { [sha256("x")]: 42 }, /the value must be the operation's GraphQL document/],
    ["a document that does not parse", { [sha256("{ oops")]: "{ oops" }, /entry "[0-9a-f]{64}": does not parse: Syntax Error/],
    ["a list", [TITLES], /must be an object of/],
    ["no entries", {}, /lists no operations/],
  ];
  for (const [name, content, message] of cases) {
    it(`is refused at start-up for ${name}, naming the file and the entry`, async () => {
      const file = await writeAllowList(content);
      await expect(loadPersistedOperations(file)).rejects.toThrow(message);
      await expect(loadPersistedOperations(file)).rejects.toThrow(file);
    });
  }

  it("is refused when a document does not validate against the served schema", async () => {
    const stale = "{ articles { edges { node { headline } } } }";
    const file = await writeAllowList({ [sha256(stale)]: stale });
    const operations = await loadPersistedOperations(file);
    await expect(openGateway({ sources: [] }, { http: { persistedOperations: operations } })).rejects.toThrow(
      new RegExp(`${file.replace(/[.\\]/g, "\\$&")}: entry "${sha256(stale)}": does not validate: Cannot query field "headline"`),
    );
  });

  it("may use @defer, which the served schema has", async () => {
    const deferred = "{ articles(first: 1) { edges { node { title ... @defer { related { score } } } } } }";
    const operations = await loadPersistedOperations(await writeAllowList({ [sha256(deferred)]: deferred }));
    const gateway = await openGateway({ sources: [] }, { http: { persistedOperations: operations } });
    await gateway.close();
  });

  it("is named by --persisted-operations or NEWSGATE_PERSISTED_OPERATIONS, the flag winning", () => {
    const env = { NEWSGATE_PERSISTED_OPERATIONS: "from-env.json" };
    expect(readSettings(["--persisted-operations", "from-flag.json"], env).persistedOperationsFile).toBe("from-flag.json");
    expect(readSettings([], env).persistedOperationsFile).toBe("from-env.json");
    expect(readSettings([], {}).persistedOperationsFile).toBeNull();
    expect(readSettings([], { NEWSGATE_PERSISTED_OPERATIONS: "" }).persistedOperationsFile).toBeNull();
    // The existing contract is unchanged.
    expect(readSettings(["--sources", "s.json", "--port", "8080", "--host", "0.0.0.0"], {})).toMatchObject({
      sourcesFile: "s.json",
      port: 8080,
      host: "0.0.0.0",
    });
  });

  it("turns the mode on for npm start, and a bad file stops it with a message naming the file and the entry", async () => {
    const run = (args: string[]) => {
      const child = spawn(
        process.execPath,
        ["--import", "tsx", "src/main.ts", "--sources", SOURCES, "--port", "0", "--host", "127.0.0.1", ...args],
        {
          cwd: ROOT,
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => (stdout += chunk));
      child.stderr.on("data", (chunk) => (stderr += chunk));
      const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
      const url = new Promise<string>((resolve, reject) => {
        child.stdout.on("data", () => {
          const match = /(http:\/\/\S+\/graphql)/.exec(stdout);
          if (match) resolve(match[1]!);
        });
        void exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)));
      });
      url.catch(() => undefined);
      return { child, exited, url, output: () => ({ stdout, stderr }) };
    };

    // Both processes start at once: each takes a second or two to load.
    const bad = await writeAllowList({ [sha256("{ a }")]: TITLES });
    const good = await writeAllowList({ [sha256(TITLES)]: TITLES });
    const failing = run(["--persisted-operations", bad]);
    const serving = run(["--persisted-operations", good]);
    try {
      expect(await failing.exited).toBe(1);
      expect(failing.output().stderr).toContain(`Invalid persisted operations file: ${bad}: entry "${sha256("{ a }")}": is not the sha256`);

      const url = await serving.url;
      const post = async (body: object) =>
        (await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })).json();
      expect((await post({ query: TITLES })).errors[0].extensions.code).toBe("PERSISTED_QUERY_ONLY");
      expect((await post({ documentId: sha256(TITLES) })).data.articles.edges).toHaveLength(2);
    } finally {
      failing.child.kill("SIGKILL");
      serving.child.kill("SIGKILL");
    }
  });
});
