import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSourcesConfig, type SourcesConfig } from "../../src/config/sources-file.ts";
import { planReload } from "../../src/store/reload/reload-plan.ts";
import { startFixtureServer, type Route } from "../helpers/fixture-server.ts";
import { openGateway } from "../helpers/app-fetch.ts";
import { TEST_SECTIONS } from "../helpers/gateway.ts";
import { rssFeed } from "../helpers/ops.ts";

const feed =
  (host: string, label: string, count = 2): Route =>
  (_req, res) =>
    void res.writeHead(200, { "content-type": "application/rss+xml" }).end(
      rssFeed(
        host,
        Array.from({ length: count }, (_, i) => `${label} story ${i}`),
      ),
    );

const config = (json: unknown): SourcesConfig => parseSourcesConfig(json, path.join("/tmp/newsgate-reload", "sources.json"));

describe("planReload", () => {
  const base = {
    sections: TEST_SECTIONS,
    sources: [
      { id: "a", name: "A", url: "https://a.example/rss", section: "technology" },
      {
        id: "b",
        name: "B",
        url: "https://b.example/api",
        section: "business",
        format: "json",
        map: { items: "results", title: "t", url: "u" },
        headers: { "x-key": "1" },
      },
    ],
  };
  const plan = (next: typeof base) => planReload(config(base), config(next));

  it("keeps a source whose name, refresh time or key order changed", () => {
    const next = structuredClone(base);
    next.sources[0]!.name = "A renamed";
    Object.assign(next.sources[0]!, { refreshSeconds: 60 });
    next.sources[1]!.map = { url: "u", title: "t", items: "results" };
    expect(plan(next)).toEqual({ added: [], removed: [], changed: [], unchanged: ["a", "b"], sectionsChanged: false });
  });

  it("reads again a source whose URL, format, map, section or headers changed", () => {
    for (const change of [
      (s: any) => (s.url = "https://b.example/v2"),
      (s: any) => (s.map.title = "headline"),
      (s: any) => (s.section = "technology"),
      (s: any) => (s.headers = { "x-key": "2" }),
      (s: any) => (s.maxBytes = 1000),
    ]) {
      const next = structuredClone(base);
      change(next.sources[1]);
      expect(plan(next).changed).toEqual(["b"]);
    }
  });

  it("counts a disabled source as removed and an enabled one as added", () => {
    const off = structuredClone(base);
    Object.assign(off.sources[0]!, { enabled: false });
    expect(plan(off)).toMatchObject({ added: [], removed: ["a"], unchanged: ["b"] });
    expect(planReload(config(off), config(base))).toMatchObject({ added: ["a"], removed: [], unchanged: ["b"] });
  });

  it("reads every source again when the sections change, since they decide where articles are filed", () => {
    const next = structuredClone(base);
    next.sections = [...TEST_SECTIONS, { slug: "sport", name: "Sport" }];
    expect(plan(next)).toEqual({ added: [], removed: [], changed: ["a", "b"], unchanged: [], sectionsChanged: true });
  });
});

describe("gateway.reload", () => {
  let upstream: Awaited<ReturnType<typeof startFixtureServer>>;
  let gateway: Awaited<ReturnType<typeof openGateway>>;
  let releaseSlow: () => void = () => undefined;
  let holdDelta = true;

  beforeAll(async () => {
    upstream = await startFixtureServer({
      "/a.rss": feed("a.example", "Alpha"),
      "/b.rss": feed("b.example", "Bravo"),
      "/c1.rss": feed("c1.example", "Charlie one"),
      "/c2.rss": feed("c2.example", "Charlie two", 3),
      // Held until the test lets it go, so requests provably run while the reload reads it.
      "/d.rss": async (req, res) => {
        if (holdDelta) await new Promise<void>((resolve) => (releaseSlow = resolve));
        feed("d.example", "Delta")(req, res);
      },
    });
    gateway = await openGateway({
      sources: [
        { id: "a", name: "Alpha", url: upstream.url("/a.rss"), section: "technology" },
        { id: "b", name: "Bravo", url: upstream.url("/b.rss"), section: "technology" },
        { id: "c", name: "Charlie", url: upstream.url("/c1.rss"), section: "science" },
      ],
    });
    await gateway.warmUp();
  });
  afterAll(async () => {
    releaseSlow();
    await gateway?.close();
    await upstream?.close();
  });

  const nextFile = (sources: unknown[], sections = TEST_SECTIONS) => config({ sections, sources });
  const QUERY = "{ sources { sourceId } sections { slug } articles(first: 50) { totalCount edges { node { title } } } }";

  it("starts added sources, stops removed ones, re-reads changed ones, keeps unchanged ones, and no request fails meanwhile", async () => {
    const aBefore = gateway.store.snapshot("a");
    const answers: { data?: any; errors?: any[] }[] = [];
    let reloading = true;
    const load = (async () => {
      while (reloading) answers.push(await gateway.query(QUERY));
    })();

    const reload = gateway.reload(
      nextFile([
        { id: "a", name: "Alpha (renamed)", url: upstream.url("/a.rss"), section: "technology" },
        { id: "c", name: "Charlie", url: upstream.url("/c2.rss"), section: "science" },
        { id: "d", name: "Delta", url: upstream.url("/d.rss"), section: "business" },
      ]),
    );
    // While the new source is being read, requests are answered from the old configuration, complete.
    while (upstream.hits("/d.rss") === 0 || answers.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    const during = answers.length;
    holdDelta = false;
    releaseSlow();
    const plan = await reload;
    reloading = false;
    await load;

    expect(plan).toEqual({ added: ["d"], removed: ["b"], changed: ["c"], unchanged: ["a"], sectionsChanged: false });
    expect(answers.every((a) => a.errors === undefined && a.data)).toBe(true);
    expect(answers[during - 1]!.data.sources.map((s: any) => s.sourceId)).toEqual(["a", "b", "c"]);

    // Unchanged: the very same snapshot, never read again.
    expect(upstream.hits("/a.rss")).toBe(1);
    expect(gateway.store.snapshot("a")).toBe(aBefore);
    expect(upstream.hits("/c2.rss")).toBe(1);
    expect(upstream.hits("/d.rss")).toBe(1);
    expect(gateway.store.snapshot("b")).toBeUndefined();

    const after = await gateway.query(QUERY);
    expect(after.errors).toBeUndefined();
    expect(after.data.sources.map((s: any) => s.sourceId)).toEqual(["a", "c", "d"]);
    const titles: string[] = after.data.articles.edges.map((e: any) => e.node.title);
    expect(titles.filter((t) => t.startsWith("Alpha"))).toHaveLength(2);
    expect(titles.filter((t) => t.startsWith("Charlie two"))).toHaveLength(3);
    expect(titles.filter((t) => t.startsWith("Delta"))).toHaveLength(2);
    expect(titles.some((t) => t.startsWith("Bravo") || t.startsWith("Charlie one"))).toBe(false);
  });

  it("rebuilds the catalog with new sections, filing every source's articles again", async () => {
    const sections = [...TEST_SECTIONS, { slug: "world", name: "World" }];
    const plan = await gateway.reload(
      nextFile(
        [
          { id: "a", name: "Alpha", url: upstream.url("/a.rss"), section: "world" },
          { id: "c", name: "Charlie", url: upstream.url("/c2.rss"), section: "science" },
          { id: "d", name: "Delta", url: upstream.url("/d.rss"), section: "business" },
        ],
        sections,
      ),
    );
    expect(plan).toMatchObject({ changed: ["a", "c", "d"], sectionsChanged: true });
    const answer = await gateway.query('{ sections { slug } section(slug: "world") { articles(first: 10) { totalCount } } }');
    expect(answer.errors).toBeUndefined();
    expect(answer.data.sections.map((s: any) => s.slug)).toContain("world");
    expect(answer.data.section.articles.totalCount).toBe(2);
  });
});
