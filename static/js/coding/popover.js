// The coding popover: opens at a selection (to code it) or at a segment (to edit it).
// Type-ahead over the codebook, a new code inline, cases, a value on each code's scale,
// a memo; Enter applies, Shift+Enter adds another code, 1–9 (in the empty search box)
// apply a recent code, Esc closes. All user text goes in with textContent or value.

import { el } from "../lib/dom.js";

const MAX_OPTIONS = 8;

export class Popover {
  /**
   * @param {object} hooks codes(), codeOf(id), cases(), recent(), canCreateCode,
   *   apply(payload, state) -> Promise, remove(segment) -> Promise, createCode(name) -> Promise<code>,
   *   textOf(start, end), nudge(offset, which, direction), pending(start, end), closed()
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
    });
    this.form.hidden = true;
    this.state = null;
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
      if (li) this.choose(Number(li.dataset.index), { keepOpen: true });
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
  }

  // --- opening ------------------------------------------------------------------------

  openCreate(selection, anchor) {
    this.state = {
      mode: "create", start: selection.start, end: selection.end, quote: selection.quote,
      chosen: new Map(), cases: new Set(), section: false, memo: "", active: 0,
    };
    this.title.textContent = "Code the selection";
    this.show(anchor);
  }

  openEdit(segments, index, anchor) {
    const segment = segments[index];
    this.state = {
      mode: "edit", segments, index, segment, start: segment.start, end: segment.end, quote: segment.quote,
      chosen: new Map(segment.codings.map((c) => [c.code_id, c.value])),
      cases: new Set(segment.case_ids), section: segment.is_case_section, memo: segment.memo, active: 0,
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
    this.search.value = "";
    this.memo.value = s.memo;
    this.section.checked = s.section;
    this.error.hidden = true;
    this.deleteButton.hidden = !edit;
    this.bounds.hidden = !edit;
    this.switcher.hidden = !edit || s.segments.length < 2;
    if (edit && s.segments.length > 1) {
      this.switchLabel.textContent = `${s.index + 1} of ${s.segments.length} here`;
    }
    this.renderQuote();
    this.renderRecent();
    this.renderCases();
    this.renderChosen();
    this.renderOptions();
    this.form.hidden = false;
    this.place(anchor);
    this.hooks.pending(s.start, s.end);
    this.search.focus({ preventScroll: true });
  }

  place(anchor) {
    const width = Math.min(380, window.innerWidth - 16);
    this.form.style.width = `${width}px`;
    const box = anchor || { left: window.innerWidth / 2 - width / 2, bottom: 120, top: 100 };
    const left = Math.max(8, Math.min(box.left, window.innerWidth - width - 8));
    let top = box.bottom + 8;
    const height = this.form.offsetHeight;
    if (top + height > window.innerHeight - 8 && box.top - height - 8 > 8) top = box.top - height - 8;
    this.form.style.left = `${left + window.scrollX}px`;
    this.form.style.top = `${Math.max(8, top) + window.scrollY}px`;
  }

  close({ silent = false, reason = "done" } = {}) {
    if (!this.isOpen) return;
    const state = this.state;
    this.form.hidden = true;
    this.state = null;
    this.hooks.pending(null);
    if (!silent) this.hooks.closed(state, reason);
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
  }

  renderCases() {
    const cases = this.hooks.cases();
    this.casesBox.replaceChildren();
    this.casesBox.closest("fieldset").hidden = !cases.length;
    for (const c of cases) {
      const box = el("input", { type: "checkbox", value: String(c.id), checked: this.state.cases.has(c.id) });
      box.addEventListener("change", () => {
        if (box.checked) this.state.cases.add(c.id);
        else this.state.cases.delete(c.id);
      });
      this.casesBox.append(el("label", { className: "check" }, box, ` ${c.name}`));
    }
  }

  renderChosen() {
    this.chosenBox.replaceChildren();
    for (const [codeId, value] of this.state.chosen) {
      const code = this.hooks.codeOf(codeId);
      if (!code) continue;
      const swatch = el("span", { className: "swatch" });
      swatch.style.setProperty("--swatch", code.colour);
      const item = el("li", { className: "chip chosen" }, swatch, el("span", { className: "chip-name" }, code.name));
      if (code.levels.length) {
        const select = el("select", { "aria-label": `Value of ${code.name}` },
          el("option", { value: "" }, "— value —"),
          ...code.levels.map((level) => el("option", { value: level, selected: level === value }, level)));
        select.addEventListener("change", () => this.state.chosen.set(codeId, select.value));
        item.append(select);
      }
      const remove = el("button", { type: "button", className: "chip-remove", "aria-label": `Remove ${code.name}` },
        "×");
      remove.addEventListener("click", () => {
        this.state.chosen.delete(codeId);
        this.renderChosen();
        this.search.focus();
      });
      item.append(remove);
      this.chosenBox.append(item);
    }
    this.chosenBox.hidden = !this.state.chosen.size;
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
      this.options.append(el("li", { id: `pop-opt-${i}`, role: "option", dataset: { index: String(i) },
                                     "aria-selected": String(i === this.state.active) },
        swatch, el("span", {}, code.path)));
    });
    if (create) {
      const i = items.length;
      this.options.append(el("li", { id: `pop-opt-${i}`, role: "option", className: "create",
                                     dataset: { index: String(i) }, "aria-selected": String(i === this.state.active) },
        `Create code “${create}”`));
    }
    this.options.hidden = total === 0;
    this.search.setAttribute("aria-expanded", String(total > 0));
    if (total) this.search.setAttribute("aria-activedescendant", `pop-opt-${this.state.active}`);
    else this.search.removeAttribute("aria-activedescendant");
  }

  // --- choosing and applying ----------------------------------------------------------

  async choose(index, { keepOpen }) {
    const { items, create } = this.current;
    let code = items[index];
    if (!code && create && index === items.length) {
      try {
        code = await this.hooks.createCode(create);
      } catch (error) {
        this.showError(error.message);
        return false;
      }
    }
    if (!code) return false;
    this.state.chosen.set(code.id, "");
    this.search.value = "";
    this.state.active = 0;
    this.renderChosen();
    this.renderOptions();
    if (keepOpen) this.search.focus();
    return true;
  }

  applyRecent(i) {
    const code = this.hooks.recent()[i];
    if (!code) return;
    if (!this.state.chosen.has(code.id)) this.state.chosen.set(code.id, "");
    this.submit();
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
        const ok = await this.choose(this.state.active, { keepOpen: event.shiftKey });
        if (ok && !event.shiftKey) this.submit();
      } else if (!event.shiftKey) {
        this.submit();
      }
    } else if (/^[1-9]$/.test(event.key) && !this.search.value && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      this.applyRecent(Number(event.key) - 1);
    } else if (event.key === "Backspace" && !this.search.value && this.state.chosen.size) {
      const last = [...this.state.chosen.keys()].pop();
      this.state.chosen.delete(last);
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
    if (event.key === "Enter" && target.tagName === "TEXTAREA" && (event.ctrlKey || event.metaKey)) {
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
  }
}
