import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSourcesFile } from "../../src/config/sources-file.ts";
import { createGateway } from "../../src/create-gateway.ts";
import { listen, type RunningServer } from "../../src/http/server/server.ts";
import { parsePartnersConfig } from "../../src/partners/partners-file.ts";
import { launchChromium } from "../helpers/browser.ts";

/**
 * The widget in headless Chromium: a partner's page on another origin loads
 * `/embed.js` from the gateway and drops `<newsgate-feed>` elements in.
 */
const DEMO = fileURLToPath(new URL("../../sources/default.json", import.meta.url));
const OUTPUT = new URL("../output/", import.meta.url);
const KEY = "partner-widget-key-4e1f";
const CARDS = 4;
const ALLOWED_TAGS = ["section", "h2", "ul", "li", "article", "p", "h3", "a", "time"];
const UNAVAILABLE = "News is unavailable right now";
/** WCAG AA for normal text. */
const MIN_CONTRAST = 4.5;

interface PageHost {
  origin: string;
  pages: Record<string, string>;
  close: () => Promise<void>;
}

/** A partner's web server: its own origin, its own strict policy (only the gateway may run scripts and be fetched). */
async function startPartnerSite(csp: () => string): Promise<PageHost> {
  const pages: Record<string, string> = {};
  const server: Server = createServer((req, res) => {
    const page = pages[(req.url ?? "/").split("?")[0]!];
    if (page === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-security-policy": csp() }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    pages,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The partner's page, with CSS that would restyle the widget if anything leaked. */
const partnerPage = (gateway: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>The Daily Partner</title>
<style>
  body { margin: 0; padding: 24px; background: #efe9dc; color: red; font: 30px/2 Georgia, serif; letter-spacing: 3px; }
  h3 { color: red; font-size: 40px; } a { color: lime; } p { font-size: 30px; } li { list-style: disc; }
  .ng { display: none; } .box { width: 440px; padding: 16px; display: inline-block; vertical-align: top; }
  .box.dark { background: #0b0c0f; }
</style>
<script type="module" src="${gateway}/embed.js"></script>
</head><body>
<h3 id="own">The partner's own heading</h3>
${body}
</body></html>`;

type Rgb = [number, number, number];
const luminance = ([r, g, b]: Rgb) => {
  const channel = (c: number) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
};
const contrast = (a: Rgb, b: Rgb) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
};
const rgb = (css: string): Rgb => (css.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number) as Rgb;

/** What a widget shows, read from its shadow root. */
function readWidget(page: Page, id: string) {
  return page.evaluate((selector) => {
    const root = document.querySelector(selector)!.shadowRoot!;
    const box = root.querySelector("section")!;
    const style = (el: Element | null) => (el ? getComputedStyle(el) : null);
    return {
      heading: root.querySelector("h2")?.textContent ?? null,
      tags: [...new Set(Array.from(root.querySelectorAll("*")).map((el) => el.localName))],
      message: root.querySelector(".msg")?.textContent ?? null,
      background: style(box)!.backgroundColor,
      cards: Array.from(root.querySelectorAll("li")).map((li) => ({
        section: li.querySelector(".sec")?.textContent ?? null,
        title: li.querySelector("h3")?.textContent ?? null,
        href: li.querySelector("a")?.getAttribute("href") ?? null,
        summary: li.querySelector(".sum")?.textContent ?? null,
        meta: li.querySelector(".meta")?.textContent ?? null,
        datetime: li.querySelector("time")?.getAttribute("datetime") ?? null,
        colors: {
          title: style(li.querySelector("h3 a"))!.color,
          summary: style(li.querySelector(".sum"))!.color,
          meta: style(li.querySelector(".meta"))!.color,
          section: style(li.querySelector(".sec"))!.color,
        },
        titleFontSize: style(li.querySelector("h3"))!.fontSize,
        summaryFontSize: style(li.querySelector(".sum"))!.fontSize,
        letterSpacing: style(li.querySelector(".sum"))!.letterSpacing,
        listStyle: style(li)!.listStyleType,
      })),
    };
  }, `#${id}`);
}

describe("the <newsgate-feed> widget and the embed page", () => {
  let browser: Browser;
  let partner: PageHost;
  let stranger: PageHost;
  let running: RunningServer;
  let gatewayUrl = "";
  let expected: any[];

  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    const policy = () =>
      `default-src 'none'; script-src ${gatewayUrl}; connect-src ${gatewayUrl}; frame-src ${gatewayUrl}; style-src 'unsafe-inline'`;
    partner = await startPartnerSite(policy);
    stranger = await startPartnerSite(policy);
    const partners = parsePartnersConfig(
      {
        anonymous: { requestsPerMinute: 1000 },
        partners: [
          {
            name: "Daily Partner",
            keyHash: createHash("sha256").update(KEY).digest("hex"),
            allowedOrigins: [partner.origin],
            requestsPerMinute: 1000,
          },
        ],
      },
      "/srv/partners.json",
    );
    const gateway = createGateway({ config: await loadSourcesFile(DEMO), partners });
    running = await listen(gateway.app, 0, "127.0.0.1");
    gatewayUrl = running.url;
    const answer = await fetch(`${gatewayUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": KEY },
      body: JSON.stringify({
        query: `{ articles(section: "technology", first: ${CARDS}) { edges { node { title url summary readingTimeMinutes publishedAt section { name } } } } }`,
      }),
    });
    expected = ((await answer.json()) as any).data.articles.edges.map((e: any) => e.node);

    const widget = (id: string, theme: string) =>
      `<div class="box ${theme}"><newsgate-feed id="${id}" section="technology" limit="${CARDS}" theme="${theme}" key="${KEY}"></newsgate-feed></div>`;
    partner.pages["/widget"] = partnerPage(gatewayUrl, `${widget("light", "light")}${widget("dark", "dark")}`);
    const frame = `<iframe id="frame" title="Technology news" src="${gatewayUrl}/embed/technology?limit=3&theme=dark" width="440" height="600"></iframe>`;
    partner.pages["/frame"] = partnerPage(gatewayUrl, frame);
    stranger.pages["/frame"] = partnerPage(gatewayUrl, frame);
    partner.pages["/fallback"] = partnerPage(gatewayUrl, `<newsgate-feed id="offline" section="technology">${UNAVAILABLE}</newsgate-feed>`);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await running?.close();
    await partner?.close();
    await stranger?.close();
  });

  it("is small: under 10 KB gzipped", async () => {
    const script = await fetch(`${gatewayUrl}/embed.js`);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const bytes = Buffer.from(await script.arrayBuffer());
    const gzipped = gzipSync(bytes, { level: 9 }).length;
    console.log(`embed.js: ${bytes.length} bytes, ${gzipped} gzipped`);
    expect(gzipped).toBeLessThan(10 * 1024);
  });

  it("renders the API's cards on a partner's page, in both themes, untouched by the page's CSS", async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    const problems: string[] = [];
    page.on("console", (message) => problems.push(`${message.type()}: ${message.text()}`));
    page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
    try {
      await page.goto(`${partner.origin}/widget`);
      for (const id of ["light", "dark"]) {
        await page.waitForFunction((sel) => document.querySelector(sel)?.shadowRoot?.querySelectorAll("li").length, `#${id}`);
        const widget = await readWidget(page, id);
        expect(widget.heading).toBe("Latest in Technology & Innovation");
        expect(widget.cards).toHaveLength(CARDS);
        widget.cards.forEach((card, i) => {
          const article = expected[i];
          expect(card).toMatchObject({
            section: article.section.name,
            title: article.title,
            href: article.url,
            summary: article.summary,
            datetime: new Date(article.publishedAt).toISOString(),
          });
          expect(card.meta).toMatch(new RegExp(`^${article.readingTimeMinutes} min read · [A-Z][a-z]{2} \\d{1,2}, \\d{4}$`));
          // Plain text only: nothing that looks like markup reached a summary.
          expect(card.summary).not.toMatch(/<\/?[a-z][^>]*>|&[a-z]+;/i);
          // The partner's h3 { color: red }, p { font-size: 30px }, body's inherited colour and spacing: none of it applies.
          expect(Object.values(card.colors)).not.toContain("rgb(255, 0, 0)");
          expect(card.colors.title).not.toBe("rgb(0, 255, 0)");
          expect(card.titleFontSize).not.toBe("40px");
          expect(card.summaryFontSize).not.toBe("30px");
          expect(card.letterSpacing).toBe("normal");
          expect(card.listStyle).toBe("none");
          // Readable in both themes (WCAG AA).
          for (const color of Object.values(card.colors))
            expect(contrast(rgb(color), rgb(widget.background))).toBeGreaterThanOrEqual(MIN_CONTRAST);
        });
        expect(widget.tags.every((tag) => ALLOWED_TAGS.includes(tag))).toBe(true);
        await page.locator(`.box.${id}`).screenshot({ path: fileURLToPath(new URL(`widget-${id}.png`, OUTPUT)) });
      }
      // The page's own heading is still red: its CSS works, it just does not reach in.
      expect(await page.evaluate(() => getComputedStyle(document.getElementById("own")!).color)).toBe("rgb(255, 0, 0)");
      expect(await readWidget(page, "dark").then((w) => w.background)).not.toBe(await readWidget(page, "light").then((w) => w.background));

      // Keyboard: Tab reaches the first card's link, which shows a visible focus ring.
      await page.keyboard.press("Tab");
      const focused = await page.evaluate(() => {
        const host = document.activeElement;
        const link = host?.shadowRoot?.activeElement ?? null;
        const style = link ? getComputedStyle(link) : null;
        return {
          host: host?.id,
          tag: link?.localName,
          text: link?.textContent,
          outline: style && `${style.outlineStyle} ${style.outlineWidth}`,
        };
      });
      expect(focused).toEqual({ host: "light", tag: "a", text: expected[0].title, outline: "solid 3px" });
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("runs one script on the embed page, its own, allowed by hash: no other script could run", async () => {
    const response = await fetch(`${gatewayUrl}/embed/technology?limit=3`);
    const csp = response.headers.get("content-security-policy")!;
    const html = await response.text();
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(1);
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(csp).toContain(`script-src 'sha256-${createHash("sha256").update(scripts[0]!).digest("base64")}';`);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|script-src[^;]*(\*|https?:|'self')/);
  });

  it("sits in a partner's iframe, and refuses a frame on any other site", async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${partner.origin}/frame`);
      const frame = page.frameLocator("#frame");
      await expect.poll(() => frame.locator("li").count()).toBe(3);
      expect(await frame.locator("h3 a").allTextContents()).toEqual(expected.slice(0, 3).map((a) => a.title));
      expect(await frame.locator(".sum").allTextContents()).toEqual(expected.slice(0, 3).map((a) => a.summary));
      expect(await frame.locator("h2").textContent()).toBe("Latest in Technology & Innovation");

      await page.goto(`${stranger.origin}/frame`);
      // Blocked by frame-ancestors (the load event waited for the frame): it holds Chromium's error page, not ours.
      const child = page.frames().find((f) => f !== page.mainFrame());
      expect(child?.url()).toMatch(/^chrome-error:/);
    } finally {
      await page.close();
    }
  });

  it("falls back quietly when the gateway is down", async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("console", (message) => problems.push(`${message.type()}: ${message.text()}`));
    page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
    try {
      await page.goto(`${partner.origin}/widget`);
      await page.waitForFunction(() => document.querySelector("#light")?.shadowRoot?.querySelectorAll("li").length);
      await running.close();
      // A widget added now, with the script loaded but the gateway gone.
      await page.evaluate((key) => {
        const element = document.createElement("newsgate-feed");
        element.id = "late";
        element.setAttribute("section", "technology");
        element.setAttribute("key", key);
        document.body.append(element);
      }, KEY);
      await page.waitForFunction(() => document.querySelector("#late")?.shadowRoot?.querySelector(".msg"));
      const late = await readWidget(page, "late");
      expect(late.message).toBe(UNAVAILABLE);
      expect(late.cards).toEqual([]);
      // Only the browser's own note of a refused connection; nothing from the widget.
      expect(problems.filter((p) => !/Failed to load resource: net::ERR_CONNECTION_REFUSED/.test(p))).toEqual([]);
    } finally {
      await page.close();
    }
    // With the gateway gone before a first visit, the script never loads: the element's own content is the fallback.
    const context = await browser.newContext();
    try {
      const fresh = await context.newPage();
      await fresh.goto(`${partner.origin}/fallback`);
      expect(await fresh.locator("#offline").innerText()).toBe(UNAVAILABLE);
    } finally {
      await context.close();
    }
  });
});
