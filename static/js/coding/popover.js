// The coding box: opens at a selection (to code it) or at a segment (to edit it). Type-ahead
// over the codebook, a new code inline, the value of each scaled code (asked for in the box,
// values.js), cases and a memo behind two toggles (compact by default), Apply. Enter applies,
// Shift+Enter adds another code, 1–9 (in the empty search box) apply a recent code, Esc
// closes; Tab stays inside the box while it is open, and leaving the page with an unsaved
// coding asks first. The box keeps itself inside the window (placement.js). All user text
// goes in with textContent or value.

import { el } from "../lib/dom.js";
import { showOneRow } from "./fit.js";
import { EDGE, boxPosition, boxWidth } from "./placement.js";
import { NO_VALUE, choiceButton, choiceForKey, hasScale, valueChoices } from "./values.js";

const MAX_OPTIONS = 8;
const FOCUSABLE = "button, input, select, textarea, summary, [tabindex]";

export class Popover {
  /**
   * @param {object} hooks codes(), codeOf(id), cases(), recent(), canCreateCode,
   *   apply(payload, state) -> Promise, remove(segment) -> Promise, createCode(name) -> Promise<code>,
   *   textOf(start, end), nudge(offset, which, direction), pending(start, end), closed(state, reason),
   *   rectOf(start, end) -> the viewport rectangle of a passage's last line (or null),
   *   textRect() -> the viewport rectangle of the transcript text
   */
  constructor(template, hooks) {
    this.hooks = hooks;
    this.form = template.content.firstElementChild.cloneNode(true);
    document.body.append(this.form);
    const q = (name) => this.form.querySelector(`[data-${name}]`);
    Object.assign(this, {
      title: q("title"), quote: q("quote"), recentBox: q("recent"), search: q("search"), options: q("options"),
      chosenBox: q("chosen"), casesBox: q("cases"), section: q("section"), memo: q("memo"), bounds: q("bounds"),
      error: q("error"), deleteButton: q("delete"), switcher: q("switch"), switchLabel: q("switch-label"),
      valueStep: q("value-step"), valueCode: q("value-code"), levels: q("levels"),
      casesToggle: q("toggle-cases"), memoToggle: q("toggle-memo"), casesPanel: q("panel-cases"),
      memoPanel: q("panel-memo"),
    });
    this.form.hidden = true;
    this.state = null;
    this.side = null;
    this.bind();
  }

  get isOpen() {
    return !this.form.hidden;
  }

  bind() {
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.form.addEventListener("keydown", (event) => this.onKey(event));
    this.search.addEventListener("input", () => {
      this.state.active = 0;
      this.renderOptions();
    });
    this.search.addEventListener("keydown", (event) => this.onSearchKey(event));
    this.options.addEventListener("mousedown", (event) => event.preventDefault()); // keep focus in the box
    this.options.addEventListener("click", (event) => {
      const li = event.target.closest("[data-index]");
      if (li) this.chooseAndAsk(Number(li.dataset.index), "search");
    });
    this.levels.addEventListener("keydown", (event) => this.onLevelKey(event));
    this.levels.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-value]");
      if (button) this.pickValue(button.dataset.value);
    });
    this.form.querySelector("[data-close]").addEventListener("click", () => this.close({ reason: "escape" }));
    this.deleteButton.addEventListener("click", () => this.remove());
    this.form.querySelector("[data-prev]").addEventListener("click", () => this.switchTo(-1));
    this.form.querySelector("[data-next]").addEventListener("click", () => this.switchTo(1));
    for (const button of this.form.querySelectorAll("[data-nudge]")) {
      button.addEventListener("click", () => {
        const [which, direction] = button.dataset.nudge.split(",");
        this.nudge(which, Number(direction));
      });
    }
    this.casesToggle.addEventListener("click", () => this.expand("cases", this.casesPanel.hidden));
    this.memoToggle.addEventListener("click", () => this.expand("memo", this.memoPanel.hidden));
    this.memo.addEventListener("input", () => this.renderToggles());
    this.section.addEventListener("change", () => this.renderToggles());
    new ResizeObserver(() => this.isOpen && this.place()).observe(this.form);
    window.addEventListener("scroll", () => this.isOpen && this.place(), { passive: true });
    window.addEventListener("resize", () => this.isOpen && this.place());
    window.addEventListener("beforeunload", (event) => {
      if (!this.isDirty()) return;
      event.preventDefault();
      event.returnValue = ""; // the browser asks whether to leave the unsaved coding
    });
  }

  // --- opening ------------------------------------------------------------------------

  openCreate(selection, anchor) {
    this.state = {
      mode: "create", start: selection.start, end: selection.end, quote: selection.quote,
      chosen: new Map(), decided: new Set(), cases: new Set(), section: false, memo: "", active: 0, asking: null,
    };
    this.title.textContent = "Code the selection";
    this.show(anchor);
  }

  openEdit(segments, index, anchor) {
    const segment = segments[index];
    this.state = {
      mode: "edit", segments, index, segment, start: segment.start, end: segment.end, quote: segment.quote,
      chosen: new Map(segment.codings.map((c) => [c.code_id, c.value])),
      decided: new Set(segment.codings.map((c) => c.code_id)), // stored codings keep what they have
      cases: new Set(segment.case_ids), section: segment.is_case_section, memo: segment.memo, active: 0, asking: null,
    };
    this.title.textContent = segment.is_case_section && !segment.codings.length ? "Edit the case section"
      : "Edit the segment";
    this.show(anchor);
  }

  switchTo(step) {
    const { segments, index } = this.state;
    const next = (index + step + segments.length) % segments.length;
    this.openEdit(segments, next, this.anchor);
  }

  show(anchor) {
    const s = this.state;
    const edit = s.mode === "edit";
    this.anchor = anchor;
    this.side = null;
    this.search.value = "";
    this.memo.value = s.memo;
    this.section.checked = s.section;
    this.error.hidden = true;
    this.deleteButton.hidden = !edit;
    this.bounds.hidden = !edit;
    this.valueStep.hidden = true;
    this.switcher.hidden = !edit || s.segments.length < 2;
    if (edit && s.segments.length > 1) {
      this.switchLabel.textContent = `${s.index + 1} of ${s.segments.length} here`;
    }
    this.renderQuote();
    this.renderCases();
    this.renderChosen();
    this.renderOptions();
    // Compact by default: cases and memo open only on a segment that has them.
    this.expand("cases", edit && (s.cases.size > 0 || s.section), { focus: false });
    this.expand("memo", edit && Boolean(s.memo), { focus: false });
    this.form.hidden = false;
    this.place(); // its width first: the recent codes keep to one row of it
    this.renderRecent();
    this.initial = JSON.stringify(this.payload());
    this.place();
    this.hooks.pending(s.start, s.end);
    this.search.focus({ preventScroll: true });
  }

  /** Keeps the whole box inside the window: under the passage, else above it, else beside the text. */
  place() {
    const s = this.state;
    const viewport = { width: document.documentElement.clientWidth, height: window.innerHeight };
    const width = boxWidth(viewport);
    this.form.style.width = `${width}px`;
    this.form.style.maxHeight = `${viewport.height - 2 * EDGE}px`;
    const { left, top, side } = boxPosition({
      anchor: (s && this.hooks.rectOf(s.start, s.end)) || this.anchor || null, text: this.hooks.textRect(),
      viewport, width, height: this.form.offsetHeight, prefer: this.side,
    });
    this.side = side;
    this.form.dataset.side = side;
    this.form.style.left = `${left}px`;
    this.form.style.top = `${top}px`;
  }

  close({ silent = false, reason = "done" } = {}) {
    if (!this.isOpen) return;
    const state = this.state;
    this.form.hidden = true;
    this.state = null;
    this.hooks.pending(null);
    if (!silent) this.hooks.closed(state, reason);
  }

  /** True while the box holds a coding (or changes) that Apply has not saved. */
  isDirty() {
    if (!this.isOpen || !this.state) return false;
    const payload = this.payload();
    if (this.state.mode === "create") {
      return payload.code_ids.length > 0 || payload.case_ids.length > 0 || payload.memo.trim() !== "";
    }
    return JSON.stringify(payload) !== this.initial;
  }

  // --- rendering ----------------------------------------------------------------------

  renderQuote() {
    const { start, end } = this.state;
    const text = this.hooks.textOf(start, end);
    this.quote.textContent = text.length > 280 ? `${text.slice(0, 140)} … ${text.slice(-120)}` : text;
  }

  renderRecent() {
    const recent = this.hooks.recent();
    this.recentBox.replaceChildren();
    this.recentBox.hidden = !recent.length;
    recent.forEach((code, i) => {
      const button = el("button", { type: "button", className: "chip recent", title: `${code.path} (press ${i + 1})` },
        el("kbd", {}, String(i + 1)), el("span", { className: "swatch" }), el("span", { className: "chip-name" }, code.name));
      button.querySelector(".swatch").style.setProperty("--swatch", code.colour);
      button.addEventListener("click", () => this.applyRecent(i));
      this.recentBox.append(button);
    });
    showOneRow(this.recentBox); // the digits reach the rest
  }

  renderCases() {
    const cases = this.hooks.cases();
    this.casesBox.replaceChildren();
    this.casesToggle.hidden = !cases.length;
    for (const c of cases) {
      const box = el("input", { type: "checkbox", value: String(c.id), checked: this.state.cases.has(c.id) });
      box.addEventListener("change", () => {
        if (box.checked) this.state.cases.add(c.id);
        else this.state.cases.delete(c.id);
        this.renderToggles();
      });
      this.casesBox.append(el("label", { className: "check" }, box, ` ${c.name}`));
    }
  }

  /** Opens or closes the cases or the memo part of the box. */
  expand(which, open, { focus = true } = {}) {
    const [toggle, panel] = which === "cases" ? [this.casesToggle, this.casesPanel] : [this.memoToggle, this.memoPanel];
    const shown = open && !toggle.hidden;
    panel.hidden = !shown;
    toggle.setAttribute("aria-expanded", String(shown));
    this.renderToggles();
    this.refit();
    if (shown && focus) (which === "memo" ? this.memo : panel.querySelector("input"))?.focus();
  }

  /** The toggles say what is behind them: the chosen cases, a memo. */
  renderToggles() {
    if (!this.state) return;
    const names = this.hooks.cases().filter((c) => this.state.cases.has(c.id)).map((c) => c.name);
    const section = this.section.checked ? " (section)" : "";
    this.casesToggle.querySelector("[data-toggle-note]").textContent = names.length ? `: ${names.join(", ")}${section}` : "";
    this.memoToggle.querySelector("[data-toggle-note]").textContent = this.memo.value.trim() ? " ✓" : "";
  }

  renderChosen() {
    this.chosenBox.replaceChildren();
    for (const [codeId, value] of this.state.chosen) {
      const code = this.hooks.codeOf(codeId);
      if (!code) continue;
      const swatch = el("span", { className: "swatch" });
      swatch.style.setProperty("--swatch", code.colour);
      const item = el("li", { className: "chip chosen" }, swatch, el("span", { className: "chip-name" }, code.name));
      if (hasScale(code)) item.append(this.valueSelect(code, value));
      const remove = el("button", { type: "button", className: "chip-remove", "aria-label": `Remove ${code.name}` },
        "×");
      remove.addEventListener("click", () => {
        this.state.chosen.delete(codeId);
        this.state.decided.delete(codeId);
        if (this.state.asking?.codeId === codeId) this.endAsking();
        this.renderChosen();
        this.search.focus();
      });
      item.append(remove);
      this.chosenBox.append(item);
    }
    this.chosenBox.hidden = !this.state.chosen.size;
    this.refit();
  }

  /** The value of a chosen scaled code, to change it later: "value?" until it is decided. */
  valueSelect(code, value) {
    const decided = this.state.decided.has(code.id);
    const select = el("select", { "aria-label": `Value of ${code.name}` },
      ...(decided ? [] : [el("option", { value: "", disabled: true, selected: true }, "value?")]),
      el("option", { value: NO_VALUE, selected: decided && value === NO_VALUE }, "no value"),
      ...code.levels.map((level) => el("option", { value: level, selected: decided && level === value }, level)));
    select.addEventListener("change", () => {
      this.state.chosen.set(code.id, select.value);
      this.state.decided.add(code.id);
      if (this.state.asking?.codeId === code.id) this.endAsking();
      this.renderChosen();
    });
    return select;
  }

  matches() {
    const query = this.search.value.trim().toLowerCase();
    const codes = this.hooks.codes().filter((c) => !this.state.chosen.has(c.id));
    if (!query) return { items: [], create: null };
    const starts = codes.filter((c) => c.name.toLowerCase().startsWith(query));
    const rest = codes.filter((c) => !c.name.toLowerCase().startsWith(query) && c.path.toLowerCase().includes(query));
    const items = [...starts, ...rest].slice(0, MAX_OPTIONS);
    const exact = this.hooks.codes().some((c) => c.name.toLowerCase() === query);
    const create = !exact && this.hooks.canCreateCode ? this.search.value.trim() : null;
    return { items, create };
  }

  renderOptions() {
    const { items, create } = this.matches();
    this.current = { items, create };
    const total = items.length + (create ? 1 : 0);
    if (this.state.active >= total) this.state.active = Math.max(0, total - 1);
    this.options.replaceChildren();
    items.forEach((code, i) => {
      const swatch = el("span", { className: "swatch" });
      swatch.style.setProperty("--swatch", code.colour);
      const scale = hasScale(code) ? [el("span", { className: "opt-scale" }, code.levels.join(" / "))] : [];
      this.options.append(el("li", { id: `pop-opt-${i}`, role: "option", dataset: { index: String(i) },
                                     "aria-selected": String(i === this.state.active) },
        swatch, el("span", {}, code.path), ...scale));
    });
    if (create) {
      const i = items.length;
      this.options.append(el("li", { id: `pop-opt-${i}`, role: "option", className: "create",
                                     dataset: { index: String(i) }, "aria-selected": String(i === this.state.active) },
        `Create code “${create}”`));
    }
    this.options.hidden = total === 0;
    this.refit();
    this.search.setAttribute("aria-expanded", String(total > 0));
    if (total) {
      this.search.setAttribute("aria-activedescendant", `pop-opt-${this.state.active}`);
      this.options.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: "nearest" });
    } else {
      this.search.removeAttribute("aria-activedescendant");
    }
  }

  // --- choosing, the value of a scaled code, applying ----------------------------------

  /** Adds the option at `index` (creating the code if it is the "Create" line); the code or null. */
  async choose(index) {
    const { items, create } = this.current;
    let code = items[index];
    if (!code && create && index === items.length) {
      try {
        code = await this.hooks.createCode(create);
      } catch (error) {
        this.showError(error.message);
        return null;
      }
      if (!this.state) return null; // the box was closed while the code was being created
    }
    if (!code) return null;
    this.state.chosen.set(code.id, NO_VALUE);
    if (!hasScale(code)) this.state.decided.add(code.id);
    this.search.value = "";
    this.state.active = 0;
    this.renderChosen();
    this.renderOptions();
    return code;
  }

  /** Chooses an option; then asks its value if it has a scale, and goes on with `then`:
   *  "apply" (Enter) or "search" (Shift+Enter, a click: another code). */
  async chooseAndAsk(index, then) {
    const code = await this.choose(index);
    if (!code) return;
    if (!this.state.decided.has(code.id)) this.askValue(code.id, then);
    else if (then === "apply") this.submit();
    else this.search.focus();
  }

  /** Adds a code (a recent one, a digit) and applies: a scaled code asks its value first. */
  addAndApply(codeId) {
    if (!this.state) return;
    if (!this.state.chosen.has(codeId)) {
      this.state.chosen.set(codeId, NO_VALUE);
      if (!hasScale(this.hooks.codeOf(codeId))) this.state.decided.add(codeId);
      this.renderChosen();
    }
    this.submit();
  }

  applyRecent(i) {
    const code = this.hooks.recent()[i];
    if (code) this.addAndApply(code.id);
  }

  /** Shows the value step of a chosen scaled code, focused on its current (or first) level. */
  askValue(codeId, then) {
    const code = this.hooks.codeOf(codeId);
    this.state.asking = { codeId, then, choices: valueChoices(code.levels) };
    const current = this.state.decided.has(codeId) ? this.state.chosen.get(codeId) : null;
    this.valueCode.textContent = code.name;
    const buttons = this.state.asking.choices.map((choice) => choiceButton(choice, choice.value === current));
    this.levels.replaceChildren(...buttons);
    const focused = buttons.find((b) => b.dataset.value === current) || buttons[0];
    focused.tabIndex = 0;
    this.valueStep.hidden = false;
    this.error.hidden = true;
    this.refit();
    focused.focus({ preventScroll: true });
  }

  endAsking() {
    this.state.asking = null;
    this.valueStep.hidden = true;
    this.refit();
  }

  /** Places the box again at once after its height changed (the ResizeObserver would do it
   *  only before the next frame). */
  refit() {
    if (this.isOpen) this.place();
  }

  /** The value step's answer: stores it, then applies or goes back to the search. */
  pickValue(value) {
    const asking = this.state?.asking;
    if (!asking) return;
    this.state.chosen.set(asking.codeId, value);
    this.state.decided.add(asking.codeId);
    this.endAsking();
    this.renderChosen();
    if (asking.then === "apply") this.submit();
    else this.search.focus();
  }

  onLevelKey(event) {
    const asking = this.state?.asking;
    if (!asking || event.ctrlKey || event.metaKey || event.altKey) return;
    const buttons = [...this.levels.querySelectorAll("button")];
    const at = buttons.indexOf(document.activeElement);
    const moves = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
    if (event.key in moves || event.key === "Home" || event.key === "End") {
      event.preventDefault();
      const next = event.key === "Home" ? 0 : event.key === "End" ? buttons.length - 1
        : (Math.max(0, at) + moves[event.key] + buttons.length) % buttons.length;
      for (const b of buttons) b.tabIndex = -1;
      buttons[next].tabIndex = 0;
      buttons[next].focus();
      return;
    }
    const choice = choiceForKey(asking.choices, event.key);
    if (choice) {
      event.preventDefault();
      this.pickValue(choice.value);
    }
  }

  /** The first chosen scaled code whose value was not decided yet, if any. */
  undecided() {
    for (const codeId of this.state.chosen.keys()) if (!this.state.decided.has(codeId)) return codeId;
    return null;
  }

  async onSearchKey(event) {
    const total = this.current.items.length + (this.current.create ? 1 : 0);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!total) return;
      event.preventDefault();
      this.state.active = (this.state.active + (event.key === "ArrowDown" ? 1 : -1) + total) % total;
      this.renderOptions();
    } else if (event.key === "Enter") {
      event.preventDefault();
      event.stopPropagation();
      if (this.search.value.trim() && total) {
        await this.chooseAndAsk(this.state.active, event.shiftKey ? "search" : "apply");
      } else if (!event.shiftKey) {
        this.submit();
      }
    } else if (/^[1-9]$/.test(event.key) && !this.search.value && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      this.applyRecent(Number(event.key) - 1);
    } else if (event.key === "Backspace" && !this.search.value && this.state.chosen.size) {
      const last = [...this.state.chosen.keys()].pop();
      this.state.chosen.delete(last);
      this.state.decided.delete(last);
      if (this.state.asking?.codeId === last) this.endAsking();
      this.renderChosen();
    }
  }

  onKey(event) {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      this.close({ reason: "escape" });
      return;
    }
    event.stopPropagation(); // the page's shortcuts do not apply while typing here
    const target = event.target;
    if (event.key === "Tab") {
      this.keepFocusInside(event);
    } else if (event.key === "Enter" && target.tagName === "TEXTAREA" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      this.submit();
    } else if (event.key === "Enter" && target.tagName === "INPUT" && target !== this.search) {
      event.preventDefault();
      this.submit();
    } else if ((event.key === "Delete") && this.state?.mode === "edit" && target.tagName === "BUTTON") {
      event.preventDefault();
      this.remove();
    }
  }

  /** Tab and Shift+Tab go round the box's own controls while it is open (a modal dialog). */
  keepFocusInside(event) {
    const stops = [...this.form.querySelectorAll(FOCUSABLE)].filter((e) => e.tabIndex >= 0 && !e.disabled
      && e.getClientRects().length > 0 && !e.closest("[hidden]"));
    if (!stops.length) return;
    const first = stops[0];
    const last = stops[stops.length - 1];
    const at = stops.indexOf(document.activeElement);
    if (event.shiftKey && (at <= 0)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (at === -1 || at === stops.length - 1)) {
      event.preventDefault();
      first.focus();
    }
  }

  nudge(which, direction) {
    const s = this.state;
    const moved = this.hooks.nudge(which === "start" ? s.start : s.end, which, direction);
    if (which === "start" && moved < s.end) s.start = moved;
    if (which === "end" && moved > s.start) s.end = moved;
    this.renderQuote();
    this.hooks.pending(s.start, s.end);
  }

  payload() {
    const s = this.state;
    const values = {};
    for (const [id, value] of s.chosen) if (value) values[id] = value;
    return {
      start: s.start, end: s.end, quote: s.quote, code_ids: [...s.chosen.keys()], values,
      case_ids: [...s.cases], memo: this.memo.value, is_case_section: this.section.checked,
    };
  }

  async submit() {
    if (!this.state || this.busy) return;
    const undecided = this.undecided();
    if (undecided !== null) {
      this.askValue(undecided, "apply"); // a scaled code is never saved without being asked
      return;
    }
    const payload = this.payload();
    if (!payload.code_ids.length && !payload.case_ids.length) {
      this.showError("Choose at least one code or case (type a code's name; Enter applies).");
      return;
    }
    this.busy = true;
    try {
      await this.hooks.apply(payload, this.state);
      this.close();
    } catch (error) {
      this.showError(error.message);
    } finally {
      this.busy = false;
    }
  }

  async remove() {
    if (!this.state || this.state.mode !== "edit") return;
    try {
      await this.hooks.remove(this.state.segment);
      this.close();
    } catch (error) {
      this.showError(error.message);
    }
  }

  showError(message) {
    this.error.textContent = message;
    this.error.hidden = false;
    this.refit();
  }
}
