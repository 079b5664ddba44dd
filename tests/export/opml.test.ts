import { spawn } from "node:child_process";
import { copyFile, mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseStringPromise } from "xml2js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importOpml as readOpml } from "../../src/config/opml-import.ts";
import { loadSourcesFile, parseSourcesConfig } from "../../src/config/sources-file.ts";
import { createGateway } from "../../src/create-gateway.ts";
import { serveBody, startFixtureServer } from "../helpers/fixture-server.ts";
import { feedparser } from "../helpers/feedparser.ts";
import { appFetch, IN_MEMORY_ORIGIN, openGateway } from "../helpers/app-fetch.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DEMO = fileURLToPath(new URL("../../sources/default.json", import.meta.url));
const EXPORT = fileURLToPath(new URL("../fixtures/opml/reader-export.opml", import.meta.url));

/** Runs a command to its end as if typed in `typedIn` (npm's INIT_CWD); resolves with its exit code and output. */
function run(
  command: string,
  args: string[],
  cwd: string,
  typedIn = cwd,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, INIT_CWD: typedIn }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
/** What `npm run import-opml -- ARGS` runs, typed in `dir`. */
const importOpml = (args: string[], dir: string) =>
  run(process.execPath, ["--import", "tsx", "src/cli/import-opml.ts", ...args], ROOT, dir);

interface Outline {
  $: Record<string, string>;
  outline?: Outline[];
}

describe("/sources.opml", () => {
  let base: string;
  let fetch: ReturnType<typeof appFetch>;
  let close: () => Promise<void>;
  let opml: { opml: { $: Record<string, string>; head: { title: string[]; dateCreated: string[] }[]; body: { outline: Outline[] }[] } };
  let response: Response;

  beforeAll(async () => {
    const gateway = createGateway({ config: await loadSourcesFile(DEMO) });
    fetch = appFetch(gateway.app);
    base = IN_MEMORY_ORIGIN;
    close = gateway.shutdown;
    response = await fetch(`${base}/sources.opml`);
    opml = await parseStringPromise(await response.text(), { strict: true });
  });
  afterAll(() => close?.());

  it("lists every source as OPML 2.0, in a folder per section with the section as category", async () => {
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/x-opml; charset=utf-8");
    expect(response.headers.get("etag")).toMatch(/^"/);
    expect(opml.opml.$.version).toBe("2.0");
    expect(opml.opml.head[0]!.title[0]).toBe("Newsgate sources");
    expect(new Date(opml.opml.head[0]!.dateCreated[0]!).toUTCString()).toBe(opml.opml.head[0]!.dateCreated[0]);
    const config = await loadSourcesFile(DEMO);
    const folders = opml.opml.body[0]!.outline;
    expect(folders.map((f) => f.$.text)).toEqual(config.sections.map((s) => s.name));
    const feeds: Record<string, string>[] = folders.flatMap((folder) =>
      folder.outline!.map((feed) => ({ folder: folder.$.text!, ...feed.$ })),
    );
    expect(feeds.map((f) => f.text)).toEqual(
      config.sections.flatMap((s) => config.sources.filter((src) => src.section === s.slug).map((src) => src.name)),
    );
    for (const feed of feeds) {
      const source = config.sources.find((s) => s.name === feed.text)!;
      expect(feed).toMatchObject({ type: "rss", title: source.name, category: `/${source.section}` });
      expect(feed.folder).toBe(config.sections.find((s) => s.slug === source.section)!.name);
      // Bundled files are no URL a reader can reach: the reader gets our re-export of the source.
      expect(feed.xmlUrl).toBe(`${base}/feeds/all.rss?source=${source.id}`);
    }
    expect(feeds.find((f) => f.text === "Wire Tech")!.htmlUrl).toBe("https://wiretech.example/");
  });

  it("points a bundled source's xmlUrl at a feed of that source alone", async () => {
    const xmlUrl = opml.opml.body[0]!.outline[0]!.outline![0]!.$.xmlUrl!;
    const feed = await fetch(xmlUrl);
    const [parsed] = await feedparser([{ body: await feed.text(), contentType: feed.headers.get("content-type")! }]);
    const api = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: '{ articles(source: "wire-tech", first: 20) { edges { node { url } } } }' }),
    });
    const expected = ((await api.json()) as any).data.articles.edges.map((e: any) => e.node.url);
    expect(parsed!.bozo).toBe(false);
    expect(expected.length).toBeGreaterThan(0);
    expect(parsed!.entries.map((e) => e.link)).toEqual(expected);
  });

  it("gives a source read over http our re-export too, never its upstream URL (it may carry a key)", async () => {
    const upstream = await startFixtureServer({
      "/wire.rss": serveBody(await readFile(new URL("../fixtures/feeds/wire.rss", import.meta.url)), "application/rss+xml"),
    });
    const gateway = await openGateway({
      sources: [{ id: "wire", name: "Wire & Co", url: `${upstream.url("/wire.rss")}?api-key=k3y`, section: "technology" }],
    });
    try {
      const text = await (await gateway.fetch("/sources.opml")).text();
      expect(text).toContain(`xmlUrl="${gateway.url}/feeds/all.rss?source=wire"`);
      expect(text).not.toContain("/wire.rss");
      expect(text).not.toContain("k3y");
      expect(text).toContain('text="Wire &amp; Co"');
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});

describe("npm run import-opml", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "newsgate-opml-"));
    await copyFile(EXPORT, path.join(dir, "subscriptions.opml"));
  });

  it("turns a reader's export into a sources file the gateway accepts, paths taken from where it was typed", async () => {
    const result = await run(
      "npm",
      ["--prefix", ROOT, "run", "--silent", "import-opml", "--", "subscriptions.opml", "--out", "sources.json", "--section", "news"],
      dir,
    );
    expect(result.stderr).toContain("Wrote 9 sources in 4 sections to");
    expect(result.code).toBe(0);
    const config = await loadSourcesFile(path.join(dir, "sources.json"));
    expect(config.sections).toEqual([
      { slug: "tech-and-science", name: "Tech & Science" },
      { slug: "tech-and-science-ai", name: "Tech & Science / AI" },
      { slug: "economie", name: "Économie" },
      { slug: "news", name: "News" },
    ]);
    const byName = new Map(config.sources.map((s) => [s.name, s]));
    expect(byName.get("Ars Technica")).toMatchObject({
      id: "ars-technica",
      url: "https://feeds.arstechnica.com/arstechnica/index",
      section: "tech-and-science",
    });
    // Nested folders, lower-case attribute names, typographic apostrophes.
    expect(byName.get("Import AI")).toMatchObject({ url: "https://importai.substack.com/feed", section: "tech-and-science-ai" });
    expect(byName.get("Simon Willison’s Weblog")!.id).toBe("simon-willisons-weblog");
    expect(byName.get("Les Échos – Économie")).toMatchObject({ id: "les-echos-economie", section: "economie" });
    // Outside any folder: its category names the section, else --section.
    expect(byName.get("JSON Feed example")!.section).toBe("tech-and-science");
    expect(byName.get("Hacker News: Front Page")!.section).toBe("news");
    expect(config.sources.filter((s) => s.url === "https://feeds.arstechnica.com/arstechnica/index")).toHaveLength(1);
    expect(result.stderr).toContain('skipped "Ars Technica (again)": https://feeds.arstechnica.com/arstechnica/index is listed already');
    expect(result.stderr).toContain('skipped "Local recording": xmlUrl "file:///home/dana/podcasts/feed.xml" is not http(s)');
  });

  it("reads the gateway's own /sources.opml back into the same sections and sources", async () => {
    const gateway = createGateway({ config: await loadSourcesFile(DEMO) });
    let text: string;
    try {
      text = await (await appFetch(gateway.app)("/sources.opml")).text();
    } finally {
      await gateway.shutdown();
    }
    const { file, skipped } = await readOpml(text);
    expect(skipped).toEqual([]);
    const demo = await loadSourcesFile(DEMO);
    const config = parseSourcesConfig(file, path.join(dir, "sources.json"));
    expect(config.sections.map((s) => s.name)).toEqual(demo.sections.map((s) => s.name));
    expect(config.sources.map((s) => s.name)).toEqual(
      demo.sections.flatMap((sec) => demo.sources.filter((s) => s.section === sec.slug).map((s) => s.name)),
    );
  });

  it("says what is wrong with a file that is not OPML, and with wrong usage", async () => {
    await expect(readOpml("<html><body><p>Not OPML</p></body></html>")).rejects.toThrow("has no <opml><body>: is it an OPML file?");
    await expect(readOpml("<opml><body><outline text='a'></body></opml>")).rejects.toThrow(/^is not well-formed XML/);
    await expect(readOpml("<opml><body><outline text='Folder'/></body></opml>")).rejects.toThrow("lists no http(s) feeds");
    const [missing, badSection, noFile] = await Promise.all([
      importOpml(["missing.opml"], dir),
      importOpml(["subscriptions.opml", "--section", "Not A Slug"], dir),
      importOpml([], dir),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`${path.join(dir, "missing.opml")}: cannot be read (ENOENT)`);
    expect(badSection.code).toBe(2);
    expect(badSection.stderr).toContain('--section "Not A Slug" is not a section slug');
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain("usage: npm run import-opml -- FILE.opml");
  });
});
