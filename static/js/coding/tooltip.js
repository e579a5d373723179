// The tooltip over a coded passage or its margin label: its codes and values, the cases it
// is linked to and those it counts for through a case section or its transcript, the memo
// and the coder. Reviewers, who cannot open the coding box, get it on a click too.

import { el } from "../lib/dom.js";

const MAX_SHOWN = 4;
const p = (className, ...parts) => el("p", { className }, ...parts);

export class Tooltip {
  constructor(tip, ws) {
    this.tip = tip;
    this.ws = ws;
  }

  /** Shows the first segments of `found` next to the point (x, y), in viewport pixels. */
  show(found, x, y) {
    const { codeById, caseById } = this.ws;
    const fragment = document.createDocumentFragment();
    for (const segment of found.slice(0, MAX_SHOWN)) {
      const block = el("div", { className: "tip-segment" });
      for (const coding of segment.codings) {
        const swatch = el("span", { className: "swatch" });
        swatch.style.setProperty("--swatch", codeById.get(coding.code_id)?.colour || "#9aa5b1");
        const parts = [swatch, el("strong", {}, coding.code)];
        if (coding.value) parts.push(` = ${coding.value}`);
        block.append(p("tip-code", ...parts));
      }
      const linked = segment.case_ids.map((id) => caseById.get(id)?.name).filter(Boolean);
      const via = segment.member_case_ids.filter((id) => !segment.case_ids.includes(id))
        .map((id) => caseById.get(id)?.name).filter(Boolean);
      if (segment.is_case_section) block.append(p("tip-cases", `Case section: ${linked.join(", ") || "no case"}`));
      else if (linked.length) block.append(p("tip-cases", `Cases: ${linked.join(", ")}`));
      if (via.length) block.append(p("tip-cases", `Counts for: ${via.join(", ")} (case section or transcript)`));
      if (segment.memo) block.append(p("tip-memo", `Memo: ${segment.memo.slice(0, 300)}`));
      block.append(p("tip-meta", `coded by ${segment.coder}`));
      fragment.append(block);
    }
    if (found.length > MAX_SHOWN) fragment.append(p("tip-meta", `and ${found.length - MAX_SHOWN} more`));
    const tip = this.tip;
    tip.replaceChildren(fragment);
    tip.hidden = false;
    const width = tip.offsetWidth;
    const height = tip.offsetHeight;
    const left = Math.min(x + 14, window.innerWidth - width - 8);
    const top = y + 18 + height > window.innerHeight ? y - height - 12 : y + 18;
    tip.style.left = `${Math.max(8, left)}px`;
    tip.style.top = `${Math.max(8, top)}px`;
  }

  hide() {
    this.tip.hidden = true;
  }

  /** Follows the mouse over the sheet (once a frame), except while `busy()` (the coding box is open). */
  follow(busy) {
    let frame = 0;
    let lastMove = null;
    this.ws.sheet.addEventListener("mousemove", (event) => {
      lastMove = event;
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        if (busy()) return;
        const target = lastMove.target.closest("[data-segment-id]");
        const found = target ? [this.ws.segmentOf(target)].filter(Boolean)
          : this.ws.layers.hit(lastMove.clientX, lastMove.clientY);
        if (found.length) this.show(found, lastMove.clientX, lastMove.clientY);
        else this.hide();
      });
    });
    this.ws.sheet.addEventListener("mouseleave", () => this.hide());
  }
}
