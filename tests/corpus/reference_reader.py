"""
The independent reader the corpus comparison holds Newsgate against.

Reads a JSON array of documents on stdin: {"file", "location", "contentType",
"bytes" (base64)}. Answers a JSON array, one result per document, in order.

RSS and Atom: Debian's python3-feedparser 6.0, given the RAW BYTES (it sniffs
the encoding itself: BOM, XML declaration) with the same Content-Type we serve
(no charset) and a Content-Location of where we served it, so relative links
resolve against the same place ours do.

JSON Feed: feedparser 6.0 cannot read it, so JSON documents are read here
following the JSON Feed 1.0/1.1 spec, plainly (no repairs, no guessing).
"""
import base64
import calendar
import json
import re
import sys
from datetime import datetime, timezone
from urllib.parse import urljoin

import feedparser


def iso_from_struct(st):
    if not st:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(st), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    except (OverflowError, ValueError, OSError):
        return None


def iso_from_rfc3339(value):
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


CONTENT_ELEMENT = re.compile(rb"<(?:content:encoded|content|atom:content|xhtml:body|body)[\s>/]")


def detail_type(entry, key):
    d = entry.get(key + "_detail")
    return (d or {}).get("type") or "text/plain"


def author_list(authors):
    """feedparser's authors as [{name, email}] (either may be null), empty ones dropped."""
    out = []
    for a in authors or []:
        if not isinstance(a, dict):
            continue
        name = a.get("name") if isinstance(a.get("name"), str) and a.get("name").strip() else None
        email = a.get("email") if isinstance(a.get("email"), str) and a.get("email").strip() else None
        if name or email:
            out.append({"name": name, "email": email})
    return out


ENTRY_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s>/]")
ENTRY_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?(?:item|entry)\s*>")
AUTHOR_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:author|creator)[\s>/]")
SOURCE_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?source[\s>].*?</(?:[A-Za-z_][\w.-]*:)?source\s*>", re.S)


def entry_segments(raw, count, encoding):
    """Per entry, its markup in the document as text (read in feedparser's encoding), for the rules that look at
    which elements the entry itself holds (summary-element-choice, reference-id-as-link, ...). None each when the
    document's item/entry elements cannot be lined up with feedparser's entries one for one."""
    starts = [m.start() for m in ENTRY_START.finditer(raw)]
    if len(starts) != count:
        return [None] * count
    out = []
    for k, start in enumerate(starts):
        end_match = ENTRY_END.search(raw, start)
        end = end_match.end() if end_match else (starts[k + 1] if k + 1 < len(starts) else len(raw))
        segment = raw[start:end][:262144]
        try:
            out.append(segment.decode(encoding or "utf-8", errors="replace"))
        except LookupError:
            out.append(segment.decode("utf-8", errors="replace"))
    return out


def entry_author_elements(raw, count):
    """Per entry, whether its markup in the document holds an author element of its own (author, dc:creator,
    itunes:author; not one inside atom:source). None when the document's item/entry elements cannot be lined
    up with feedparser's entries one for one (then nobody can say)."""
    starts = [m.start() for m in ENTRY_START.finditer(raw)]
    if len(starts) != count:
        return None
    out = []
    for k, start in enumerate(starts):
        end_match = ENTRY_END.search(raw, start)
        end = end_match.end() if end_match else (starts[k + 1] if k + 1 < len(starts) else len(raw))
        segment = SOURCE_ELEMENT.sub(b"", raw[start:end])
        out.append(bool(AUTHOR_ELEMENT.search(segment)))
    return out


ACTIVE_MARKUP = re.compile(rb"(?:<|&lt;|&#60;|&#x3c;)(?:script|style)[\s>/&]", re.I)


def feed_head(raw, encoding):
    m = ENTRY_START.search(raw)
    head = raw[: m.start() if m else len(raw)][:65536]
    try:
        return head.decode(encoding or "utf-8", errors="replace")
    except LookupError:
        return head.decode("utf-8", errors="replace")


def utf8_valid(raw):
    try:
        raw.decode("utf-8-sig")
        return True
    except UnicodeDecodeError:
        return False


def read_xml(doc, raw):
    headers = {"content-type": doc["contentType"], "content-location": doc["location"]}
    d = feedparser.parse(raw, response_headers=headers)
    # Where the document may hold <script>/<style>: feedparser's sanitizer keeps their text; the HTML as the feed
    # wrote it (sanitize_html=False) lets the comparison sanitize it the way we do (rule script-style-text-kept).
    unsanitized = feedparser.parse(raw, response_headers=headers, sanitize_html=False).entries if ACTIVE_MARKUP.search(raw) else []
    if len(unsanitized) != len(d.entries):
        unsanitized = [None] * len(d.entries)
    entries = []
    own_authors = entry_author_elements(raw, len(d.entries))
    segments = entry_segments(raw, len(d.entries), d.get("encoding"))
    for i, e in enumerate(d.entries):
        authors = author_list(e.get("authors"))
        # feedparser lists every content-like element (itunes:summary as text/plain beside content:encoded): take the
        # first HTML one, as a reader showing the article would, else the first; an empty one is no content.
        content = [c for c in (e.get("content") or []) if (c.get("value") or "").strip()]
        content.sort(key=lambda c: 0 if "html" in (c.get("type") or "text/html") else 1)
        u = unsanitized[i] or {}
        u_content = [c for c in (u.get("content") or []) if (c.get("value") or "").strip()]
        u_content.sort(key=lambda c: 0 if "html" in (c.get("type") or "text/html") else 1)
        entries.append({
            "id": e.get("id") or None,
            "title": e.get("title"),
            "titleType": detail_type(e, "title"),
            "link": e.get("link") or None,
            "links": [l.get("href") for l in e.get("links", []) if l.get("href")],
            "author": ((e.get("author_detail") or {}).get("name") or e.get("author") or None),
            "authorList": authors,
            "authors": [a["name"] or a["email"] for a in authors],
            "authorInDocument": own_authors[i] if own_authors is not None else None,
            "entryXml": segments[i],
            "date": iso_from_struct(e.get("published_parsed")) or iso_from_struct(e.get("updated_parsed")),
            "dateRaw": e.get("published") or e.get("updated") or None,
            "summary": e.get("summary"),
            # With no summary of its own, feedparser copies the first content into summary (no summary_detail).
            "summaryType": detail_type(e, "summary") if e.get("summary_detail") else ((content[0].get("type") or "text/html") if content else "text/html"),
            "content": content[0].get("value") if content else None,
            "contentType": (content[0].get("type") or "text/html") if content else None,
            "enclosures": sorted({x.get("href") for x in e.get("enclosures", []) if x.get("href")}),
            "summaryUnsanitized": u.get("summary") if u and u.get("summary") != e.get("summary") else None,
            "contentUnsanitized": u_content[0].get("value") if u_content and content and u_content[0].get("value") != content[0].get("value") else None,
        })
    feed = d.get("feed", {})
    return {
        "reader": "feedparser " + feedparser.__version__,
        "bozo": bool(d.get("bozo")),
        "bozoException": (type(d.get("bozo_exception")).__name__ + ": " + str(d.get("bozo_exception"))) if d.get("bozo") else None,
        "version": d.get("version") or "",
        "feedTitle": feed.get("title"),
        "feedLink": feed.get("link"),
        "selfLinks": [l.get("href") for l in feed.get("links", []) if l.get("rel") == "self" and l.get("href")],
        "feedAuthor": (feed.get("author_detail") or {}).get("name") or feed.get("author"),
        "feedAuthorList": author_list(feed.get("authors")),
        "encoding": d.get("encoding") or None,
        # The document's text before its first item/entry (the feed-level metadata), for the feed-author-inherited rule.
        "feedHead": feed_head(raw, d.get("encoding")),
        "utf8Valid": utf8_valid(raw),
        # Whether the document has a full-content element at all (feedparser also files a second summary, such as
        # itunes:summary after a description, as "content": without one, its content is no full content).
        "hasContentElement": bool(CONTENT_ELEMENT.search(raw)),
        "entries": entries,
    }


def json_authors(obj):
    """JSON Feed 1.1 `authors`, else 1.0 `author`: [{name, email: null}] (JSON Feed authors have no e-mail)."""
    found = []
    authors = obj.get("authors")
    if isinstance(authors, list):
        found = [a for a in authors if isinstance(a, dict)]
    author = obj.get("author")
    if not found and isinstance(author, dict):
        found = [author]
    return [{"name": a["name"], "email": None} for a in found if isinstance(a.get("name"), str) and a["name"].strip()]


def read_json(doc, raw):
    result = {"reader": "JSON Feed spec reading", "bozo": False, "bozoException": None, "version": "", "feedTitle": None,
              "feedLink": None, "selfLinks": [], "feedAuthor": None, "feedAuthorList": [], "hasContentElement": True, "entries": []}
    try:
        feed = json.loads(raw.decode("utf-8-sig"))
    except Exception as e:  # not JSON, or not UTF-8 (the spec requires UTF-8)
        result.update(bozo=True, bozoException="not JSON Feed: " + str(e)[:200])
        return result
    if not isinstance(feed, dict) or not isinstance(feed.get("items"), list):
        result.update(bozo=True, bozoException="not JSON Feed: no items list")
        return result
    version = feed.get("version")
    result["version"] = version if isinstance(version, str) else ""
    if not (isinstance(version, str) and version.startswith("https://jsonfeed.org/version/")):
        result.update(bozo=True, bozoException="version is not a jsonfeed.org URL: %r" % (version,))
    result["feedTitle"] = feed.get("title") if isinstance(feed.get("title"), str) else None
    result["feedLink"] = feed.get("home_page_url") if isinstance(feed.get("home_page_url"), str) else None
    if isinstance(feed.get("feed_url"), str):
        result["selfLinks"] = [feed["feed_url"]]
    feed_authors = json_authors(feed)
    result["feedAuthor"] = feed_authors[0]["name"] if feed_authors else None
    result["feedAuthorList"] = feed_authors
    for item in feed["items"]:
        if not isinstance(item, dict):
            continue
        text = lambda k: item.get(k) if isinstance(item.get(k), str) else None
        item_id = item.get("id")
        url = text("url")
        # The spec: an item without authors has the feed's (JSON Feed 1.1 "authors": "if not specified in an
        # item, then the top-level authors, if present, are the authors of the item").
        item_authors = json_authors(item)
        authors = item_authors or feed_authors
        content_html, content_text = text("content_html"), text("content_text")
        result["entries"].append({
            "id": str(item_id) if isinstance(item_id, (str, int, float)) and str(item_id) else None,
            "title": text("title"),
            "titleType": "text/plain",
            "link": urljoin(doc["location"], url) if url else None,
            "links": [url] if url else [],
            "author": authors[0]["name"] if authors else None,
            "authorList": authors,
            "authors": [a["name"] for a in authors],
            "authorInDocument": bool(item_authors),
            "date": iso_from_rfc3339(text("date_published")) or iso_from_rfc3339(text("date_modified")),
            "dateRaw": text("date_published") or text("date_modified"),
            "summary": text("summary"),
            "summaryType": "text/plain",
            "content": content_html if content_html is not None else content_text,
            "contentType": "text/html" if content_html is not None else ("text/plain" if content_text is not None else None),
            "enclosures": sorted({a.get("url") for a in item.get("attachments", []) if isinstance(a, dict) and isinstance(a.get("url"), str)}) if isinstance(item.get("attachments"), list) else [],
        })
    return result


def main():
    out = []
    for doc in json.load(sys.stdin):
        raw = base64.b64decode(doc["bytes"])
        try:
            out.append(read_json(doc, raw) if doc["kind"] == "json" else read_xml(doc, raw))
        except Exception as e:  # a crash of the reader is its failure to read the file, not ours
            out.append({"reader": "error", "bozo": True, "bozoException": "reader crashed: %s: %s" % (type(e).__name__, e),
                        "version": "", "feedTitle": None, "feedLink": None, "selfLinks": [], "feedAuthor": None, "feedAuthorList": [],
                        "hasContentElement": False, "entries": []})
    json.dump(out, sys.stdout)


main()
