import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sanitizeContent } from "../../src/ingest/sanitize.ts";
import { loadVectors, staticProblems, visible, type Vector } from "../helpers/xss.ts";
import { harnessHtml, launchChromium, probePage, startPageServer, type PageServer, type ProbeResult } from "../helpers/browser.ts";

/**
 * Every XSS vector from DOMPurify's test fixtures (shared corpus, read at run
 * time) through `sanitizeContent`: first checked statically, then rendered in
 * headless Chromium to prove nothing runs.
 */

const BASE = ["https://feed.example/"];
const SCREENSHOT_URL = new URL("../output/xss-vectors.png", import.meta.url);

const corpus = loadVectors();
const vectors = corpus.vectors;
const label = (v: Vector, index: number) => `#${index} ${v.id}${v.title ? ` "${v.title}"` : ""}`;

// Sanitize once; both parts check the same output.
const outputs = vectors.map((v) => sanitizeContent(v.payload, BASE));

describe("sanitizeContent against DOMPurify's XSS vectors (static)", () => {
  let checked = 0;
  let failed = 0;

  afterAll(() => {
    console.log(`xss-vectors (static): ${checked} of ${vectors.length} vectors checked, ${failed} with problems`);
  });

  it("reads the vector corpus", () => {
    if (corpus.error) throw new Error(corpus.error);
    expect(vectors.length, "vector count").toBeGreaterThan(0);
    if (corpus.expectedCount !== null) expect(vectors.length, "vectors vs _about.count").toBe(corpus.expectedCount);
  });

  vectors.forEach((vector, index) => {
    it(`vector ${label(vector, index)}`, () => {
      const output = outputs[index]!;
      const problems = staticProblems(output);
      checked += 1;
      if (problems.length) failed += 1;
      expect(problems, `vector ${label(vector, index)}\n  payload: ${visible(vector.payload)}\n  output:  ${visible(output)}`).toEqual([]);
    });
  });

  it("the static checks themselves catch what they look for", () => {
    // A check that finds nothing on known-bad markup would pass vacuously.
    expect(staticProblems(`<a href="&#x6A;ava&#x09;script&colon;alert(1)">x</a>`).join()).toMatch(/script URL/);
    expect(staticProblems(`<a href="\u2028javascript:alert(1)">x</a>`).join()).toMatch(/script URL/);
    expect(staticProblems(`<img src=x onerror=alert(1)>`).join()).toMatch(/event-handler/);
    expect(staticProblems(`<a href="data:text/html,x">x</a>`).join()).toMatch(/data: URL/);
    expect(staticProblems(`<img src="data:image/png,x">`)).toEqual([]);
    expect(staticProblems(`<p style="x">`).join()).toMatch(/style attribute/);
    expect(staticProblems(`<SVG/onload=x>`).join()).toMatch(/<svg>/);
    expect(staticProblems(`<scrIpt>1</script>`).join()).toMatch(/<script/);
    expect(staticProblems(`<p title="&lt;script&gt;">&lt;svg onload=x&gt;</p>`)).toEqual([]);
  });
});

describe("sanitized vectors in headless Chromium", () => {
  let browser: Browser | undefined;
  let server: PageServer | undefined;
  let sanitized: ProbeResult;
  let control: ProbeResult;
  const started = Date.now();

  beforeAll(async () => {
    if (corpus.error) throw new Error(corpus.error);
    const controlFragments = [
      { label: "control: img onerror", html: `<img src=x onerror=alert(1)>` },
      { label: "control: onmouseover", html: `<div onmouseover="alert(2)">hover me</div>` },
      { label: "control: inline script", html: `<script>alert(3)</script>` },
      { label: "control: javascript: link", html: `<a href="javascript:alert(4)">click me</a>` },
    ];
    server = await startPageServer({
      "/sanitized": harnessHtml(
        "Newsgate: sanitized XSS vectors",
        vectors.map((v, index) => ({ label: label(v, index), html: outputs[index]! })),
      ),
      "/control": harnessHtml("Newsgate: unsanitized control", controlFragments),
    });
    browser = await launchChromium();
    mkdirSync(new URL(".", SCREENSHOT_URL), { recursive: true });
    sanitized = await probePage(browser, server.url("/sanitized"), server.origin, { screenshotPath: fileURLToPath(SCREENSHOT_URL) });
    control = await probePage(browser, server.url("/control"), server.origin);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (sanitized) {
      console.log(
        `xss-vectors (browser): ${sanitized.vectorsRendered} vectors rendered, ${sanitized.elementsExercised} elements exercised, ` +
          `${sanitized.records.length} executions, ${sanitized.dialogs.length} dialogs, ${sanitized.blocked.length} outside requests blocked, ` +
          `${Math.round((Date.now() - started) / 100) / 10}s`,
      );
    }
  }, 60_000);

  const describeRecords = (result: ProbeResult) =>
    result.records.map((r) => `${r.vector === null ? "page" : label(vectors[r.vector]!, r.vector)}: ${r.kind} ${r.detail}`).join("\n");

  it("the control page proves the harness sees execution", () => {
    // Unsanitized markup must be caught by every detector, or a clean result below means nothing.
    const ran = (vector: number, kind: string) => control.records.some((r) => r.vector === vector && r.kind === kind);
    expect(ran(0, "alert"), `img onerror on load; records:\n${JSON.stringify(control.records, null, 1)}`).toBe(true);
    expect(ran(1, "alert"), "onmouseover via the synthetic events").toBe(true);
    expect(ran(2, "alert"), "inline <script>").toBe(true);
    expect(
      control.records.some((r) => r.kind === "csp"),
      "CSP report-only violations",
    ).toBe(true);
    const problems = control.domFindings.map((f) => `${f.vector}: ${f.problem}`).join("\n");
    expect(problems).toMatch(/0: event-handler attribute onerror/);
    expect(problems).toMatch(/2: <script> element/);
    expect(problems).toMatch(/3: href resolves to a javascript: URL/);
    expect(control.navigations, "clicks are cancelled, the javascript: link did not navigate").toEqual([]);
  }, 60_000);

  it("renders every vector on a real origin", () => {
    expect(sanitized.vectorsRendered).toBe(vectors.length);
    expect(sanitized.baseURI, "no <base> took over the page").toMatch(/^http:\/\/127\.0\.0\.1:\d+\/sanitized$/);
    expect(sanitized.scripts, "only the canary script is in the document").toBe(1);
    expect(sanitized.elementsExercised).toBeGreaterThan(vectors.length);
  });

  it("no vector runs script or opens a dialog", () => {
    expect(describeRecords(sanitized), "window.__xss (canary: dialogs, errors, CSP violations)").toBe("");
    expect(sanitized.dialogs, "native dialogs").toEqual([]);
    expect(sanitized.pageErrors, "uncaught page errors").toEqual([]);
    expect(sanitized.navigations, "navigations away from the page").toEqual([]);
  });

  it("the browser's DOM holds nothing executable", () => {
    const findings = sanitized.domFindings.map((f) => `${f.vector === null ? "page" : label(vectors[f.vector]!, f.vector)}: ${f.problem}`);
    expect(findings.join("\n")).toBe("");
  });

  it("nothing reaches beyond 127.0.0.1 and no javascript: URL is requested", () => {
    expect(
      sanitized.requests.filter((u) => /^\s*(javascript|vbscript):/i.test(u)),
      "javascript:/vbscript: requests",
    ).toEqual([]);
    expect(sanitized.webSockets, "WebSockets").toEqual([]);
    const origin = server!.origin;
    const escaped = sanitized.requests.filter(
      (u) => !u.startsWith(`${origin}/`) && !u.startsWith("data:") && !sanitized.blocked.includes(u),
    );
    expect(escaped, "requests outside our server that were not blocked").toEqual([]);
  });
});

describe("foreign content and raw-text elements are dropped with their text", () => {
  // Namespace-confusion and raw-text mutation vectors: whatever a browser would
  // make of them, nothing inside <svg>, <math>, <noscript> or <template> survives.
  const payloads = [
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "<math><mi><style><img src=x onerror=alert(1)></style></mi></math>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<template><img src=x onerror=alert(1)></template>",
    // sanitize-html's own list, which nonTextTags replaces: still dropped whole.
    "<xmp><img src=x onerror=alert(1)></xmp>",
    "<textarea><img src=x onerror=alert(1)></textarea>",
    "<select><option>&lt;img src=x onerror=alert(1)&gt;</option></select>",
    "<style>@import 'x';</style><script>alert(1)</script>",
  ];
  for (const payload of payloads) {
    it(visible(payload), () => {
      const output = sanitizeContent(`<p>before</p>${payload}`, BASE);
      expect(staticProblems(output)).toEqual([]);
      expect(output).toBe("<p>before</p>");
    });
  }
});
