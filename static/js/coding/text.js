// The transcript text as the server rendered it: one text node per turn, each marked with the
// code-point range [data-start, data-end) it holds. Maps DOM positions to code points and back
// (through lib/offsets.js) and builds Ranges for passages, without touching the text.

import { hasAstral, toCodePoints, toUtf16 } from "../lib/offsets.js";

const WORD = /[\p{L}\p{N}_'’-]/u;
// The end of a sentence: . ! ? or … (with closing quotes or brackets), then white space.
const SENTENCE_END = /[.!?…]+["'”’»)\]]*(?=\s|$)/gu;

export class TextIndex {
  constructor(article) {
    this.article = article;
    this.turns = [...article.querySelectorAll(".tt")].map((el) => {
      const text = el.textContent;
      return { el, text, start: Number(el.dataset.start), end: Number(el.dataset.end), astral: hasAstral(text) };
    });
    this.starts = this.turns.map((t) => t.start);
  }

  /** Puts back any text the browser changed (the article is contenteditable only for the caret). */
  repair() {
    let changed = false;
    for (const turn of this.turns) {
      if (turn.el.childNodes.length !== 1 || turn.el.firstChild.nodeType !== Node.TEXT_NODE
          || turn.el.textContent !== turn.text || !this.article.contains(turn.el)) {
        turn.el.replaceChildren(document.createTextNode(turn.text));
        changed = true;
      }
    }
    return changed;
  }

  node(turn) {
    if (!turn.el.firstChild) turn.el.append(document.createTextNode(turn.text));
    return turn.el.firstChild;
  }

  /** Index of the last turn starting at or before `offset` (-1 if none). */
  turnIndexAt(offset) {
    let lo = 0;
    let hi = this.starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid] <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  turnAt(offset) {
    const i = this.turnIndexAt(offset);
    return i >= 0 ? this.turns[i] : null;
  }

  /** UTF-16 index within `turn` of the code-point offset (absolute). */
  unitIndex(turn, offset) {
    const local = Math.max(0, Math.min(offset, turn.end) - turn.start);
    return turn.astral ? toUtf16(turn.text, local) : Math.min(local, turn.text.length);
  }

  /** One Range per turn that [start, end) touches (the gaps between turns are not shown). */
  ranges(start, end) {
    const out = [];
    let i = Math.max(0, this.turnIndexAt(start));
    for (; i < this.turns.length && this.turns[i].start < end; i += 1) {
      const turn = this.turns[i];
      if (turn.end <= start) continue;
      const range = document.createRange();
      const node = this.node(turn);
      range.setStart(node, this.unitIndex(turn, Math.max(start, turn.start)));
      range.setEnd(node, this.unitIndex(turn, Math.min(end, turn.end)));
      if (!range.collapsed) out.push(range);
    }
    return out;
  }

  /** The code-point offset of a DOM boundary point; `side` says which way to snap from
   *  outside the text (the speaker label, the ¶ number): "start" forward, "end" backward. */
  offsetOf(node, unitOffset, side) {
    const el = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    const tt = el && el.closest(".tt");
    if (tt) {
      const turn = this.turns.find((t) => t.el === tt);
      if (turn) {
        if (node.nodeType !== Node.TEXT_NODE) return unitOffset === 0 ? turn.start : turn.end;
        const local = turn.astral ? toCodePoints(turn.text, unitOffset) : unitOffset;
        return turn.start + local;
      }
    }
    // Outside the text: find the turns before and after the point.
    let lo = 0;
    let hi = this.turns.length - 1;
    let after = this.turns.length;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const range = document.createRange();
      range.selectNodeContents(this.turns[mid].el);
      let where;
      try {
        where = range.comparePoint(node, unitOffset);
      } catch {
        return null;
      }
      if (where < 0) {
        after = mid;
        hi = mid - 1;
      } else {
        lo = mid + 1;
      }
    }
    if (side === "start") return after < this.turns.length ? this.turns[after].start : null;
    return after > 0 ? this.turns[after - 1].end : null;
  }

  /** The selection as code points {start, end, text}, or null if empty or outside the text. */
  selection(selection = document.getSelection()) {
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    const range = selection.getRangeAt(0);
    if (!this.article.contains(range.commonAncestorContainer)) return null;
    const start = this.offsetOf(range.startContainer, range.startOffset, "start");
    const end = this.offsetOf(range.endContainer, range.endOffset, "end");
    if (start === null || end === null || start >= end) return null;
    const first = this.turnAt(start);
    const last = this.turnAt(end - 1);
    // The stored text between two turns holds the next speaker's label, which the page shows
    // apart: a quote is only sent for a passage within one turn.
    const quote = first && first === last ? this.text(start, end) : null;
    return { start, end, quote };
  }

  /** The text of [start, end) as shown, turns joined by a line break. */
  text(start, end) {
    const parts = [];
    for (const range of this.ranges(start, end)) parts.push(range.toString());
    return parts.join("\n");
  }

  /** Code-point offset of UTF-16 index `local` in `turn`. */
  pointOf(turn, local) {
    return turn.start + (turn.astral ? toCodePoints(turn.text, local) : local);
  }

  /** The sentence around `offset` (within its turn), as code points [start, end), or null. */
  sentenceAt(offset) {
    const turn = this.turnAt(offset);
    if (!turn || offset >= turn.end) return this.nextTurnStart(offset, (t) => this.sentenceAt(t.start));
    const text = turn.text;
    const at = this.unitIndex(turn, offset);
    let start = 0;
    let end = text.length;
    for (const match of text.matchAll(SENTENCE_END)) {
      const after = match.index + match[0].length;
      if (after <= at) {
        start = after;
      } else {
        end = after;
        break;
      }
    }
    while (start < end && /\s/.test(text[start])) start += 1;
    if (start >= end) return null;
    return { start: this.pointOf(turn, start), end: this.pointOf(turn, end) };
  }

  /** The paragraph (turn) around `offset`, as code points [start, end), or null. */
  paragraphAt(offset) {
    const turn = this.turnAt(offset);
    if (!turn || offset >= turn.end) return this.nextTurnStart(offset, (t) => ({ start: t.start, end: t.end }));
    return turn.end > turn.start ? { start: turn.start, end: turn.end } : null;
  }

  /** `unit(turn)` for the first turn starting after `offset` (the caret between two turns). */
  nextTurnStart(offset, unit) {
    const next = this.turns.find((t) => t.start > offset || (t.start === offset && t.end > t.start));
    return next ? unit(next) : null;
  }

  /** The end of the next sentence or paragraph after code-point `offset`, skipping white space. */
  extendEnd(offset, kind) {
    const turn = this.turnAt(offset);
    let from = offset;
    if (turn && offset < turn.end) {
      let local = this.unitIndex(turn, offset);
      while (local < turn.text.length && /\s/.test(turn.text[local])) local += 1;
      from = this.pointOf(turn, local);
    }
    const unit = kind === "paragraph" ? this.paragraphAt(from) : this.sentenceAt(from);
    return unit ? unit.end : offset;
  }

  /** The code-point offset of the caret (the selection's focus) in the text, or null. */
  caret(selection = document.getSelection()) {
    if (!selection || !selection.rangeCount || !this.article.contains(selection.focusNode)) return null;
    return this.offsetOf(selection.focusNode, selection.focusOffset, "start");
  }

  /** Moves `offset` by one word: which = "start" | "end", direction = -1 | 1. */
  nudge(offset, which, direction) {
    let i = this.turnIndexAt(offset);
    if (i < 0) return offset;
    let turn = this.turns[i];
    let local = this.unitIndex(turn, offset);
    const text = () => turn.text;
    const isWord = (k) => k >= 0 && k < text().length && WORD.test(text()[k]);
    const back = () => {
      if (local === 0 && i > 0) {
        i -= 1;
        turn = this.turns[i];
        local = turn.text.length;
      }
    };
    const forward = () => {
      if (local >= text().length && i < this.turns.length - 1) {
        i += 1;
        turn = this.turns[i];
        local = 0;
      }
    };
    if (which === "end" && direction > 0) {
      forward();
      while (local < text().length && !isWord(local)) local += 1;
      while (local < text().length && isWord(local)) local += 1;
    } else if (which === "end") {
      back();
      while (local > 0 && !isWord(local - 1)) local -= 1;
      while (local > 0 && isWord(local - 1)) local -= 1;
      while (local > 0 && !isWord(local - 1)) local -= 1;
    } else if (direction > 0) {
      forward();
      while (local < text().length && isWord(local)) local += 1;
      while (local < text().length && !isWord(local)) local += 1;
    } else {
      back();
      while (local > 0 && !isWord(local - 1)) local -= 1;
      while (local > 0 && isWord(local - 1)) local -= 1;
    }
    return turn.start + (turn.astral ? toCodePoints(turn.text, local) : local);
  }
}
