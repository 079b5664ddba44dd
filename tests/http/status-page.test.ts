import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../helpers/browser.ts";
import { serveBody, startFixtureServer } from "../helpers/fixture-server.ts";
import { startGateway } from "../helpers/gateway.ts";
import { rssFeed } from "../helpers/ops.ts";

const wire = readFileSync(new URL("../fixtures/feeds/wire.rss", import.meta.url));
const OUTPUT = fileURLToPath(new URL("../output/", import.meta.url));
const HOSTILE_NAME = `<img src=x onerror="alert(1)"> Evil & "Co"`;

describe("GET /status", () => {
  let upstream: Awaited<ReturnType<typeof startFixtureServer>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let browser: Browser;
  let growing = 2;

  beforeAll(async () => {
    [browser, upstream] = await Promise.all([
      launchChromium(),
      startFixtureServer({
        "/wire.rss": serveBody(wire, "application/rss+xml"),
        // A feed that grows by one item per read, so its chart has a line to draw.
        "/growing.rss": (_req, res) => {
          const titles = Array.from({ length: growing++ }, (_, i) => `Growing story ${i}`);
          res.writeHead(200, { "content-type": "application/rss+xml" }).end(rssFeed("growing.example", titles));
        },
        "/broken": (_req, res) => void res.writeHead(502).end(),
      }),
    ]);
    gateway = await startGateway({
      sources: [
        { id: "wire", name: "Wire", url: upstream.url("/wire.rss"), section: "technology" },
        { id: "growing", name: "Growing Desk", url: `${upstream.url("/growing.rss")}?api-key=s3cret`, section: "science" },
        { id: "evil", name: HOSTILE_NAME, url: upstream.url("/broken"), section: "business" },
        { id: "off", name: "Switched off", url: upstream.url("/wire.rss"), section: "business", enabled: false },
      ],
    });
    await gateway.warmUp();
    for (let i = 0; i < 6; i++) await Promise.all(["wire", "growing", "evil"].map((id) => gateway.refreshSource(id)));
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await upstream?.close();
  });

  it("is served with a strict Content-Security-Policy, nosniff, no caching, and every value escaped", async () => {
    const response = await fetch(`${gateway.url}/status`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("cache-control")).toBe("no-store");
    const csp = response.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/]+=*'/);
    expect(csp).not.toContain("unsafe-inline");
    const html = await response.text();
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt; Evil &amp; &quot;Co&quot;");
    expect(html).not.toContain("<img");
    // Query strings may carry API keys: never shown.
    expect(html).not.toContain("s3cret");
    expect(html).not.toMatch(/<script|https?:\/\/(?!127\.0\.0\.1)[^"]*\.(js|css)/);
  });

  it("renders a row per source with health, a chart of recent reads, and the failing source as failing (headless Chromium)", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const page = await context.newPage();
    const problems: string[] = [];
    const foreign: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(String(error)));
    await page.route("**/*", (route) => {
      if (route.request().url().startsWith(gateway.url)) return route.continue();
      foreign.push(route.request().url());
      return route.abort();
    });
    try {
      await page.goto(`${gateway.url}/status`, { waitUntil: "load" });
      const rows = page.locator("tr.source");
      expect(await rows.count()).toBe(4);
      expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-source")))).toEqual(["wire", "growing", "evil", "off"]);

      const wire = page.locator('tr[data-source="wire"]');
      expect(await wire.locator(".badge").textContent()).toBe("ok");
      expect(await wire.locator("td.num").textContent()).toBe("3");

      const evil = page.locator('tr[data-source="evil"]');
      expect(await evil.getAttribute("class")).toContain("failing");
      expect(await evil.locator(".badge").textContent()).toMatch(/^failing/);
      expect(await evil.locator(".error").textContent()).toContain("HTTP_STATUS");
      // The hostile name shows as text and became no element.
      expect(await evil.locator(".name").textContent()).toBe(HOSTILE_NAME);
      expect(await page.locator("img").count()).toBe(0);
      expect(await page.locator('tr[data-source="off"] .badge').textContent()).toBe("disabled");

      // One chart per source; bars for each remembered read (7 per enabled source), red ones for failures.
      expect(await page.locator("tr.source svg.chart").count()).toBe(4);
      expect(await page.locator('tr[data-source="growing"] svg rect.bar').count()).toBe(7);
      expect(await page.locator('tr[data-source="growing"] svg polyline.items').count()).toBe(1);
      expect(await page.locator('tr[data-source="evil"] svg rect.bar.err').count()).toBe(7);

      // The stylesheet applied (its hash is in the policy) and nothing was refused or fetched elsewhere.
      expect(
        await page
          .locator("th")
          .first()
          .evaluate((th) => getComputedStyle(th).textTransform),
      ).toBe("uppercase");
      expect(await page.locator('meta[http-equiv="refresh"]').getAttribute("content")).toBe("10");
      expect(problems).toEqual([]);
      expect(foreign).toEqual([]);

      mkdirSync(OUTPUT, { recursive: true });
      await page.screenshot({ path: `${OUTPUT}status-page.png`, fullPage: true });
    } finally {
      await context.close();
    }
  });
});
