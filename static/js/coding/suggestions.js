// Suggestions on the transcript page: the coder picks a code under "Suggest passages for…" in
// the codebook (G focuses it), the page asks the suggestions API for this transcript's passages
// likeliest to belong to the code and draws them as ghost highlights (a dashed CSS Custom
// Highlight of their own, never a code's colour). One is current: its reason (the coded
// passages most like it, the words that weighed most) shows in the suggestions bar, is
// announced (aria-live) and shows on hover too. N / Shift+N go to the next / previous one, A
// accepts it (a normal coding, recorded with its origin by the API; a scaled code asks its
// value first, with the coding box's keys from values.js), R rejects it (remembered by the
// server: never proposed again). Offsets are code points, drawn through ws.index (text.js).

import { api, query } from "../lib/api.js";
import { el } from "../lib/dom.js";
import { shortQuote } from "./messages.js";
import { choiceButton, choiceForKey, hasScale, valueChoices } from "./values.js";

const supported = typeof CSS !== "undefined" && "highlights" in CSS && typeof Highlight !== "undefined";
const LIMIT = 50;
const SHOWN = 10; // the best ones shown even below the engine's threshold

/** True while the user types in a field, or works in the codebook tree or the coding box. */
function elsewhere(target, article) {
  if (!(target instanceof HTMLElement) || target === article || article.contains(target)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName)
    || Boolean(target.closest("[data-code-tree], .popover, [data-suggest-form]"));
}

export class Suggestions {
  /** @param {object} deps writes (Writes), serial(task), status(message, kind) */
  constructor(ws, { writes, serial, status }) {
    Object.assign(this, { ws, writes, serial, status });
    this.form = ws.root.querySelector("[data-suggest-form]");
    this.select = this.form.querySelector("select");
    this.bar = ws.root.querySelector("[data-suggest-bar]");
    this.heading = this.bar.querySelector("[data-suggest-title]");
    this.count = this.bar.querySelector("[data-suggest-count]");
    this.quote = this.bar.querySelector("[data-suggest-quote]");
    this.reason = this.bar.querySelector("[data-suggest-reason]");
    this.valueStep = this.bar.querySelector("[data-suggest-value]");
    this.live = this.bar.querySelector("[data-suggest-live]");
    this.tip = el("div", { className: "tip suggest-tip", role: "tooltip", hidden: true });
    document.body.append(this.tip);
    this.code = null;
    this.items = [];
    this.current = 0;
    this.asking = null; // {choices} while a scaled code's value is asked
    this.codesShown = "";

    ws.onRender(() => {
      this.fillCodes();
      this.draw();
    });
    this.fillCodes();
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const code = this.ws.codeById.get(Number(this.select.value));
      if (code) this.start(code).catch((error) => this.status(error.message, "error"));
    });
    this.select.addEventListener("keydown", (event) => { // a select does not submit its form on Enter
      if (event.key !== "Enter") return;
      event.preventDefault();
      this.form.requestSubmit();
    });
    for (const button of this.bar.querySelectorAll("[data-suggest]")) {
      button.addEventListener("click", () => this.act(button.dataset.suggest));
    }
    this.valueStep.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-value]");
      if (button) this.pickValue(button.dataset.value);
    });
    document.addEventListener("keydown", (event) => this.key(event), true);
    this.hover();
  }

  /** The codes in the "Suggest passages for…" list, in codebook order. */
  fillCodes() {
    const key = this.ws.codes.map((c) => `${c.id}:${c.path || c.name}`).join("\n");
    if (key === this.codesShown) return;
    this.codesShown = key;
    const chosen = this.select.value;
    this.select.replaceChildren(...this.ws.codes.map((c) => new Option(c.path || c.name, String(c.id), false,
      String(c.id) === chosen)));
  }

  async start(code) {
    this.code = code;
    const found = await api("GET", `${this.ws.base}/codes/${code.id}/suggestions`
      + query({ transcript: this.ws.transcriptId, limit: LIMIT }));
    this.items = found.results.filter((s, i) => s.likely || i < SHOWN); // not every sentence of the page
    this.learned = found.examples;
    this.current = 0;
    this.bar.hidden = false;
    this.heading.textContent = `Suggestions for “${code.name}”`;
    this.show();
    this.bar.focus({ preventScroll: true }); // N, A and R work from here (the select keeps its letters)
    const n = this.items.length;
    document.body.dataset.suggestionsReady = String(n);
    if (!n) {
      this.announce(`No suggestions for ${code.name} in this transcript (learned from ${found.examples} coded `
        + "sentences).");
    }
  }

  get item() {
    return this.items[this.current];
  }

  draw() {
    if (!supported) return;
    if (!this.code || !this.items.length) {
      CSS.highlights.delete("cc-suggestion");
      CSS.highlights.delete("cc-suggestion-current");
      return;
    }
    const all = new Highlight(...this.items.flatMap((s) => this.ws.index.ranges(s.start, s.end)));
    all.priority = 5;
    CSS.highlights.set("cc-suggestion", all);
    const current = new Highlight(...this.ws.index.ranges(this.item.start, this.item.end));
    current.priority = 6;
    CSS.highlights.set("cc-suggestion-current", current);
  }

  /** The reason of a suggestion, in words: the coded passages most like it, the weighty words. */
  because(s) {
    const parts = [];
    if (s.nearest.length) parts.push(`like the coded “${shortQuote(s.nearest[0].text)}”`);
    if (s.words.length) parts.push(`words: ${s.words.slice(0, 6).join(", ")}`);
    return `${parts.join("; ") || "close to the code's definition"} (score ${s.score.toFixed(2)})`;
  }

  /** Draws the bar and the highlights for the current suggestion, scrolls to it, announces it. */
  show() {
    const n = this.items.length;
    this.count.textContent = n ? `${this.current + 1} of ${n}` : "none in this transcript";
    for (const button of this.bar.querySelectorAll("[data-suggest=prev], [data-suggest=next]")) {
      button.disabled = n < 2;
    }
    for (const button of this.bar.querySelectorAll("[data-suggest=accept], [data-suggest=reject]")) {
      button.disabled = !n;
    }
    this.closeValue();
    this.draw();
    const s = this.item;
    this.quote.textContent = s ? `“${s.text}”` : "";
    this.reason.textContent = s ? `Why: ${this.because(s)}` : "";
    if (!s) return;
    const rect = this.ws.index.ranges(s.start, s.end)[0]?.getBoundingClientRect();
    if (rect && (rect.top < 80 || rect.bottom > window.innerHeight - this.bar.offsetHeight - 100)) { // not under the bar
      window.scrollTo({ top: Math.max(0, window.scrollY + rect.top - window.innerHeight / 3) });
    }
    this.announce(`Suggestion ${this.current + 1} of ${n} for ${this.code.name}: “${shortQuote(s.text)}”, `
      + `${this.because(s)}. A accepts, R rejects, N goes to the next.`);
  }

  announce(text) {
    this.live.textContent = text;
  }

  go(step) {
    const n = this.items.length;
    if (!n) return;
    this.current = (this.current + step + n) % n;
    this.show();
  }

  act(action) {
    if (action === "next") this.go(1);
    else if (action === "prev") this.go(-1);
    else if (action === "accept") this.accept();
    else if (action === "reject") this.reject();
    else if (action === "close") this.close();
  }

  /** Takes the current suggestion out of the list; the next one becomes current. */
  drop(s) {
    const at = this.items.indexOf(s);
    if (at < 0) return;
    this.items.splice(at, 1);
    if (this.current >= this.items.length) this.current = Math.max(0, this.items.length - 1);
  }

  accept(value) {
    const s = this.item;
    if (!s || !this.ws.canCode) return;
    const code = this.code;
    if (value === undefined && hasScale(code)) {
      this.askValue(code);
      return;
    }
    const payload = { transcript_id: s.transcript_id, start: s.start, end: s.end, quote: s.text, value: value || "" };
    this.serial(() => this.writes.acceptSuggestion(code.id, payload)).then(() => {
      this.drop(s);
      this.show();
      this.announce(`Accepted: “${shortQuote(s.text)}” coded with ${code.name}${value ? ` (${value})` : ""}. `
        + (this.items.length ? `${this.items.length} suggestions left.` : "No suggestions left."));
    }).catch((error) => this.status(error.message, "error"));
  }

  reject() {
    const s = this.item;
    if (!s || !this.ws.canCode) return;
    const code = this.code;
    this.serial(() => api("POST", `${this.ws.base}/codes/${code.id}/suggestions/reject`,
      { transcript_id: s.transcript_id, start: s.start, end: s.end })).then(() => {
      this.drop(s);
      this.show();
      this.status(`Rejected: “${shortQuote(s.text)}” will not be suggested for ${code.name} again.`);
      const left = this.items.length ? `${this.items.length} suggestions left.` : "No suggestions left.";
      this.announce(`Rejected. ${left}`);
    }).catch((error) => this.status(error.message, "error"));
  }

  /** A scaled code asks its value before the suggestion is accepted: one key per level, 0 for none. */
  askValue(code) {
    const choices = valueChoices(code.levels);
    this.asking = { choices };
    const buttons = choices.map((choice) => choiceButton(choice, false));
    this.valueStep.replaceChildren(
      el("p", { className: "pop-value-label", id: "suggest-value-label" }, `Value of ${code.name}`,
        el("span", { className: "muted" }, " · press its number or letter (Esc: back)")),
      el("div", { className: "pop-levels" }, ...buttons));
    this.valueStep.hidden = false;
    buttons[0].focus();
    this.announce(`Value of ${code.name}? ${choices.map((c) => `${c.digit}: ${c.label}`).join(", ")}.`);
  }

  closeValue() {
    this.asking = null;
    this.valueStep.hidden = true;
    this.valueStep.replaceChildren();
  }

  pickValue(value) {
    if (!this.asking) return;
    this.closeValue();
    this.accept(value);
  }

  key(event) {
    if (!this.code || this.bar.hidden || event.ctrlKey || event.metaKey || event.altKey) return;
    if (document.querySelector("dialog[open]")) return;
    if (this.asking) {
      if (event.key === "Escape") {
        this.closeValue();
        this.announce("No value chosen: the suggestion is still open.");
      } else {
        const choice = choiceForKey(this.asking.choices, event.key);
        if (!choice) return;
        this.pickValue(choice.value);
      }
      event.preventDefault();
      event.stopPropagation();
      return;
    }
    if (elsewhere(event.target, this.ws.article) && !this.bar.contains(event.target)) return;
    const action = { n: "next", N: "prev", a: "accept", r: "reject" }[event.key];
    if (!action) return;
    event.preventDefault();
    event.stopPropagation();
    this.act(action);
  }

  /** The reason of a ghost passage shows under the mouse too. */
  hover() {
    this.ws.sheet.addEventListener("mousemove", (event) => {
      const s = this.code && this.at(event.clientX, event.clientY);
      if (!s) {
        this.tip.hidden = true;
        return;
      }
      this.tip.textContent = `Suggested for ${this.code.name}: ${this.because(s)}`;
      this.tip.hidden = false;
      this.tip.style.left = `${Math.min(event.clientX + 14, window.innerWidth - this.tip.offsetWidth - 8)}px`;
      this.tip.style.top = `${event.clientY - this.tip.offsetHeight - 12}px`;
    });
    this.ws.sheet.addEventListener("mouseleave", () => { this.tip.hidden = true; });
  }

  /** The suggestion under the viewport point (x, y), if any. */
  at(x, y) {
    const caret = document.caretRangeFromPoint ? document.caretRangeFromPoint(x, y) : null;
    if (!caret || !this.ws.article.contains(caret.startContainer)) return null;
    const offset = this.ws.index.offsetOf(caret.startContainer, caret.startOffset, "start");
    if (offset === null) return null;
    return this.items.find((s) => s.start <= offset && offset < s.end) || null;
  }

  close() {
    this.code = null;
    this.items = [];
    this.closeValue();
    this.bar.hidden = true;
    this.tip.hidden = true;
    this.draw();
    this.select.focus();
  }
}

/** The "Suggest passages for…" form, the bar and their keys (G focuses the form's code list). */
export function installSuggestions(ws, deps) {
  if (!ws.canCode || !ws.root.querySelector("[data-suggest-form]")) return null;
  const suggestions = new Suggestions(ws, deps);
  document.addEventListener("keydown", (event) => {
    if ((event.key !== "g" && event.key !== "G") || event.ctrlKey || event.metaKey || event.altKey) return;
    if (document.querySelector("dialog[open]") || elsewhere(event.target, ws.article)) return;
    event.preventDefault();
    suggestions.select.focus();
  });
  return suggestions;
}
