import { hash } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { Article } from "../model/article.ts";
import { MAX_FUTURE_MS } from "./dates.ts";
import type { RawItem } from "../model/raw-feed.ts";

/**
 * Bytes of normalized items one thread keeps, counted at two bytes a
 * character (V8 stores plain ASCII in one, so real use is often less): about
 * 40 000 typical items. Past it, the sources read least recently are dropped.
 */
export const DEFAULT_ITEM_MEMO_BYTES = 128 * 2 ** 20;
/** What an entry costs beside its strings: the object, its key, its hash, its dates. */
const ENTRY_OVERHEAD_BYTES = 400;
/** What an author or an enclosure costs beside its strings. */
const OBJECT_BYTES = 100;

/** An item as normalized once: the article, and the hash of what it says. */
export interface NormalizedItem {
  article: Article;
  /** Changes whenever the article does (see `articleHash`). */
  hash: string;
}

/**
 * Items already normalized, by what they were made from. A feed that changed
 * usually changed by one item: the others come back byte for byte, and
 * sanitizing and normalizing them again would be most of the read's work.
 *
 * Each source keeps exactly the items of its last read: an item that left the
 * feed leaves the memo, and a refresh of every source (a round robin, which
 * would defeat a memo evicting item by item) finds every unchanged item.
 *
 * The key is a digest of the raw item and of everything else normalizing
 * reads (the feed's bases, the source's settings), so a hit is exactly the
 * article that normalizing would make, with one exception handled here:
 * dates too far in the future are clamped to the time of the read (see
 * `clampFuture`). So an article that may have had a date clamped is never
 * kept, and one whose dates would be clamped at a later read's clock (a clock
 * set back) is made again.
 */
export class NormalizedItemMemo {
  private readonly sources: LRUCache<string, Map<string, NormalizedItem>>;

  constructor({ maxBytes = DEFAULT_ITEM_MEMO_BYTES }: { maxBytes?: number } = {}) {
    this.sources = new LRUCache<string, Map<string, NormalizedItem>>({
      maxSize: maxBytes,
      sizeCalculation: (items) =>
        Math.max(
          1,
          [...items.values()].reduce((sum, entry) => sum + entrySize(entry), 0),
        ),
    });
  }

  /**
   * The key of an item under `settings` (a string naming every other input of
   * normalizing but the clock): a digest of an unambiguous encoding of both.
   */
  static key(item: RawItem, settings: string): string {
    // 128 bits of the digest: every held article carries its key, and half the length is plenty.
    return hash("sha256", encodeItem(item, settings), "base64url").slice(0, 22);
  }

  /** Starts a read of `sourceId` at `now`: its last read's items to look up, and this read's to keep. */
  read(sourceId: string, now: number): MemoRead {
    return new MemoRead(this.sources.get(sourceId) ?? new Map(), now, (items) => {
      // A source larger than the whole memo is not kept (lru-cache would refuse it anyway).
      this.sources.delete(sourceId);
      if (items.size > 0) this.sources.set(sourceId, items);
    });
  }

  /** Items kept, over every source. */
  get size(): number {
    let size = 0;
    for (const items of this.sources.values()) size += items.size;
    return size;
  }

  get bytes(): number {
    return this.sources.calculatedSize;
  }
}

/** One read of one source through the memo: look items up, keep what this read made, then `done`. */
export class MemoRead {
  private readonly kept = new Map<string, NormalizedItem>();

  constructor(
    private readonly previous: Map<string, NormalizedItem>,
    private readonly now: number,
    private readonly store: (items: Map<string, NormalizedItem>) => void,
  ) {}

  /** The item's article as made before, when it is still what normalizing now would make. */
  get(key: string): NormalizedItem | undefined {
    const entry = this.previous.get(key);
    if (!entry || wouldClamp(entry.article.publishedAt, this.now) || wouldClamp(entry.article.updatedAt, this.now)) return undefined;
    return entry;
  }

  /** Keeps an item of this read, unless one of its dates may have been clamped to the read's clock. */
  keep(key: string, entry: NormalizedItem): void {
    if (entry.article.publishedAt?.getTime() === this.now || entry.article.updatedAt?.getTime() === this.now) return;
    this.kept.set(key, entry);
  }

  /** The read succeeded: its items replace the source's last ones. */
  done(): void {
    this.store(this.kept);
  }
}

/**
 * The hash of the article normalizing made from the item under `key`: the key
 * names all its inputs but the clock, and the clock reaches an article only
 * through its dates, so the key and the dates are the article's whole identity.
 */
export function articleHash(key: string, article: Article): string {
  return `${key}:${article.publishedAt?.getTime() ?? ""}:${article.updatedAt?.getTime() ?? ""}`;
}

/** The hash of a feed's articles from theirs: changes whenever one of them, or their order, does. */
export function hashArticleHashes(hashes: string[]): string {
  return hash("sha256", hashes.join("\n"), "base64url");
}

/** Length-prefixed fields: no two different items (or settings) encode alike, whatever their text holds. */
function encodeItem(item: RawItem, settings: string): string {
  let out = field(settings);
  out += field(item.guid) + field(item.title) + (item.titleIsHtml ? "h" : "t") + field(item.link) + field(item.base);
  out += field(item.summaryHtml) + field(item.contentHtml) + field(item.contentBase) + field(item.published) + field(item.updated);
  out += `${item.authors.length}[`;
  for (const author of item.authors) out += field(author.name) + field(author.email) + field(author.url);
  out += list(item.categories) + field(item.commentCount === null ? null : String(item.commentCount));
  out += `${item.images.length}[`;
  for (const image of item.images)
    out += field(image.url) + field(numberText(image.width)) + field(numberText(image.height)) + field(image.alt ?? null);
  out += `${item.enclosures.length}[`;
  for (const enclosure of item.enclosures)
    out += field(enclosure.url) + field(enclosure.type) + field(enclosure.length) + field(enclosure.duration);
  out += field(item.language);
  return out;
}

function field(text: string | null): string {
  return text === null ? "-" : `${text.length}:${text}`;
}

function list(texts: string[]): string {
  let out = `${texts.length}[`;
  for (const text of texts) out += field(text);
  return out;
}

function numberText(value: number | null | undefined): string | null {
  return value === null || value === undefined ? null : String(value);
}

function wouldClamp(date: Date | null, now: number): boolean {
  return date !== null && date.getTime() > now + MAX_FUTURE_MS;
}

// UTF-16 strings: two bytes a character.
function entrySize({ article, hash }: NormalizedItem): number {
  let chars =
    hash.length +
    article.id.length +
    article.sourceId.length +
    article.title.length +
    (article.url?.length ?? 0) +
    article.canonicalUrl.length +
    article.section.length;
  chars +=
    (article.guid?.length ?? 0) +
    (article.summary?.length ?? 0) +
    (article.rawBodyHtml?.length ?? 0) +
    (article.bodyBase?.length ?? 0) +
    (article.author?.length ?? 0);
  chars += article.language?.length ?? 0;
  for (const tag of article.tags) chars += tag.length;
  if (article.image) chars += article.image.url.length + (article.image.alt?.length ?? 0);
  // Authors and enclosures: their strings, and about 100 bytes an object.
  let objects = 0;
  for (const author of article.authors) {
    chars += (author.name?.length ?? 0) + (author.email?.length ?? 0) + (author.url?.length ?? 0);
    objects++;
  }
  for (const enclosure of article.enclosures) {
    chars += enclosure.url.length + (enclosure.type?.length ?? 0);
    objects++;
  }
  return 2 * chars + OBJECT_BYTES * objects + ENTRY_OVERHEAD_BYTES;
}
