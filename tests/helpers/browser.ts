import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { chromium, type Browser } from "playwright-core";

/** Debian's chromium package (`apt-get install -y chromium`); playwright-core downloads no browser of its own. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // Belt and braces next to the request routing below: no host name but our own resolves.
  "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
];

/** Launches headless Chromium, failing with a clear message (never skipping) when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: the browser tests need Debian's chromium (apt-get install -y chromium)`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

/** One thing that ran (or tried to) on a harness page. `vector` is the index of the enclosing `[data-vector]`, when known. */
export interface ExecutionRecord {
  kind: string;
  detail: string;
  vector: number | null;
}

/** Something in the browser's DOM that must not be there. */
export interface DomFinding {
  vector: number | null;
  tag: string;
  problem: string;
}

export interface ProbeResult {
  /** `window.__xss` after load and after every element was hovered, focused, clicked, typed into. */
  records: ExecutionRecord[];
  /** Dialogs Chromium opened (alert/confirm/prompt/beforeunload), should a vector reach a native one. */
  dialogs: string[];
  /** Uncaught errors Playwright saw on the page. */
  pageErrors: string[];
  /** Requests aborted because they were not for our 127.0.0.1 server. */
  blocked: string[];
  /** Every request the page made, allowed or not. */
  requests: string[];
  /** WebSockets the page opened (not covered by request routing, so any is a failure). */
  webSockets: string[];
  /** Main-frame navigations after the first load (link clicks are prevented, so any is a failure). */
  navigations: string[];
  domFindings: DomFinding[];
  /** `[data-vector]` containers found in the browser's DOM. */
  vectorsRendered: number;
  /** `<script>` elements in the document (our canary is one). */
  scripts: number;
  /** Elements that received the synthetic events. */
  elementsExercised: number;
  baseURI: string;
}

const NONCE = "newsgate-xss-canary";

/**
 * The canary, our own script and the only one a page may legitimately run: it
 * runs before any vector, defines `window.__xss`, replaces the dialog functions
 * with recorders, and records script errors and Content-Security-Policy
 * violations (the page is served with a report-only policy that allows this
 * nonce alone, so every inline script, event handler or `javascript:` URL that
 * runs, or tries to, is reported without changing what the page does).
 */
const CANARY = `(() => {
  const records = [];
  Object.defineProperty(window, "__xss", { value: records, writable: false, configurable: false });
  const where = (node) => {
    const el = node && node.nodeType === 1 ? node : node && node.parentElement;
    const holder = el && typeof el.closest === "function" ? el.closest("[data-vector]") : null;
    return holder ? Number(holder.getAttribute("data-vector")) : null;
  };
  const record = (kind, detail, node) => {
    const origin = node || (window.event && window.event.target) || document.currentScript;
    records.push({ kind, detail: String(detail).slice(0, 300), vector: where(origin) });
  };
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    window[name] = function (...args) {
      record(name, args.map(String).join(", "));
      return name === "confirm" ? false : name === "prompt" ? null : undefined;
    };
  }
  // Script errors only: resource load failures and synthetic "error" events are plain Events, not ErrorEvents.
  window.addEventListener("error", (event) => {
    if (event instanceof ErrorEvent) record("error", event.message + " @ " + event.filename + ":" + event.lineno + ":" + event.colno);
  }, true);
  window.addEventListener("unhandledrejection", (event) => record("unhandledrejection", String(event.reason)));
  document.addEventListener("securitypolicyviolation", (event) => {
    record("csp", event.violatedDirective + ": " + (event.sample || event.blockedURI), event.target);
  }, true);
})();`;

const CSP_REPORT_ONLY = [
  `script-src 'nonce-${NONCE}' 'report-sample'`,
  "object-src 'none'",
  "base-uri 'none'",
  "frame-src 'none'",
  "form-action 'none'",
].join("; ");

const escapeText = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A page with the canary first, then each fragment inside its own `<div data-vector="i">`, unchanged. */
export function harnessHtml(title: string, fragments: { label: string; html: string }[]): string {
  const body = fragments
    .map(
      ({ label, html }, index) =>
        `<section class="case"><h2>${escapeText(label)}</h2>\n<div data-vector="${index}">${html}</div></section>`,
    )
    .join("\n");
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeText(title)}</title>
<script nonce="${NONCE}">${CANARY}</script>
<style>
  body { font: 13px/1.4 sans-serif; margin: 12px; }
  .case { border: 1px solid #ccc; margin: 6px 0; padding: 4px 8px; overflow: hidden; max-height: 320px; }
  .case h2 { font-size: 11px; color: #666; margin: 0 0 4px; font-weight: normal; }
  .case img { max-width: 200px; max-height: 120px; }
</style>
</head><body>
${body}
</body></html>`;
}

export interface PageServer {
  url(path: string): string;
  origin: string;
  close(): Promise<void>;
}

/** Serves the given pages (path -> HTML) on 127.0.0.1 with the report-only CSP; everything else is a 404. */
export async function startPageServer(pages: Record<string, string>): Promise<PageServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    const page = pages[path];
    if (page === undefined) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res
      .writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        "content-security-policy-report-only": CSP_REPORT_ONLY,
      })
      .end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    url: (path: string) => `${origin}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Elements that must never reach a reader's DOM. */
export const FORBIDDEN_ELEMENTS = [
  "script",
  "style",
  "base",
  "form",
  "iframe",
  "object",
  "embed",
  "meta",
  "link",
  "svg",
  "math",
  "frame",
  "frameset",
  "applet",
  "input",
  "button",
  "textarea",
  "select",
];

/** Events dispatched on every element after load, to fire whatever handler an element might carry. */
const MOUSE_EVENTS = [
  "mouseover",
  "mouseenter",
  "mousemove",
  "mousedown",
  "mouseup",
  "click",
  "dblclick",
  "contextmenu",
  "mouseout",
  "mouseleave",
];
const POINTER_EVENTS = ["pointerover", "pointerenter", "pointerdown", "pointerup", "pointerout"];
const FOCUS_EVENTS = ["focus", "focusin", "blur", "focusout"];
const KEY_EVENTS = ["keydown", "keypress", "keyup"];
const OTHER_EVENTS = [
  "input",
  "change",
  "select",
  "toggle",
  "load",
  "error",
  "scroll",
  "wheel",
  "copy",
  "paste",
  "cut",
  "drag",
  "dragstart",
  "drop",
  "animationstart",
  "animationend",
  "transitionend",
  "beforetoggle",
];

/**
 * Loads `url` (served by our own server) in a fresh context, lets it settle,
 * then hovers, focuses, clicks and types into every element (clicks are
 * cancelled so nothing navigates), and reports what ran, what the page asked
 * for, and what the browser's DOM holds. Only requests to `allowedOrigin` are
 * let through; everything else is aborted and counted.
 */
export async function probePage(
  browser: Browser,
  url: string,
  allowedOrigin: string,
  options: { screenshotPath?: string } = {},
): Promise<ProbeResult> {
  const context = await browser.newContext({ serviceWorkers: "block", viewport: { width: 1000, height: 800 } });
  const page = await context.newPage();
  const dialogs: string[] = [];
  const pageErrors: string[] = [];
  const blocked: string[] = [];
  const requests: string[] = [];
  const webSockets: string[] = [];
  const navigations: string[] = [];
  try {
    page.on("dialog", (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      dialog.dismiss().catch(() => {});
    });
    page.on("pageerror", (error) => pageErrors.push(String(error)));
    page.on("request", (request) => requests.push(request.url()));
    page.on("websocket", (socket) => webSockets.push(socket.url()));
    await page.route("**/*", (route) => {
      const target = route.request().url();
      if (target === allowedOrigin || target.startsWith(`${allowedOrigin}/`)) return route.continue();
      blocked.push(target);
      return route.abort("blockedbyclient");
    });

    await page.goto(url, { waitUntil: "load" });
    page.on("framenavigated", (frame) => {
      if (frame === page.mainFrame()) navigations.push(frame.url());
    });

    // Lazy images would only load (and fire their handlers) when scrolled to: load them all now.
    await page.evaluate(() => {
      for (const img of Array.from(document.images)) if (img.loading === "lazy") img.loading = "eager";
    });
    await page.waitForFunction(() => Array.from(document.images).every((img) => img.complete), undefined, { timeout: 15_000 });
    await page.waitForTimeout(200);

    const elementsExercised = await page.evaluate(
      ({ mouse, pointer, focus, keys, other }) => {
        const cancel = (event: Event) => event.preventDefault();
        document.addEventListener("click", cancel, true);
        document.addEventListener("auxclick", cancel, true);
        document.addEventListener("submit", cancel, true);
        const elements = Array.from(document.body.querySelectorAll("*"));
        for (const el of elements) {
          for (const type of mouse) el.dispatchEvent(new MouseEvent(type, { bubbles: true, cancelable: true, view: window }));
          for (const type of pointer) el.dispatchEvent(new PointerEvent(type, { bubbles: true, cancelable: true, view: window }));
          if (el instanceof HTMLElement || el instanceof SVGElement) el.focus({ preventScroll: true });
          for (const type of focus) el.dispatchEvent(new FocusEvent(type, { bubbles: type.endsWith("in") || type.endsWith("out") }));
          for (const type of keys) el.dispatchEvent(new KeyboardEvent(type, { bubbles: true, cancelable: true, key: "a" }));
          // As in a browser, load and error do not bubble (so they never reach window's error listener).
          for (const type of other) el.dispatchEvent(new Event(type, { bubbles: type !== "load" && type !== "error", cancelable: true }));
        }
        return elements.length;
      },
      { mouse: MOUSE_EVENTS, pointer: POINTER_EVENTS, focus: FOCUS_EVENTS, keys: KEY_EVENTS, other: OTHER_EVENTS },
    );
    // Let anything the events queued (timers, microtasks, image loads) happen.
    await page.waitForTimeout(300);

    const inspected = await page.evaluate((forbidden) => {
      const findings: { vector: number | null; tag: string; problem: string }[] = [];
      const urlAttributes = [
        "href",
        "src",
        "xlink:href",
        "action",
        "formaction",
        "background",
        "poster",
        "data",
        "cite",
        "ping",
        "lowsrc",
        "dynsrc",
        "codebase",
        "longdesc",
        "usemap",
        "manifest",
        "icon",
      ];
      const where = (el: Element) => {
        const holder = el.closest("[data-vector]");
        return holder ? Number(holder.getAttribute("data-vector")) : null;
      };
      for (const el of Array.from(document.body.querySelectorAll("*"))) {
        const tag = el.localName;
        const report = (problem: string) => findings.push({ vector: where(el), tag, problem });
        if (forbidden.includes(tag)) report(`<${tag}> element in the DOM`);
        for (const attr of Array.from(el.attributes)) {
          const name = attr.name.toLowerCase();
          if (name.startsWith("on")) report(`event-handler attribute ${name}="${attr.value.slice(0, 80)}"`);
          if (name === "style") report(`style attribute "${attr.value.slice(0, 80)}"`);
          const urls =
            name === "srcset"
              ? attr.value.split(",").map((part) => part.trim().split(/\s+/)[0] ?? "")
              : urlAttributes.includes(name)
                ? [attr.value]
                : [];
          for (const value of urls) {
            let protocol: string;
            try {
              protocol = new URL(value, document.baseURI).protocol;
            } catch {
              continue; // Not a URL the browser could follow.
            }
            if (protocol === "javascript:" || protocol === "vbscript:")
              report(`${name} resolves to a ${protocol} URL: "${value.slice(0, 80)}"`);
            if (protocol === "data:" && !(tag === "img" && name === "src"))
              report(`${name} is a data: URL outside img src: "${value.slice(0, 80)}"`);
          }
        }
        // What the browser itself would follow for links.
        if (el instanceof HTMLAnchorElement && el.hasAttribute("href") && /^(javascript|vbscript):$/.test(el.protocol)) {
          report(`link resolves to ${el.href.slice(0, 80)}`);
        }
      }
      return {
        findings,
        vectorsRendered: document.querySelectorAll("[data-vector]").length,
        scripts: document.scripts.length,
        baseURI: document.baseURI,
      };
    }, FORBIDDEN_ELEMENTS);

    const records = await page.evaluate(() => ((window as unknown as { __xss?: unknown[] }).__xss ?? null) as ExecutionRecordLike[] | null);
    if (records === null) throw new Error(`the canary did not run on ${url}: window.__xss is missing, so the harness cannot see anything`);

    if (options.screenshotPath) await page.screenshot({ path: options.screenshotPath, fullPage: true });

    return {
      records: records.map((r) => ({
        kind: String(r.kind),
        detail: String(r.detail),
        vector: typeof r.vector === "number" ? r.vector : null,
      })),
      dialogs,
      pageErrors,
      blocked,
      requests,
      webSockets,
      navigations,
      domFindings: inspected.findings,
      vectorsRendered: inspected.vectorsRendered,
      scripts: inspected.scripts,
      elementsExercised,
      baseURI: inspected.baseURI,
    };
  } finally {
    await context.close();
  }
}

interface ExecutionRecordLike {
  kind: unknown;
  detail: unknown;
  vector: unknown;
}
