import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { parseSourcesConfig } from "../../src/config/sources-file.ts";
import { IngestPool } from "../../src/ingest/ingest-pool.ts";
import { readSource } from "../../src/ingest/read-source.ts";
import { CORPUS_DIR, corpusFiles } from "../helpers/corpus.ts";
import type { SourceSnapshot } from "../../src/model/source-snapshot.ts";

/** Fixed so a failure reproduces; override with FUZZ_SEED. */
const SEED = Number(process.env.FUZZ_SEED ?? 20261128);
/** Mutants per corpus file; every file gets one of each kind plus this many random ones. */
const RANDOM_MUTANTS_PER_FILE = 1;
/** No single feed may take longer than this through the pipeline. */
const PER_FEED_MS = 5_000;
const CODES = [
  "TIMEOUT",
  "TOO_LARGE",
  "HTTP_STATUS",
  "TOO_MANY_REDIRECTS",
  "INSECURE_REDIRECT",
  "PRIVATE_ADDRESS",
  "NETWORK",
  "NOT_FOUND",
  "FORBIDDEN_PATH",
  "PARSE_ERROR",
  "UNSUPPORTED_FORMAT",
];

type Mutation = (body: Buffer, rng: () => number) => Buffer;

const MUTATIONS: Record<string, Mutation> = {
  "truncated at a random byte": (body, rng) => body.subarray(0, Math.floor(rng() * body.length)),
  "truncated to a tenth": (body) => body.subarray(0, Math.floor(body.length / 10)),
  "flipped bytes": (body, rng) => {
    const out = Buffer.from(body);
    for (let i = 0; i < 1 + Math.floor(rng() * 20); i++) out[Math.floor(rng() * out.length)] = Math.floor(rng() * 256);
    return out;
  },
  "duplicated elements": (body) => {
    const text = body.toString("latin1");
    const item = /<(item|entry)\b[\s\S]*?<\/\1>/.exec(text) ?? /\{[^{}]*"id"[^{}]*\}/.exec(text);
    if (!item) return Buffer.concat([body, body]);
    return Buffer.from(text.replace(item[0], item[0].repeat(50)), "latin1");
  },
  "injected entities": (body) => {
    const text = body.toString("latin1");
    const doctype = `<!DOCTYPE x [<!ENTITY a "&#38;#x3C;script&#38;#x3E;"><!ENTITY ext SYSTEM "file:///etc/passwd"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>`;
    const withDoctype = text.startsWith("<?xml") ? text.replace(/\?>/, `?>${doctype}`) : doctype + text;
    return Buffer.from(
      withDoctype
        .replace(/<title>/g, "<title>&ext;&b;&undefined;&#0;&#xD800;&amp;amp;")
        .replace(/"title"\s*:\s*"/g, '"title": "\\u0000\\ud800&lt;'),
      "latin1",
    );
  },
  "a NUL and a BOM in the middle": (body) => {
    const middle = Math.floor(body.length / 2);
    return Buffer.concat([body.subarray(0, middle), Buffer.from([0, 0xef, 0xbb, 0xbf, 0xfe, 0xff]), body.subarray(middle)]);
  },
};

/** A small seeded generator (mulberry32), so each mutant is the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

const config = parseSourcesConfig(
  {
    sections: [{ slug: "news", name: "News" }],
    sources: [{ id: "mutant", name: "Mutant", url: "https://mutant.example/feed", section: "news" }],
  },
  path.join(CORPUS_DIR, "sources.json"),
);

const pool = new IngestPool();
afterAll(() => pool.close());

/** The real pipeline after the network: decode, detect, parse (off-thread when large), normalize. */
function readMutant(body: Buffer, contentType: string | null): Promise<SourceSnapshot> {
  const fetchFeed = async () => ({
    kind: "fetched" as const,
    body,
    contentType,
    freshForMs: null,
    etag: null,
    lastModified: null,
    finalUrl: new URL("https://mutant.example/feed"),
  });
  return readSource(
    config.sources[0]!,
    { sections: config.sections, rootDir: CORPUS_DIR },
    { fetchFeed, now: () => 1_790_000_000_000, ingest: pool.run.bind(pool) },
  );
}

function expectOkOrCoded(snapshot: SourceSnapshot, what: string): void {
  if (snapshot.ok) {
    expect(snapshot.error, what).toBeNull();
    for (const article of snapshot.articles) {
      expect(typeof article.title, what).toBe("string");
      expect(article.id, what).toEqual(expect.any(String));
    }
  } else {
    expect(CODES, `${what}: ${snapshot.error?.message}`).toContain(snapshot.error?.code);
  }
}

describe("mutated corpus feeds through the pipeline", () => {
  const files = corpusFiles();

  it(`reads every mutant of the ${files.length} corpus files without a crash or a hang (seed ${SEED})`, async () => {
    console.log(`hostile-feeds: seed ${SEED} (FUZZ_SEED=${SEED} reproduces)`);
    const rng = seeded(SEED);
    const tally = { mutants: 0, ok: 0, failed: new Map<string, number>() };
    for (const file of files) {
      const original = readFileSync(path.join(CORPUS_DIR, file));
      const contentType = file.endsWith(".json") ? "application/json" : null;
      const kinds = Object.entries(MUTATIONS);
      const mutants: [string, Buffer][] = kinds.map(([name, mutate]) => [name, mutate(original, rng)]);
      for (let i = 0; i < RANDOM_MUTANTS_PER_FILE; i++) {
        // Mutations stacked on each other, chosen by the seeded generator.
        let body: Buffer = original;
        const names: string[] = [];
        for (let j = 0; j < 2; j++) {
          const [name, mutate] = kinds[Math.floor(rng() * kinds.length)]!;
          names.push(name);
          body = mutate(body, rng);
        }
        mutants.push([names.join(" + "), body]);
      }
      for (const [name, body] of mutants) {
        const what = `${file}, ${name}`;
        // readSource must never reject: a rejection here fails the test with its message.
        const snapshot = await withTimeout(readMutant(body, contentType), PER_FEED_MS, what);
        expectOkOrCoded(snapshot, what);
        tally.mutants++;
        if (snapshot.ok) tally.ok++;
        else tally.failed.set(snapshot.error!.code, (tally.failed.get(snapshot.error!.code) ?? 0) + 1);
      }
    }
    console.log(`hostile-feeds: ${tally.mutants} mutants, ${tally.ok} read, refused: ${JSON.stringify(Object.fromEntries(tally.failed))}`);
    expect(tally.mutants).toBe(files.length * (Object.keys(MUTATIONS).length + RANDOM_MUTANTS_PER_FILE));
  }, 60_000);

  it("reads arbitrary bytes and arbitrary text as a feed without a crash (fast-check, seeded)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 2000 }).map((bytes) => Buffer.from(bytes)),
          fc
            .string({ maxLength: 500 })
            .map((text) =>
              Buffer.from(`<?xml version="1.0"?><rss version="2.0"><channel><item><title>${text}</title></item></channel></rss>`),
            ),
          fc
            .string({ maxLength: 500 })
            .map((text) =>
              Buffer.from(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","title":${JSON.stringify(text)}}]}`),
            ),
        ),
        fc.constantFrom(null, "application/rss+xml", "application/json", "text/html; charset=utf-16"),
        async (body, contentType) => {
          expectOkOrCoded(await withTimeout(readMutant(body, contentType), PER_FEED_MS, "fuzzed body"), "fuzzed body");
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  }, 30_000);
});
