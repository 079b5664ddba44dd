// <newsgate-feed section="technology" limit="5" theme="light|dark" key="…"></newsgate-feed>
// Load with <script type="module" src="https://GATEWAY/embed.js"></script>. No framework, Shadow DOM
// (neither page's CSS reaches the other), every piece of data set through textContent.
// It also fits the height of every <iframe src="https://GATEWAY/embed/…"> on the page to its cards.

/** The gateway this script was loaded from: the widget asks it, whatever page it sits on. */
const GATEWAY = new URL(import.meta.url).origin;
/** Replaced by the gateway with the card styles it also serves the embed page with. */
const CSS = "__NEWSGATE_CARDS_CSS__";
const DEFAULT_LIMIT = 5;
const MAX_LIMIT = 20;
const TIMEOUT_MS = 8000;
const UNAVAILABLE = "News is unavailable right now";
const SECTION = /^[a-z0-9][a-z0-9-]{0,62}$/;
const HTTP_URL = /^https?:\/\//i;
const DATE = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", year: "numeric", timeZone: "UTC" });

// Inherited properties (color, font, letter-spacing…) cross a shadow boundary: start from none of the page's.
const HOST_CSS = ":host{all:initial;display:block}:host([hidden]){display:none}";

let sheet = null;
function styles(root) {
  // A constructed sheet is shared by every instance and passes partners' strict style-src policies.
  try {
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(`${HOST_CSS}${CSS}`);
    }
    root.adoptedStyleSheets = [sheet];
  } catch {
    const style = document.createElement("style");
    style.textContent = `${HOST_CSS}${CSS}`;
    root.append(style);
  }
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

class NewsgateFeed extends HTMLElement {
  static observedAttributes = ["section", "limit", "theme", "key"];

  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    styles(this.shadowRoot);
    this.box = el("section", "ng");
    this.heading = el("h2", "", "Latest news");
    this.heading.id = "ng-heading";
    this.box.setAttribute("aria-labelledby", "ng-heading");
    this.list = el("ul");
    this.box.append(this.heading, this.list);
    this.shadowRoot.append(this.box);
    this.pending = null;
    this.controller = null;
  }

  connectedCallback() {
    this.schedule();
  }

  disconnectedCallback() {
    this.controller?.abort();
  }

  attributeChangedCallback(name) {
    if (name === "theme") this.box.classList.toggle("dark", this.getAttribute("theme") === "dark");
    else if (this.isConnected) this.schedule();
  }

  /** Several attributes set in a row cause one request. */
  schedule() {
    if (this.pending) return;
    this.pending = Promise.resolve().then(() => {
      this.pending = null;
      return this.load();
    });
  }

  async load() {
    this.controller?.abort();
    const controller = (this.controller = new AbortController());
    const section = this.getAttribute("section") ?? "";
    const asked = Number.parseInt(this.getAttribute("limit") ?? "", 10);
    const limit = Math.min(MAX_LIMIT, Math.max(1, Number.isFinite(asked) ? asked : DEFAULT_LIMIT));
    const key = this.getAttribute("key");
    this.box.classList.toggle("dark", this.getAttribute("theme") === "dark");
    this.list.setAttribute("aria-busy", "true");
    try {
      if (!SECTION.test(section)) throw new Error("section");
      const url = new URL(`/embed/${section}.json`, GATEWAY);
      url.searchParams.set("limit", String(limit));
      if (key) url.searchParams.set("key", key);
      const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
      let data;
      try {
        const response = await fetch(url, { signal: controller.signal, credentials: "omit", headers: { accept: "application/json" } });
        if (!response.ok) throw new Error(String(response.status));
        data = await response.json();
      } finally {
        clearTimeout(timer);
      }
      if (controller.signal.aborted) return;
      this.render(data);
    } catch {
      // Quietly: a partner's page must not fill with our errors when the gateway is away.
      if (this.controller === controller) this.unavailable();
    }
  }

  render(data) {
    const name = typeof data?.section?.name === "string" ? data.section.name : "";
    this.heading.textContent = name ? `Latest in ${name}` : "Latest news";
    const items = Array.isArray(data?.articles) ? data.articles : [];
    const cards = items.filter((a) => a && typeof a.title === "string").map((a) => this.card(a));
    this.box.querySelector(".msg")?.remove();
    this.list.replaceChildren(...cards);
    this.list.removeAttribute("aria-busy");
    if (!cards.length) this.box.append(el("p", "msg", "No articles yet"));
  }

  card(article) {
    const item = el("li");
    const body = el("article");
    const title = el("h3");
    if (typeof article.url === "string" && HTTP_URL.test(article.url)) {
      const link = el("a", "", article.title);
      link.href = article.url;
      title.append(link);
    } else {
      title.textContent = article.title;
    }
    body.append(el("p", "sec", String(article.section ?? "")), title);
    if (typeof article.summary === "string" && article.summary) body.append(el("p", "sum", article.summary));
    const meta = el("p", "meta", `${Number(article.readingTimeMinutes) || 1} min read`);
    const date = article.publishedAt ? new Date(article.publishedAt) : null;
    if (date && !Number.isNaN(date.getTime())) {
      const time = el("time", "", DATE.format(date));
      time.dateTime = date.toISOString();
      meta.append(" · ", time);
    }
    body.append(meta);
    item.append(body);
    return item;
  }

  unavailable() {
    this.list.replaceChildren();
    this.list.removeAttribute("aria-busy");
    this.box.querySelector(".msg")?.remove();
    const message = el("p", "msg", UNAVAILABLE);
    message.setAttribute("role", "status");
    this.box.append(message);
  }
}

if (!customElements.get("newsgate-feed")) customElements.define("newsgate-feed", NewsgateFeed);

// Auto-height for the iframe embed: the gateway's /embed/ page posts its content's height (see
// embed-page.ts). Only a message from the gateway's origin, sent by the window of one of this
// page's iframes whose src is that page, resizes that iframe; all it is trusted for is a number,
// and that within bounds.
const HEIGHT_MESSAGE = "newsgate:height";
const MEASURE_MESSAGE = "newsgate:measure";
const MAX_FRAME_HEIGHT = 10000;
const EMBED_PAGE = /^\/embed\/[a-z0-9][a-z0-9-]{0,62}$/;

function embedFrames() {
  return Array.from(document.querySelectorAll("iframe")).filter((frame) => {
    try {
      const url = new URL(frame.src);
      return url.origin === GATEWAY && EMBED_PAGE.test(url.pathname);
    } catch {
      return false;
    }
  });
}

// Once per page, should the script be loaded twice (two URLs, two module instances).
const AUTO_HEIGHT = Symbol.for("newsgate.autoHeight");
if (!window[AUTO_HEIGHT]) {
  window[AUTO_HEIGHT] = true;
  window.addEventListener("message", (event) => {
    if (event.origin !== GATEWAY || !event.source) return;
    const data = event.data;
    if (!data || typeof data !== "object" || data.type !== HEIGHT_MESSAGE) return;
    const height = data.height;
    if (typeof height !== "number" || !Number.isFinite(height) || height < 1 || height > MAX_FRAME_HEIGHT) return;
    const frame = embedFrames().find((f) => f.contentWindow === event.source);
    if (frame) frame.style.height = `${Math.ceil(height)}px`;
  });
  // Frames that finished loading before this script ran posted to no one: ask them again. To any
  // origin: a frame still loading holds an about:blank of this page's, and the request is no secret.
  for (const frame of embedFrames()) frame.contentWindow?.postMessage({ type: MEASURE_MESSAGE }, "*");
}
