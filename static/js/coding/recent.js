// The recent codes, applied with the digits 1–9: the codes this browser applied last in the
// project (kept in localStorage), then the codes used most in this transcript.

import { el } from "../lib/dom.js";
import { showOneRow } from "./fit.js";

const MAX_RECENT = 9;

export class RecentCodes {
  constructor(ws) {
    this.ws = ws;
    this.key = `casecoder.recent.${ws.data.project}`;
  }

  ids() {
    try {
      return JSON.parse(localStorage.getItem(this.key) || "[]").filter((id) => this.ws.codeById.has(id));
    } catch {
      return [];
    }
  }

  /** Puts the code ids just applied first. */
  note(ids) {
    const list = [...ids, ...this.ids().filter((id) => !ids.includes(id))].slice(0, MAX_RECENT);
    try {
      localStorage.setItem(this.key, JSON.stringify(list));
    } catch {
      /* private mode: the list lives for this page only */
    }
  }

  /** The codes behind the digits 1–9, in order. */
  codes() {
    const ids = this.ids();
    const rest = [...this.ws.codes].sort((a, b) => b.n_here - a.n_here || b.n_all - a.n_all)
      .filter((c) => !ids.includes(c.id)).map((c) => c.id);
    return [...ids, ...rest].slice(0, MAX_RECENT).map((id) => this.ws.codeById.get(id)).filter(Boolean);
  }
}

/** The toolbar's [data-recent-bar]: one button per recent code, redrawn with the page. */
export function installRecentBar(ws, recent, applyDigit) {
  const bar = ws.root.querySelector("[data-recent-bar]");
  if (!bar) return;
  ws.onRender(() => {
    const fragment = document.createDocumentFragment();
    recent.codes().forEach((code, i) => {
      const swatch = el("span", { className: "swatch" });
      swatch.style.setProperty("--swatch", code.colour);
      const button = el("button", { type: "button", className: "chip recent",
                                    title: `${code.path}: select a passage and press ${i + 1}` },
        el("kbd", {}, String(i + 1)), swatch, el("span", { className: "chip-name" }, code.name));
      button.addEventListener("mousedown", (event) => event.preventDefault()); // keep the selection
      button.addEventListener("click", () => applyDigit(i));
      fragment.append(button);
    });
    bar.replaceChildren(fragment);
    showOneRow(bar); // one row above the text: the digits reach the codes it hides
  });
}
