import { spawn } from "node:child_process";

/** Debian's python3-feedparser (`apt-get install -y python3-feedparser`), an independent reader of what we write. */
export const PYTHON = "/usr/bin/python3";

export interface ParsedFeed {
  bozo: boolean;
  bozoException: string | null;
  version: string;
  title: string;
  selfLinks: string[];
  entries: {
    id: string | null;
    title: string;
    link: string;
    author: string | null;
    tags: string[];
    summary: string;
    content: string[];
    images: string[];
    published: string | null;
    /** Every author as the reader found them (JSON Feed: name and url, as href). */
    authors: { name: string | null; email: string | null; href: string | null }[];
    /** Media links (RSS enclosure, Atom rel="enclosure", JSON Feed attachments), length as text. */
    enclosures: { href: string; type: string | null; length: string | null }[];
    /** JSON Feed only: the item's language, and each attachment's duration. */
    language: string | null;
    durations: (number | null)[];
  }[];
}

// Reads a JSON array of documents (body, content type) on stdin, answers a JSON array of what was found in
// each. RSS and Atom go through feedparser. Debian's feedparser (6.0.x) predates its JSON Feed support, so
// JSON Feed documents are read here against the JSON Feed 1.1 spec's rules instead: any broken rule is a bozo.
const SCRIPT = `
import json, sys, feedparser
from datetime import datetime

def read_json_feed(text):
    problems = []
    def need(ok, problem):
        if not ok: problems.append(problem)
    def rfc3339(value, where):
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
            need("T" in value and (value.endswith("Z") or "+" in value[10:] or "-" in value[10:]), where + " lacks a time zone")
        except Exception:
            problems.append(where + " is not an RFC 3339 date")
    def url(value, where):
        need(isinstance(value, str) and value.startswith(("http://", "https://")), where + " is not an absolute http(s) URL")
    try:
        feed = json.loads(text)
    except Exception as e:
        return {"bozo": True, "bozoException": "not JSON: " + str(e), "version": "", "title": "", "selfLinks": [], "entries": []}
    need(feed.get("version") == "https://jsonfeed.org/version/1.1", "version is not https://jsonfeed.org/version/1.1")
    need(isinstance(feed.get("title"), str) and feed["title"], "title is missing")
    for key in ("home_page_url", "feed_url"):
        if key in feed: url(feed[key], key)
    need(isinstance(feed.get("items"), list), "items is not a list")
    entries, ids = [], set()
    for i, item in enumerate(feed.get("items") or []):
        where = "items[%d]" % i
        need(isinstance(item.get("id"), str) and item["id"], where + ".id is not a non-empty string")
        need(item.get("id") not in ids, where + ".id repeats")
        ids.add(item.get("id"))
        need(isinstance(item.get("content_html"), str) or isinstance(item.get("content_text"), str), where + " has neither content_html nor content_text")
        if "url" in item: url(item["url"], where + ".url")
        if "image" in item: url(item["image"], where + ".image")
        for key in ("date_published", "date_modified"):
            if key in item: rfc3339(item[key], where + "." + key)
        need("author" not in item, where + ".author is JSON Feed 1.0; 1.1 has authors")
        authors = item.get("authors", [])
        need(isinstance(authors, list) and all(isinstance(a, dict) and (a.get("name") or a.get("url") or a.get("avatar")) for a in authors), where + ".authors is not a list of authors")
        tags = item.get("tags", [])
        need(isinstance(tags, list) and all(isinstance(t, str) for t in tags), where + ".tags is not a list of strings")
        for key in ("title", "summary", "content_text", "language"):
            if key in item: need(isinstance(item[key], str), where + "." + key + " is not a string")
        attachments = item.get("attachments", [])
        need(isinstance(attachments, list), where + ".attachments is not a list")
        for j, a in enumerate(attachments if isinstance(attachments, list) else []):
            at = where + ".attachments[%d]" % j
            need(isinstance(a, dict), at + " is not an object")
            if not isinstance(a, dict): continue
            url(a.get("url"), at + ".url")
            need(isinstance(a.get("mime_type"), str) and "/" in a["mime_type"], at + ".mime_type is missing")
            for key in ("size_in_bytes", "duration_in_seconds"):
                if key in a: need(isinstance(a[key], (int, float)) and not isinstance(a[key], bool) and a[key] >= 0, at + "." + key + " is not a number")
        entries.append({
            "id": item.get("id"), "title": item.get("title", ""), "link": item.get("url", ""),
            "author": (authors[0].get("name") if authors else None), "tags": tags,
            "summary": item.get("summary", ""), "content": [item.get("content_html") or item.get("content_text") or ""],
            "images": [item["image"]] if item.get("image") else [], "published": item.get("date_published"),
            "authors": [{"name": a.get("name"), "email": None, "href": a.get("url")} for a in authors if isinstance(a, dict)],
            "enclosures": [{"href": a.get("url"), "type": a.get("mime_type"), "length": str(a["size_in_bytes"]) if "size_in_bytes" in a else None} for a in attachments if isinstance(a, dict)],
            "language": item.get("language"), "durations": [a.get("duration_in_seconds") for a in attachments if isinstance(a, dict)],
        })
    return {"bozo": bool(problems), "bozoException": "; ".join(problems) or None, "version": "json11" if feed.get("version", "").endswith("/1.1") else "",
            "title": feed.get("title", ""), "selfLinks": [feed["feed_url"]] if feed.get("feed_url") else [], "entries": entries}

def read_xml_feed(text, content_type):
    d = feedparser.parse(text.encode("utf-8"), response_headers={"content-type": content_type})
    entries = []
    for e in d.entries:
        images = [m.get("url") for m in e.get("media_content", [])]
        images += [l.get("href") for l in e.get("links", []) if l.get("rel") == "enclosure"]
        images += [x.get("href") for x in e.get("enclosures", [])]
        entries.append({
            "id": e.get("id"), "title": e.get("title", ""), "link": e.get("link", ""),
            "author": e.get("author"), "tags": [t.get("term") or t.get("label") for t in e.get("tags", [])],
            "summary": e.get("summary", ""), "content": [c.get("value", "") for c in e.get("content", [])],
            "images": sorted(set(i for i in images if i)), "published": e.get("published"),
            "authors": [{"name": a.get("name"), "email": a.get("email"), "href": a.get("href")} for a in e.get("authors", [])],
            "enclosures": [{"href": x.get("href"), "type": x.get("type"), "length": x.get("length")} for x in e.get("enclosures", [])],
            "language": None, "durations": [],
        })
    return {
        "bozo": bool(d.bozo), "bozoException": str(d.get("bozo_exception")) if d.bozo else None,
        "version": d.version, "title": d.feed.get("title", ""),
        "selfLinks": [l.get("href") for l in d.feed.get("links", []) if l.get("rel") == "self"],
        "entries": entries,
    }

out = []
for doc in json.load(sys.stdin):
    is_json = "json" in doc["contentType"]
    out.append(read_json_feed(doc["body"]) if is_json else read_xml_feed(doc["body"], doc["contentType"]))
json.dump(out, sys.stdout)
`;

/** Reads every document in one Python process (importing feedparser costs more than parsing). */
export function feedparser(documents: { body: string; contentType: string }[]): Promise<ParsedFeed[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ["-c", SCRIPT], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", (error) => reject(new Error(`cannot run ${PYTHON}: ${error.message} (the feed tests need python3-feedparser)`)));
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`feedparser exited ${code}: ${stderr.trim()} (apt-get install -y python3-feedparser)`));
      resolve(JSON.parse(stdout) as ParsedFeed[]);
    });
    child.stdin.end(JSON.stringify(documents));
  });
}
