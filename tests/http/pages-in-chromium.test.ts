import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Frame, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSourcesFile } from "../../src/config/sources-file.ts";
import { createGateway } from "../../src/create-gateway.ts";
import { listen, type RunningServer } from "../../src/http/server/server.ts";
import { CHROMIUM_ARGS, CHROMIUM_PATH, launchChromium } from "../helpers/browser.ts";
import { serveBody, startFixtureServer } from "../helpers/fixture-server.ts";
import { startGateway } from "../helpers/gateway.ts";

/**
 * The pages people look at (GraphiQL, the widget in both its forms, /status),
 * in headless Chromium at a phone's width (320 px) and a desktop's (1280 px).
 * Screenshots go to tests/output/ for a person to look at; the assertions are
 * on what can be measured: nothing wider than the screen, every card inside
 * its frame.
 */
const DEMO = fileURLToPath(new URL("../../sources/default.json", import.meta.url));
const OUTPUT = fileURLToPath(new URL("../output/", import.meta.url));
const WIDTHS = [320, 1280] as const;
const wire = readFileSync(new URL("../fixtures/feeds/wire.rss", import.meta.url));

/** Whether the page scrolls sideways: the document is wider than the window. */
const horizontalOverflow = (page: Page) =>
  page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));

/** A partner's site on its own origin, its policy strict: only the gateway may run scripts or be framed. */
async function startPartnerSite(gatewayUrl: () => string) {
  const pages: Record<string, string> = {};
  const server: Server = createServer((req, res) => {
    const page = pages[(req.url ?? "/").split("?")[0]!];
    if (page === undefined) return void res.writeHead(404).end();
    const gateway = gatewayUrl();
    res
      .writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": `default-src 'none'; script-src ${gateway}; connect-src ${gateway}; frame-src ${gateway} http://127.0.0.1:*; style-src 'unsafe-inline'`,
      })
      .end(page);
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

const partnerPage = (gateway: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>The Daily Partner</title>
<style>
  body { margin: 0; padding: 12px; background: #efe9dc; font: 16px/1.5 Georgia, serif; }
  .slot { max-width: 440px; margin: 0 0 16px; }
  iframe { display: block; width: 100%; border: 0; }
</style>
<script type="module" src="${gateway}/embed.js"></script>
</head><body>
<h1>The partner's own page</h1>
${body}
</body></html>`;

/** Where each card of an iframe's page ends, against the frame's own height: a clipped card ends below it. */
function frameFit(frame: Frame) {
  return frame.evaluate(() => ({
    cards: document.querySelectorAll("li").length,
    lastCardBottom: Math.ceil(document.querySelector("li:last-child")?.getBoundingClientRect().bottom ?? 0),
    contentHeight: document.documentElement.scrollHeight,
    innerHeight: window.innerHeight,
  }));
}

describe("the pages people look at, in Chromium at 320 and 1280 px", () => {
  let browser: Browser;
  let running: RunningServer;
  let gatewayUrl = "";
  let partner: Awaited<ReturnType<typeof startPartnerSite>>;
  let stranger: Awaited<ReturnType<typeof startPartnerSite>>;

  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    const gateway = createGateway({ config: await loadSourcesFile(DEMO) });
    running = await listen(gateway.app, 0, "127.0.0.1");
    gatewayUrl = running.url;
    partner = await startPartnerSite(() => gatewayUrl);
    stranger = await startPartnerSite(() => gatewayUrl);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await running?.close();
    await partner?.close();
    await stranger?.close();
  });

  for (const width of WIDTHS) {
    it(`the widget at ${width} px: the web component and an iframe fitted by /embed.js show every card whole`, async () => {
      // The iframe asks for 320 px, which clipped the third card: the helper in /embed.js fits it.
      partner.pages["/both"] = partnerPage(
        gatewayUrl,
        `<div class="slot"><newsgate-feed id="widget" section="technology" limit="3"></newsgate-feed></div>
<div class="slot"><iframe id="frame" title="Technology news" src="${gatewayUrl}/embed/technology?limit=3" height="320"></iframe></div>`,
      );
      const context = await browser.newContext({ viewport: { width, height: 800 } });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on("console", (message) => void (["error", "warning"].includes(message.type()) && problems.push(message.text())));
      page.on("pageerror", (error) => problems.push(String(error)));
      try {
        await page.goto(`${partner.origin}/both`);
        await page.waitForFunction(() => document.querySelector("#widget")?.shadowRoot?.querySelectorAll("li").length === 3);
        const frame = page.frame({ url: /\/embed\/technology/ })!;
        await expect.poll(() => frame.locator("li").count()).toBe(3);
        // Fitted: the frame is as tall as its content, so the last card ends inside it.
        await expect
          .poll(
            async () => {
              const fit = await frameFit(frame);
              return fit.contentHeight <= fit.innerHeight && fit.lastCardBottom <= fit.innerHeight;
            },
            { timeout: 10_000 },
          )
          .toBe(true);
        const fit = await frameFit(frame);
        expect(fit.cards).toBe(3);
        const frameBox = (await page.locator("#frame").boundingBox())!;
        expect(frameBox.height).toBeGreaterThan(0);
        expect(Math.abs(frameBox.height - fit.contentHeight)).toBeLessThanOrEqual(1);
        if (width === 320) expect(frameBox.height).toBeGreaterThan(320);

        // The web component grows with its cards: the last one ends inside it.
        const widget = await page.evaluate(() => {
          const host = document.querySelector("#widget")!;
          const last = host.shadowRoot!.querySelector("li:last-child")!;
          return { hostBottom: host.getBoundingClientRect().bottom, lastBottom: last.getBoundingClientRect().bottom };
        });
        expect(widget.lastBottom).toBeLessThanOrEqual(widget.hostBottom);

        // Nothing sideways: neither page scrolls horizontally, and both embeds fit the window.
        const outer = await horizontalOverflow(page);
        expect(outer.scrollWidth).toBeLessThanOrEqual(outer.innerWidth);
        const inner = await frame.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
        expect(inner.scrollWidth).toBeLessThanOrEqual(inner.innerWidth);
        for (const id of ["#widget", "#frame"])
          expect((await page.locator(id).boundingBox())!.x + (await page.locator(id).boundingBox())!.width).toBeLessThanOrEqual(width);

        await page.screenshot({ path: `${OUTPUT}pages-widget-${width}.png`, fullPage: true });
        // A full-page shot may leave a cross-origin frame blank: the frame on its own.
        await page.locator("#frame").screenshot({ path: `${OUTPUT}pages-widget-iframe-${width}.png` });
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    });
  }

  it("the auto-height helper believes only its own frames, from the gateway's origin, and only a bounded number", async () => {
    partner.pages["/guarded"] = partnerPage(
      gatewayUrl,
      `<div class="slot"><iframe id="a" title="A" src="${gatewayUrl}/embed/technology?limit=1" height="200"></iframe></div>
<div class="slot"><iframe id="b" title="B" src="${gatewayUrl}/embed/science?limit=1" height="200"></iframe></div>
<div class="slot"><iframe id="other" title="Other" src="${stranger.origin}/poster" height="100"></iframe></div>`,
    );
    // Another site, framed on the same page, that claims to be a Newsgate frame.
    stranger.pages["/poster"] = "<!doctype html><title>poster</title><p>not Newsgate</p>";
    const context = await browser.newContext({ viewport: { width: 800, height: 800 } });
    const page = await context.newPage();
    try {
      await page.goto(`${partner.origin}/guarded`);
      const heightOf = (id: string) => page.locator(`#${id}`).evaluate((el) => Math.round(el.getBoundingClientRect().height));
      const a = page.frame({ url: /\/embed\/technology/ })!;
      const b = page.frame({ url: /\/embed\/science/ })!;
      const other = page.frame({ url: /\/poster$/ })!;
      // Both fitted to their one card.
      await expect.poll(async () => (await heightOf("a")) === (await frameFit(a)).contentHeight).toBe(true);
      await expect.poll(async () => (await heightOf("b")) === (await frameFit(b)).contentHeight).toBe(true);
      const before = { a: await heightOf("a"), b: await heightOf("b"), other: await heightOf("other") };

      const post = (from: Frame | Page, data: unknown) => from.evaluate((message) => window.parent.postMessage(message, "*"), data);
      // From the page itself (its own origin), and from a frame of another origin: ignored.
      await page.evaluate(() => window.postMessage({ type: "newsgate:height", height: 777 }, "*"));
      await post(other, { type: "newsgate:height", height: 555 });
      // From a gateway frame, but not a number in bounds: ignored.
      for (const height of ["900", 1e9, -5, 0, Number.NaN, Number.POSITIVE_INFINITY, null, { valueOf: 900 }])
        await post(a, { type: "newsgate:height", height });
      await post(a, "newsgate:height");
      await page.waitForTimeout(300);
      expect({ a: await heightOf("a"), b: await heightOf("b"), other: await heightOf("other") }).toEqual(before);

      // A sane number from frame b resizes b alone.
      await post(b, { type: "newsgate:height", height: 432.2 });
      await expect.poll(() => heightOf("b")).toBe(433);
      expect(await heightOf("a")).toBe(before.a);
      expect(await heightOf("other")).toBe(before.other);
    } finally {
      await context.close();
    }
  });

  it("the helper fits a frame that had loaded before /embed.js ran", async () => {
    // The script is added only once the frame has loaded and posted (to no one).
    partner.pages["/late"] = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>late</title>
<style>iframe { display: block; width: 320px; border: 0; }</style></head><body>
<iframe id="frame" title="Technology news" src="${gatewayUrl}/embed/technology?limit=3" height="150"></iframe>
</body></html>`;
    const context = await browser.newContext({ viewport: { width: 400, height: 800 } });
    const page = await context.newPage();
    try {
      await page.goto(`${partner.origin}/late`, { waitUntil: "load" });
      const frame = page.frame({ url: /\/embed\/technology/ })!;
      expect((await frameFit(frame)).cards).toBe(3);
      await page.waitForTimeout(200);
      expect(await page.locator("#frame").evaluate((el) => el.getBoundingClientRect().height)).toBe(150);
      await page.addScriptTag({ url: `${gatewayUrl}/embed.js`, type: "module" });
      await expect
        .poll(async () => {
          const fit = await frameFit(frame);
          return fit.contentHeight <= fit.innerHeight && fit.innerHeight > 150;
        })
        .toBe(true);
    } finally {
      await context.close();
    }
  });

  for (const width of WIDTHS) {
    it(`GraphiQL at ${width} px loads and shows the example query`, async () => {
      const context = await browser.newContext({ viewport: { width, height: 800 } });
      const page = await context.newPage();
      try {
        await page.goto(`${gatewayUrl}/graphql`);
        await page.waitForSelector(".graphiql-container", { timeout: 30_000 });
        await expect.poll(() => page.evaluate(() => /Related\s+editorial/.test(document.body.innerText)), { timeout: 30_000 }).toBe(true);
        const box = (await page.locator(".graphiql-container").first().boundingBox())!;
        expect(box.width).toBeGreaterThan(0);
        expect(box.x + box.width).toBeLessThanOrEqual(width);
        await page.screenshot({ path: `${OUTPUT}pages-graphiql-${width}.png` });
      } finally {
        await context.close();
      }
    }, 60_000);
  }

  it("GraphiQL's page is kept by the browser and revalidated: a second load is a 304, not 2 MB again", async () => {
    // A profile on disk: an incognito context's cache, in memory, keeps no entry as large as the page.
    // No script: GraphiQL's own POSTs to /graphql would make Chromium drop the page it keeps for that
    // URL (an unsafe method invalidates it, RFC 9111 §4.4) unless it queries over GET.
    const profile = mkdtempSync(path.join(tmpdir(), "newsgate-chromium-"));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
      headless: true,
      javaScriptEnabled: false,
    });
    const loads: { ifNoneMatch: string | undefined; etag: string | undefined; bodyBytes: number }[] = [];
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      page.on("requestfinished", async (request) => {
        if (new URL(request.url()).pathname !== "/graphql" || request.method() !== "GET") return;
        const [sent, received, sizes] = await Promise.all([
          request.allHeaders(),
          (await request.response())!.allHeaders(),
          request.sizes(),
        ]);
        loads.push({ ifNoneMatch: sent["if-none-match"], etag: received.etag, bodyBytes: sizes.responseBodySize });
      });
      await page.goto(`${gatewayUrl}/graphql`);
      await page.goto(`${gatewayUrl}/graphql`);
      await page.reload();
      await expect.poll(() => loads.length).toBe(3);
      expect(loads[0]).toMatchObject({ ifNoneMatch: undefined, etag: expect.stringMatching(/^"[A-Za-z0-9_-]+\.br"$/) });
      expect(loads[0]!.bodyBytes).toBeGreaterThan(1_000_000);
      for (const again of loads.slice(1)) {
        expect(again.ifNoneMatch).toBe(loads[0]!.etag);
        expect(again.bodyBytes).toBe(0);
      }
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("/status in Chromium at 320, 375 and 1280 px", () => {
  let browser: Browser;
  let upstream: Awaited<ReturnType<typeof startFixtureServer>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;

  beforeAll(async () => {
    [browser, upstream] = await Promise.all([
      launchChromium(),
      startFixtureServer({
        "/wire.rss": serveBody(wire, "application/rss+xml"),
        "/broken": (_req, res) => void res.writeHead(502).end(),
      }),
    ]);
    gateway = await startGateway({
      sources: [
        { id: "wire", name: "Wire", url: upstream.url("/wire.rss"), section: "technology" },
        // Long words with nowhere to break: they must wrap, not widen the page.
        {
          id: "a-source-with-a-very-long-identifier-that-never-breaks",
          name: "Averyveryverylongsourcenamewithoutanyspacesatall",
          url: upstream.url("/broken/with/a/very/long/path/that/goes/on/and/on/and/on"),
          section: "business",
        },
      ],
    });
    await gateway.warmUp();
    for (let i = 0; i < 4; i++)
      await Promise.all(["wire", "a-source-with-a-very-long-identifier-that-never-breaks"].map((id) => gateway.refreshSource(id)));
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await upstream?.close();
  });

  for (const width of [320, 375, 1280]) {
    it(`has no horizontal overflow at ${width} px, and every row and chart is inside the window`, async () => {
      const context = await browser.newContext({ viewport: { width, height: 800 } });
      const page = await context.newPage();
      try {
        await page.goto(`${gateway.url}/status`, { waitUntil: "load" });
        const overflow = await horizontalOverflow(page);
        expect(overflow.scrollWidth).toBeLessThanOrEqual(overflow.innerWidth);
        const boxes = await page.evaluate(() =>
          Array.from(document.querySelectorAll("tr.source, tr.source td, svg.chart, .badge")).map((el) => {
            const box = el.getBoundingClientRect();
            return { what: `${el.localName}.${el.getAttribute("class")}`, left: box.left, right: box.right };
          }),
        );
        expect(boxes.length).toBeGreaterThan(0);
        for (const box of boxes) {
          expect(box.left, box.what).toBeGreaterThanOrEqual(0);
          expect(box.right, box.what).toBeLessThanOrEqual(width);
        }
        // Every chart is drawn at its full size, and on a phone each value keeps its label.
        for (const chart of await page.locator("svg.chart").all()) expect((await chart.boundingBox())!.width).toBeGreaterThanOrEqual(200);
        if (width < 760) {
          expect(await page.locator("thead").evaluate((el) => el.getBoundingClientRect().height)).toBeLessThanOrEqual(1);
          expect(await page.locator('tr[data-source="wire"] td.num').evaluate((td) => getComputedStyle(td, "::before").content)).toBe(
            '"Items"',
          );
        } else {
          expect(
            await page
              .locator("tr.source")
              .first()
              .evaluate((tr) => getComputedStyle(tr).display),
          ).toBe("table-row");
        }
        await page.screenshot({ path: `${OUTPUT}pages-status-${width}.png`, fullPage: true });
      } finally {
        await context.close();
      }
    });
  }
});
