// The codebook sidebar: the code tree with counts (this transcript / the project), a filter
// of the highlights by code, and (for coders) new code, rename, recolour, move, merge, delete,
// and the code's definition (description, when to apply it and when not, an example) and scale.
// The tree is one Tab stop (the WAI-ARIA tree pattern, a roving tabindex): ↑/↓, Home/End and
// a code's first letters move between codes, ← / → to the parent / first child, Enter or Space
// shows only the code's segments (again: all), F2 edits the code.

import { api, query } from "../lib/api.js";
import { el } from "../lib/dom.js";

// n_all is null until the codes API has counted the project (after the page: see transcript.js).
function countText(code) {
  return `${code.n_here} / ${code.n_all ?? "…"}`;
}

function countLabel(code) {
  return `${code.name}, ${code.n_here} here, ${code.n_all ?? "not yet counted"} in the project`;
}

export class Codebook {
  /**
   * @param {object} opts root, base (API base URL), transcriptId, canCode, confirm(text, action) -> Promise<bool>,
   *   filter (Set of code ids), onFilter(), onChanged(codes), status(message, kind)
   */
  constructor(opts) {
    Object.assign(this, opts);
    this.list = this.root.querySelector("[data-code-tree]");
    this.filterStatus = this.root.querySelector("[data-filter-status]");
    this.codes = [];
    this.openEditor = null;
    this.focusId = null; // the code that holds the tree's one Tab stop
    this.bindTreeKeys();
    const form = this.root.querySelector("[data-code-new]");
    if (form) {
      // The server picks a colour far from the other codes' unless the user picks one.
      const picker = form.elements.colour;
      picker.addEventListener("input", () => { picker.dataset.chosen = "1"; });
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const name = form.elements.name.value.trim();
        if (!name) return;
        try {
          const code = await this.create(name, picker.dataset.chosen ? picker.value : null);
          form.reset();
          delete picker.dataset.chosen;
          this.status(`Code “${code.name}” created.`);
        } catch (error) {
          this.status(error.message, "error");
        }
      });
    }
    this.filterStatus.querySelector("button").addEventListener("click", () => {
      this.filter.clear();
      this.render();
      this.onFilter();
    });
  }

  /** The project-wide counts, which come after the page (transcript.js): written into the
   * rows in place, so that an editor opened meanwhile keeps what it shows. */
  async loadCounts() {
    const fresh = new Map((await api("GET", `${this.base}/codes${query({ transcript: this.transcriptId })}`))
      .map((c) => [c.id, c]));
    for (const code of this.codes) {
      const counted = fresh.get(code.id);
      if (!counted) continue;
      code.n_here = counted.n_here;
      code.n_all = counted.n_all;
      const row = this.rowOf(code.id);
      if (!row) continue;
      row.setAttribute("aria-label", countLabel(code));
      row.querySelector(".count").textContent = countText(code);
    }
    return this.codes;
  }

  async reload() {
    this.codes = await api("GET", `${this.base}/codes${query({ transcript: this.transcriptId })}`);
    this.render();
    return this.codes;
  }

  async create(name, colour) {
    const code = await api("POST", `${this.base}/codes`, colour ? { name, colour } : { name });
    await this.reload();
    this.onChanged(this.codes);
    return this.codes.find((c) => c.id === code.id) || code;
  }

  set(codes) {
    this.codes = codes;
    this.render();
  }

  render() {
    const refocus = this.list.contains(document.activeElement) && document.activeElement.matches("[role=treeitem]");
    if (!this.codes.some((c) => c.id === this.focusId)) this.focusId = this.codes.length ? this.codes[0].id : null;
    const parents = new Set(this.codes.map((c) => c.parent_id));
    const fragment = document.createDocumentFragment();
    for (const code of this.codes) {
      const swatch = el("span", { className: "swatch" });
      swatch.style.setProperty("--swatch", code.colour);
      const on = this.filter.has(code.id);
      const toggle = el("button", { type: "button", className: "code-filter", "aria-pressed": String(on), tabIndex: -1,
                                    title: (on ? "Stop showing only this code" : "Show only this code")
                                      + (code.description ? `\n\n${code.description}` : "") },
        swatch, el("span", { className: "code-name" }, code.name));
      toggle.addEventListener("click", () => {
        this.focusId = code.id;
        this.toggleFilter(code);
      });
      const count = el("span", { className: "count", title: "Segments in this transcript / in the project" },
        countText(code));
      const row = el("li", {
        className: "code-row", role: "treeitem", tabIndex: code.id === this.focusId ? 0 : -1,
        "aria-level": String(code.depth + 1), "aria-selected": String(on), "aria-label": countLabel(code),
        dataset: { codeId: String(code.id) },
      }, toggle, count);
      if (parents.has(code.id)) row.setAttribute("aria-expanded", "true");
      row.style.setProperty("--depth", String(code.depth));
      if (this.canCode) {
        const menu = el("button", { type: "button", className: "code-menu", "aria-label": `Edit code ${code.name}`,
                                    "aria-expanded": "false", tabIndex: -1 }, "⋯");
        menu.addEventListener("click", () => this.toggleEditor(code, row, menu));
        row.append(menu);
        if (this.openEditor === code.id) row.append(this.editor(code));
      }
      fragment.append(row);
    }
    this.list.replaceChildren(fragment);
    const n = this.filter.size;
    this.filterStatus.hidden = n === 0;
    this.filterStatus.querySelector("span").textContent =
      n ? `Showing ${n} code${n === 1 ? "" : "s"} only.` : "";
    if (this.openEditor !== null) {
      const menu = this.list.querySelector(`[data-code-id="${this.openEditor}"] .code-menu`);
      if (menu) menu.setAttribute("aria-expanded", "true");
    }
    if (refocus) this.rowOf(this.focusId)?.focus();
  }

  rowOf(codeId) {
    return this.list.querySelector(`[role=treeitem][data-code-id="${codeId}"]`);
  }

  toggleFilter(code) {
    if (this.filter.has(code.id)) this.filter.delete(code.id);
    else this.filter.add(code.id);
    this.render();
    this.onFilter();
  }

  /** Moves the tree's one Tab stop to `codeId` and focuses it. */
  focusCode(codeId) {
    const row = this.rowOf(codeId);
    if (!row) return;
    for (const other of this.list.querySelectorAll("[role=treeitem]")) other.tabIndex = -1;
    row.tabIndex = 0;
    this.focusId = codeId;
    row.focus();
  }

  /** The keys of the tree (on a focused code; the editor's fields keep theirs). */
  bindTreeKeys() {
    let typed = "";
    let typedAt = 0;
    this.list.addEventListener("focusin", (event) => {
      const row = event.target.closest("[role=treeitem]");
      if (row && event.target === row) this.focusCode(Number(row.dataset.codeId));
    });
    this.list.addEventListener("keydown", (event) => {
      const row = event.target;
      if (!(row instanceof HTMLElement) || row.getAttribute("role") !== "treeitem") return;
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      const at = this.codes.findIndex((c) => c.id === Number(row.dataset.codeId));
      const code = this.codes[at];
      if (!code) return;
      let next = null;
      if (event.key === "ArrowDown") next = this.codes[at + 1];
      else if (event.key === "ArrowUp") next = this.codes[at - 1];
      else if (event.key === "Home") next = this.codes[0];
      else if (event.key === "End") next = this.codes[this.codes.length - 1];
      else if (event.key === "ArrowRight") next = this.codes.find((c) => c.parent_id === code.id);
      else if (event.key === "ArrowLeft") next = this.codes.find((c) => c.id === code.parent_id);
      else if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        event.stopPropagation();
        this.toggleFilter(code);
        return;
      } else if (event.key === "F2" && this.canCode) {
        event.preventDefault();
        event.stopPropagation();
        this.toggleEditor(code);
        return;
      } else if (event.key.length === 1 && /\S/.test(event.key)) {
        const now = Date.now();
        typed = now - typedAt < 700 ? typed + event.key.toLowerCase() : event.key.toLowerCase();
        typedAt = now;
        const order = [...this.codes.slice(at + (typed.length === 1 ? 1 : 0)), ...this.codes.slice(0, at + 1)];
        next = order.find((c) => c.name.toLowerCase().startsWith(typed));
        if (!next) return;
      } else {
        return;
      }
      event.preventDefault();
      event.stopPropagation(); // the page's keys (digits, Delete) do not apply in the tree
      if (next) this.focusCode(next.id);
    });
  }

  toggleEditor(code) {
    this.openEditor = this.openEditor === code.id ? null : code.id;
    this.render();
    const field = this.list.querySelector(".code-edit input[name=name]");
    if (field) field.focus();
  }

  descendants(code) {
    const ids = new Set([code.id]);
    for (const c of this.codes) if (ids.has(c.parent_id)) ids.add(c.id); // tree order: parents come first
    return ids;
  }

  editor(code) {
    const own = this.descendants(code);
    const name = el("input", { type: "text", name: "name", value: code.name, required: true, maxLength: 100 });
    const colour = el("input", { type: "color", name: "colour", value: code.colour });
    const parent = el("select", { name: "parent" }, el("option", { value: "" }, "(top level)"),
      ...this.codes.filter((c) => !own.has(c.id))
        .map((c) => el("option", { value: String(c.id), selected: c.id === code.parent_id }, c.path)));
    const target = el("select", { name: "target", "aria-label": `Merge ${code.name} into` },
      el("option", { value: "" }, "— merge into —"),
      ...this.codes.filter((c) => c.id !== code.id && !own.has(c.id))
        .map((c) => el("option", { value: String(c.id) }, c.path)));
    const text = (field, label, rows = 2) => {
      const area = el("textarea", { name: field, rows, value: code[field] || "" });
      return [area, el("label", {}, label, area)];
    };
    const [description, descriptionLabel] = text("description", "Description", 3);
    const [inclusion, inclusionLabel] = text("inclusion", "Apply when");
    const [exclusion, exclusionLabel] = text("exclusion", "Do not apply when");
    const [example, exampleLabel] = text("example", "Example");
    const scale = el("select", { name: "scale", id: `code-${code.id}-scale` },
      ...[["none", "No scale"], ["presence", "Present / absent"], ["ordinal", "Ordinal (named levels)"]]
        .map(([value, label]) => el("option", { value, selected: code.scale === value }, label)));
    const levels = el("input", { type: "text", name: "levels", value: code.scale === "ordinal" ? code.levels.join(", ") : "",
      placeholder: "low, medium, high" });
    const levelsLabel = el("label", { className: "grow" }, "Levels, lowest first", levels);
    const showLevels = () => { levelsLabel.hidden = scale.value !== "ordinal"; };
    scale.addEventListener("change", showLevels);
    showLevels();
    const definition = el("details", { className: "code-definition", open: Boolean(code.description) },
      el("summary", {}, "Definition and scale"),
      el("div", { className: "stack-tight" }, descriptionLabel, inclusionLabel, exclusionLabel, exampleLabel,
        el("div", { className: "row" },
          el("div", { className: "stack-tight" }, el("label", { htmlFor: scale.id }, "Scale"), scale), levelsLabel)));
    const error = el("p", { className: "error", role: "alert", hidden: true });
    const save = el("button", { type: "submit", className: "primary" }, "Save");
    const cancel = el("button", { type: "button" }, "Cancel");
    const merge = el("button", { type: "button" }, "Merge…");
    const remove = el("button", { type: "button", className: "danger" }, "Delete code");
    const hasChildren = this.codes.some((c) => c.parent_id === code.id);
    remove.hidden = code.n_all !== 0 || hasChildren; // not offered before the project is counted
    const form = el("form", { className: "stack-tight" },
      el("label", {}, "Name", name),
      el("div", { className: "row" }, el("label", {}, "Colour", colour), el("label", { className: "grow" }, "Under", parent)),
      definition,
      el("div", { className: "row" }, save, cancel, remove),
      el("div", { className: "row" }, target, merge),
      error);
    const fail = (e) => {
      error.textContent = e.message;
      error.hidden = false;
    };
    cancel.addEventListener("click", () => {
      this.openEditor = null;
      this.render();
      this.focusCode(code.id);
    });
    form.addEventListener("keydown", (event) => {
      event.stopPropagation();
      if (event.key === "Escape") cancel.click();
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const changes = {};
        if (name.value.trim() !== code.name) changes.name = name.value;
        if (colour.value.toLowerCase() !== code.colour.toLowerCase()) changes.colour = colour.value;
        for (const area of [description, inclusion, exclusion, example]) {
          if (area.value !== (code[area.name] || "")) changes[area.name] = area.value;
        }
        const wanted = scale.value === "ordinal" ? levels.value.split(",").map((l) => l.trim()).filter(Boolean) : [];
        if (scale.value !== code.scale || (scale.value === "ordinal" && wanted.join("\n") !== code.levels.join("\n"))) {
          changes.scale = scale.value;
          changes.levels = wanted;
        }
        if (Object.keys(changes).length) await api("PATCH", `${this.base}/codes/${code.id}`, changes);
        const parentId = parent.value ? Number(parent.value) : null;
        if (parentId !== code.parent_id) {
          await api("POST", `${this.base}/codes/${code.id}/move`, { parent_id: parentId });
        }
        this.openEditor = null;
        await this.reload();
        this.onChanged(this.codes);
        this.status(`Code “${name.value.trim()}” saved.`);
      } catch (e) {
        fail(e);
      }
    });
    merge.addEventListener("click", async () => {
      const into = this.codes.find((c) => c.id === Number(target.value));
      if (!into) {
        fail(new Error("Choose the code to merge into."));
        return;
      }
      const ok = await this.confirm(
        `Merge “${code.name}” into “${into.name}”? Its ${code.n_all ?? ""} coded segment${code.n_all === 1 ? "" : "s"}, `
        + `child codes, memos and comments move to “${into.name}”, and “${code.name}” is removed.`, "Merge");
      if (!ok) return;
      try {
        await api("POST", `${this.base}/codes/${code.id}/merge`, { target_id: into.id });
        this.openEditor = null;
        this.filter.delete(code.id);
        await this.reload();
        this.onChanged(this.codes, { merged: true });
        this.status(`“${code.name}” merged into “${into.name}”.`);
      } catch (e) {
        fail(e);
      }
    });
    remove.addEventListener("click", async () => {
      const ok = await this.confirm(`Delete the code “${code.name}”? It has no coded segments.`, "Delete");
      if (!ok) return;
      try {
        await api("DELETE", `${this.base}/codes/${code.id}`);
        this.openEditor = null;
        this.filter.delete(code.id);
        await this.reload();
        this.onChanged(this.codes);
        this.status(`Code “${code.name}” deleted.`);
      } catch (e) {
        fail(e);
      }
    });
    return el("div", { className: "code-edit" }, form);
  }
}
