import { readFileSync } from "node:fs";
import path from "node:path";
import normalizeUrl from "normalize-url";
import { describe, expect, it } from "vitest";
import { CANONICAL_URL_OPTIONS, canonicalUrl } from "../../src/ingest/urls.ts";
import { CORPUS_DIR, corpusFiles } from "../helpers/corpus.ts";

/**
 * `canonicalUrl` answers plain links without normalize-url: these hold it to
 * normalize-url's own answer, on real links and on each way a link can fail
 * to be plain.
 */
const library = (link: string) => normalizeUrl(link, CANONICAL_URL_OPTIONS);

/** Every http(s) link written in the corpus's feeds, as written and as `new URL` writes it (what normalizing passes). */
function corpusLinks(): string[] {
  const links = new Set<string>();
  for (const file of corpusFiles()) {
    const text = readFileSync(path.join(CORPUS_DIR, file), "utf8");
    for (const [link] of text.matchAll(/https?:\/\/[^\s"'<>\])]+/g)) {
      links.add(link);
      try {
        links.add(new URL(link).href);
      } catch {
        // Not a URL: kept as written, which must still agree.
      }
    }
  }
  return [...links];
}

const EDGE_CASES = [
  "https://news.example/",
  "https://news.example/world/2026/11/28/a-long-story-slug-with-many-hyphens-123/",
  "https://news.example/world/story",
  "http://news.example:8080/story/",
  "http://news.example:80/story/",
  "https://news.example:443/story",
  "https://medium.example/@writer/a-post-3f2a9c",
  "https://user:secret@news.example/story/",
  "https://user@news.example/story",
  "https://news.example./story/",
  "https://news.example/a//b/",
  "https://news.example//",
  "https://news.example/redirect/https://other.example/story",
  "https://news.example/redirect/http:/other.example//x",
  "https://news.example/story?id=2&utm_source=feed",
  "https://news.example/story?",
  "https://news.example/story?b&a=1",
  "https://news.example/story#comments",
  "https://news.example/story#:~:text=quote",
  "https://news.example/story#",
  "https://news.example/story/?utm_source=rss",
  "https://news.example/story?utm_source=rss&utm_medium=feed&fbclid=x",
  "https://news.example/?utm_source=rss",
  "https://news.example/story?fbclid",
  "https://news.example/story?utm_source=rss&id=2",
  "https://news.example/story?UTM_Source=rss",
  "https://news.example/story?utm_source=a?b",
  "https://news.example/story?utm_source=rss#top",
  "https://news.example/story?utm_source=rss&",
  "https://news.example/story?&utm_source=rss",
  "https://news.example/story?utm%5Fsource=rss",
  "https://news.example/story?utm_source+x=rss",
  "https://news.example/story?_ga=1&gclid=2",
  "https://news.example/story?ref=rss",
  "https://news.example/a//b?utm_source=rss",
  "https://news.example/caf%C3%A9?utm_source=rss",
  "https://user:pw@news.example/story?utm_source=rss",
  "https://news.example/story?utm_source=r%20s",
  "https://news.example/story?utm_source=r s",
  "https://news.example/caf%C3%A9/",
  "https://news.example/a%2Fb/",
  "https://news.example/100%25/",
  "https://News.Example/Story/",
  "HTTPS://news.example/story/",
  "https://news.example/a b/",
  " https://news.example/story/ ",
  "https://news.example/story/\n",
  "https://news.example/a\\b/",
  "https://café.example/story/",
  "https://xn--caf-dma.example/story/",
  "https://news.example/café/",
  "https://news.example/a/./b/../c/",
  "https://news.example/a|b^c[d]{e}/",
  "https://news.example/~writer/",
  "https://news.example/a;b=c/",
  "https://news.example/index.html",
  "https://www.news.example/story/",
  "https://news.example/story.html",
  "https://news.example/'quoted'/",
  'https://news.example/"quoted"/',
  "https://news.example/<tag>/",
  "https://192.168.0.1/story/",
  "https://[::1]/story/",
  "https://news.example",
  "http://news.example/story///",
  "https://news.example/story/.",
  "ftp://news.example/story/",
  "//news.example/story/",
  "news.example/story/",
  "https://",
  "https://news.example:99999/story/",
];

/** Links of random paths over characters that matter to a URL's form, the same every run. */
function generatedLinks(count: number): string[] {
  let seed = 0x9e3779b9;
  const next = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const alphabet = [
    "a",
    "b",
    "z",
    "0",
    "9",
    "-",
    "_",
    ".",
    "/",
    "/",
    "/",
    "//",
    "~",
    "@",
    ":",
    ";",
    "=",
    "+",
    "!",
    "$",
    "&",
    "'",
    "(",
    ")",
    "*",
    ",",
    "%20",
    "%2F",
    "%",
    "é",
    " ",
    "?",
    "#",
    "|",
    "^",
    "`",
    "{",
    "\\",
    "A",
    "Z",
    "http://",
    "utm_source=x",
    "?utm_source=rss",
    "&utm_medium=x",
    "?fbclid",
    "&gclid=1",
    "?id=2",
    "&",
    "=",
  ];
  const hosts = [
    "https://news.example",
    "http://news.example",
    "https://News.Example.",
    "https://news.example:8443",
    "http://a:b@news.example",
  ];
  const links: string[] = [];
  for (let i = 0; i < count; i++) {
    let link = `${hosts[Math.floor(next() * hosts.length)]}/`;
    const length = 1 + Math.floor(next() * 12);
    for (let j = 0; j < length; j++) link += alphabet[Math.floor(next() * alphabet.length)];
    links.push(link);
  }
  return links;
}

/** Both answers, or both failures (normalize-url throws on what is not a URL). */
function outcome(read: (link: string) => string, link: string): string {
  try {
    return `ok ${read(link)}`;
  } catch (error) {
    return `throws ${(error as Error).name}`;
  }
}

describe("canonicalUrl", () => {
  it("gives normalize-url's answer for every link of the corpus", () => {
    const links = corpusLinks();
    expect(links.length).toBeGreaterThan(200);
    const disagreements = links.filter((link) => outcome(canonicalUrl, link) !== outcome(library, link));
    expect(disagreements).toEqual([]);
  });

  it("gives normalize-url's answer wherever a link may not be plain", () => {
    for (const link of [...EDGE_CASES, ...generatedLinks(5000)])
      expect([link, outcome(canonicalUrl, link)]).toEqual([link, outcome(library, link)]);
  });

  it("drops only what does not name the story", () => {
    expect(canonicalUrl("https://news.example/world/a-story-slug-2026/")).toBe("https://news.example/world/a-story-slug-2026");
    expect(canonicalUrl("https://news.example/")).toBe("https://news.example");
    expect(canonicalUrl("https://medium.example/@writer/a-post")).toBe("https://medium.example/@writer/a-post");
    expect(canonicalUrl("https://user:secret@news.example/story/")).toBe("https://news.example/story");
    expect(canonicalUrl("https://news.example./a//b/")).toBe("https://news.example/a/b");
    expect(canonicalUrl("https://news.example/story/#comments")).toBe("https://news.example/story");
  });
});
