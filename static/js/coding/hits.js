// Search hits on the transcript page. A link from the Search page opens the transcript with
// ?hits=<the search's query string>&at=<offset of the hit clicked>: this module asks the API
// for every hit of that search in this transcript, highlights them (a CSS Custom Highlight
// of their own, over the codings) and offers next/previous (buttons, or F3 / Shift+F3),
// starting at the hit clicked. Imported for its effect by transcript.js; offsets are code
// points, turned into DOM ranges by text.js.

import { get } from "../lib/api.js";
import { el } from "../lib/dom.js";
import { TextIndex } from "./text.js";

const params = new URLSearchParams(window.location.search);
const search = params.get("hits");
const data = JSON.parse(document.getElementById("workspace-data")?.textContent || "null");
const article = document.querySelector("[data-transcript]");
const supported = typeof CSS !== "undefined" && "highlights" in CSS && typeof Highlight !== "undefined";

const STYLE = `
::highlight(cc-hit) { text-decoration: underline 3px #b42318; text-underline-offset: 3px; }
::highlight(cc-hit-current) { background-color: #ffe08a; color: #1f2933; text-decoration: underline 3px #b42318;
                               text-underline-offset: 3px; }
.hits-bar { position: fixed; right: 1rem; bottom: 1rem; z-index: 30; display: flex; align-items: center; gap: .5rem;
            flex-wrap: wrap; max-width: 32rem; padding: .4rem .7rem; border: 1px solid #f0c36d; border-radius: 6px;
            background: #fff8e6; box-shadow: 0 2px 6px rgba(16, 24, 40, .15); font-size: .9rem; }
.hits-bar .hits-count { font-weight: 600; }
`;

class Hits {
  constructor(ranges, at) {
    this.offsets = ranges;
    this.current = Math.max(0, ranges.findIndex(([start]) => start >= at));
    this.index = new TextIndex(article);
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLE);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    this.count = el("span", { className: "hits-count" });
    this.bar = el("div", { className: "hits-bar", role: "group", "aria-label": "Search hits",
                           dataset: { hitsBar: "" } },
      el("span", {}, `Search: “${new URLSearchParams(search).get("q") || ""}”`), this.count,
      this.button("‹ Previous", "Previous hit (Shift+F3)", () => this.go(-1), "prev"),
      this.button("Next ›", "Next hit (F3)", () => this.go(1), "next"),
      this.button("Close", "Hide the search hits", () => this.close(), "close"));
    (document.querySelector(".reader-head") || document.body).append(this.bar);
    document.addEventListener("keydown", (event) => {
      if (event.key !== "F3" || !this.offsets.length) return;
      event.preventDefault();
      this.go(event.shiftKey ? -1 : 1);
    });
  }

  button(text, title, action, name) {
    const button = el("button", { type: "button", title, dataset: { hits: name } }, text);
    button.addEventListener("click", action);
    return button;
  }

  /** DOM ranges of [start, end), made anew if the text nodes were replaced since. */
  ranges(start, end) {
    let ranges = this.index.ranges(start, end);
    if (ranges.some((r) => !r.startContainer.isConnected)) {
      this.index = new TextIndex(article);
      ranges = this.index.ranges(start, end);
    }
    return ranges;
  }

  draw() {
    const n = this.offsets.length;
    this.count.textContent = n ? `hit ${this.current + 1} of ${n}` : "no hits in this transcript";
    for (const button of this.bar.querySelectorAll("[data-hits=prev], [data-hits=next]")) button.disabled = n < 2;
    if (!supported || !n) return;
    const all = this.offsets.flatMap(([start, end]) => this.ranges(start, end));
    const highlight = new Highlight(...all);
    highlight.priority = 10;
    CSS.highlights.set("cc-hit", highlight);
    const [start, end] = this.offsets[this.current];
    const current = new Highlight(...this.ranges(start, end));
    current.priority = 11;
    CSS.highlights.set("cc-hit-current", current);
  }

  show() {
    this.draw();
    const target = this.offsets[this.current];
    if (!target) return;
    const rect = this.ranges(target[0], target[1])[0]?.getBoundingClientRect();
    if (rect) window.scrollTo({ top: Math.max(0, window.scrollY + rect.top - window.innerHeight / 3) });
  }

  go(step) {
    const n = this.offsets.length;
    if (!n) return;
    this.current = (this.current + step + n) % n;
    this.show();
  }

  close() {
    if (supported) {
      CSS.highlights.delete("cc-hit");
      CSS.highlights.delete("cc-hit-current");
    }
    this.bar.remove();
    this.offsets = [];
  }
}

async function start() {
  const at = Number(params.get("at") || 0);
  const found = await get(`${data.api}/transcripts/${data.transcript.id}/search-hits?${search}`);
  const hits = new Hits(found.hits, at);
  hits.show();
  document.body.dataset.hitsReady = String(found.hits.length);
}

if (search !== null && data && article) {
  // After the page's own first render (transcript.js runs on once its imports are done).
  queueMicrotask(() => start().catch((error) => {
    const box = document.querySelector("[data-status]");
    if (box) {
      box.textContent = `The search hits could not be shown: ${error.message}`;
      box.hidden = false;
    }
  }));
}
