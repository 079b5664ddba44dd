import { type TextGenerator, TOPIC_COUNT } from "./synthetic-text.ts";

/** Characters of an item's description and of its full content (markup included): about 1.5 KB an item. */
const DESCRIPTION_CHARS = 220;
const CONTENT_CHARS = 900;
const CONTENT_PARAGRAPHS = 4;

/**
 * One fixture upstream's feed: RSS 2.0 with full content, `itemsPerFeed`
 * items, newest first. Each read moves the window one item on (a story
 * published, the oldest dropped), so every read changes the content and the
 * gateway parses, normalizes and re-merges it, as with a busy real feed.
 * Items are made once and kept, so serving costs a join.
 */
export class RssFixture {
  private readonly items: string[] = [];
  private reads = 0;
  /** Milliseconds between two items, and the date of item 0. */
  private readonly interval: number;
  private readonly start: number;

  constructor(
    private readonly text: TextGenerator,
    private readonly source: number,
    private readonly baseUrl: string,
    private readonly itemsPerFeed: number,
    now: number,
    /** Items made up front: the reads expected, so serving never makes one. */
    reads = 8,
  ) {
    this.interval = (10 + text.int(350)) * 60_000;
    this.start = now - (itemsPerFeed + 1000) * this.interval;
    for (let n = 0; n < itemsPerFeed + reads; n++) this.items.push(this.item(n));
  }

  /** The feed as the next read gets it. */
  read(): string {
    const first = this.reads++;
    while (this.items.length < first + this.itemsPerFeed) this.items.push(this.item(this.items.length));
    const window = this.items.slice(first, first + this.itemsPerFeed).reverse();
    return [
      `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">`,
      `<channel><title>Bench Source ${this.source}</title><link>${this.baseUrl}/</link><description>Fixture feed ${this.source}</description>`,
      ...window,
      "</channel></rss>\n",
    ].join("\n");
  }

  get readCount(): number {
    return this.reads;
  }

  private item(n: number): string {
    const { text } = this;
    const topic = text.int(TOPIC_COUNT);
    const title = text.phrase(topic, 7 + text.int(5), false);
    const link = `${this.baseUrl}/s${this.source}/${title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-${n}`;
    const paragraphs: string[] = [];
    for (let p = 0; p < CONTENT_PARAGRAPHS; p++) paragraphs.push(`<p>${text.prose(topic, CONTENT_CHARS / CONTENT_PARAGRAPHS - 7)}</p>`);
    const categories = text.tags(topic, 3).map((tag) => `<category>${tag}</category>`);
    return [
      "<item>",
      `<title>${title}</title>`,
      `<link>${link}?utm_source=rss</link>`,
      `<guid isPermaLink="true">${link}</guid>`,
      `<pubDate>${new Date(this.start + n * this.interval).toUTCString()}</pubDate>`,
      `<dc:creator>Reporter ${text.int(200)}</dc:creator>`,
      ...categories,
      `<description>${text.prose(topic, DESCRIPTION_CHARS)}</description>`,
      `<content:encoded><![CDATA[${paragraphs.join("")}]]></content:encoded>`,
      "</item>",
    ].join("");
  }
}
