// From a selection in the text, or a coded passage, to the coding box (popover.js) and back:
// opening it at the right place, applying what it says through writes.js, putting the focus
// and the selection back when it closes, and the digits 1–9 that code without opening it
// (unless the code has a scale: then the box opens and asks its value).

import { Popover } from "./popover.js";
import { hasScale } from "./values.js";
import { changesFrom, describeCodes, stateOf } from "./writes.js";

export class CodingBox {
  /** @param {object} deps writes, serial(task), recent, tooltip, codebook, status(message, kind) */
  constructor(ws, deps) {
    this.ws = ws;
    Object.assign(this, deps);
    this.returnFocus = null;
    const { index, layers } = ws;
    this.popover = new Popover(document.getElementById("popover-template"), {
      codes: () => ws.codes,
      codeOf: (id) => ws.codeById.get(id),
      cases: () => ws.data.cases,
      recent: () => this.recent.codes(),
      canCreateCode: ws.canCode,
      textOf: (start, end) => index.text(start, end),
      nudge: (offset, which, direction) => index.nudge(offset, which, direction),
      pending: (start, end) => layers.pending(start, end),
      rectOf: (start, end) => lastLineRect(index.ranges(start, end)),
      textRect: () => ws.article.getBoundingClientRect(),
      createCode: async (name) => {
        const code = await this.codebook.create(name);
        return ws.codeById.get(code.id) || code;
      },
      apply: (payload, state) => this.serial(() => this.apply(payload, state)),
      remove: (segment) => this.serial(() => this.writes.remove(segment.id)),
      closed: (state, reason) => this.closed(state, reason),
    });
  }

  get isOpen() {
    return this.popover.isOpen;
  }

  /** The passage the open box is about ({start, end}: a new selection or a segment), or null. */
  get passage() {
    const state = this.popover.isOpen ? this.popover.state : null;
    return state ? { start: state.start, end: state.end } : null;
  }

  async apply(payload, state) {
    if (state.mode === "create") {
      const body = { ...payload };
      if (body.quote === null) delete body.quote;
      const segment = await this.writes.create(body);
      this.collapseAfter(segment);
      return;
    }
    const id = state.segment.id;
    const changes = changesFrom(this.ws.segments.get(id), payload);
    if (!Object.keys(changes).length) return;
    await this.writes.update(id, changes);
    this.status(`Segment saved (${describeCodes(this.ws.segments.get(id))}). Ctrl+Z undoes it.`);
  }

  closed(state, reason) {
    const target = this.returnFocus;
    this.returnFocus = null;
    if (target && document.contains(target)) target.focus({ preventScroll: true });
    else if (this.ws.canCode) this.ws.article.focus({ preventScroll: true });
    if (reason === "escape" && state && state.mode === "create") this.reselect(state.start, state.end);
  }

  /** Selects [start, end) again (after Esc), so that Shift+arrows can go on extending it. */
  reselect(start, end) {
    const ranges = this.ws.index.ranges(start, end);
    const selection = document.getSelection();
    if (!ranges.length || !selection) return;
    const range = document.createRange();
    range.setStart(ranges[0].startContainer, ranges[0].startOffset);
    const last = ranges[ranges.length - 1];
    range.setEnd(last.endContainer, last.endOffset);
    selection.removeAllRanges();
    selection.addRange(range);
  }

  /** Puts the caret just after a passage that was coded, ready for the next selection. */
  collapseAfter(segment) {
    const ranges = this.ws.index.ranges(segment.start, segment.end);
    const last = ranges[ranges.length - 1];
    const selection = document.getSelection();
    if (last && selection) {
      this.ws.article.focus({ preventScroll: true });
      selection.collapse(last.endContainer, last.endOffset);
    }
  }

  /** Opens the box for the selected text, if there is a selection a coder may code. */
  openForSelection() {
    if (!this.ws.canCode) return false;
    const selected = this.ws.index.selection();
    if (!selected) return false;
    this.tooltip.hide();
    this.returnFocus = this.ws.article;
    this.popover.openCreate(selected, selectionAnchor());
    return true;
  }

  /** Opens the box on the segments `found` at one place (a reviewer gets the tooltip). */
  openForSegments(found, anchor, focusBack) {
    if (!found.length) return;
    this.ws.setCurrent(found[0].id);
    if (!this.ws.canCode) {
      this.tooltip.show(found, anchor.left, anchor.bottom);
      return;
    }
    this.tooltip.hide();
    this.returnFocus = focusBack || null;
    this.popover.openEdit(found.map((s) => this.ws.segments.get(s.id)).filter(Boolean), 0, anchor);
  }

  /** The digit i + 1: codes the selection with the i-th recent code, or adds it to the chosen
   *  segment; a code with a scale opens the box on it, which asks its value. */
  applyDigit(i) {
    const { ws } = this;
    const code = this.recent.codes()[i];
    if (!code || !ws.canCode) return;
    const selected = ws.index.selection();
    if (selected) {
      if (hasScale(code)) {
        if (!this.popover.isOpen) this.openForSelection();
        this.popover.addAndApply(code.id);
        return;
      }
      this.popover.close({ silent: true });
      this.serial(async () => {
        const body = { start: selected.start, end: selected.end, code_ids: [code.id] };
        if (selected.quote !== null) body.quote = selected.quote;
        try {
          const segment = await this.writes.create(body);
          this.collapseAfter(segment);
        } catch (error) {
          this.status(error.message, "error");
        }
      });
    } else if (ws.currentId !== null && ws.segments.has(ws.currentId)) {
      const segment = ws.segments.get(ws.currentId);
      if (segment.codings.some((c) => c.code_id === code.id)) {
        this.status(`The segment has “${code.name}” already.`);
        return;
      }
      if (hasScale(code)) {
        this.openForSegments([segment], ws.layers.anchorRect(segment.id), document.activeElement);
        this.popover.addAndApply(code.id);
        return;
      }
      this.serial(async () => {
        try {
          const old = stateOf(segment);
          await this.writes.update(segment.id, { code_ids: [...old.code_ids, code.id], values: old.values });
          this.status(`Added “${code.name}” to the segment. Ctrl+Z undoes it.`);
        } catch (error) {
          this.status(error.message, "error");
        }
      });
    } else {
      this.status("Select a passage first, then press a digit to apply a recent code.");
    }
  }
}

/** The viewport rectangle of the last line of a passage's ranges, or null. */
function lastLineRect(ranges) {
  for (let i = ranges.length - 1; i >= 0; i -= 1) {
    const rects = [...ranges[i].getClientRects()].filter((r) => r.width > 0 || r.height > 0);
    if (rects.length) return rects[rects.length - 1];
  }
  return null;
}

/** The viewport rectangle of the selection's last line, to place the box under it. */
function selectionAnchor() {
  const selection = document.getSelection();
  if (!selection || !selection.rangeCount) return null;
  const rects = selection.getRangeAt(0).getClientRects();
  return rects.length ? rects[rects.length - 1] : selection.getRangeAt(0).getBoundingClientRect();
}
