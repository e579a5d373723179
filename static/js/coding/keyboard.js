// The keys of the transcript page (listed in its "Keys" box and in lib/shortcuts.js): undo and
// redo, the digits 1–9, Delete, Enter and Esc, S and P (select the sentence or the paragraph at
// the caret; again: one more); the way in from the skip link; and the text kept read-only
// although it is contenteditable, which it is only so that a caret and Shift+arrows can select
// with the keyboard.

/** True while the user types in a field (the read-only transcript text does not count). */
function typing(target, article) {
  return target instanceof HTMLElement && target !== article && !article.contains(target)
    && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

/** Every edit of the text is refused, and anything that slips through is put back. */
export function keepTextReadOnly(ws) {
  for (const type of ["beforeinput", "paste", "cut", "drop", "dragstart"]) {
    ws.article.addEventListener(type, (event) => event.preventDefault());
  }
  ws.article.addEventListener("input", () => {
    if (ws.index.repair()) ws.render();
  });
}

/** Puts the caret at the start of the first paragraph in view (the text was focused from the
 *  keyboard, with no caret in it yet), so that Shift+arrows, S and P start there. */
function caretInView(ws) {
  const selection = document.getSelection();
  if (document.activeElement !== ws.article) return; // the focus moved on meanwhile (the coding box)
  if (!selection || (selection.rangeCount && ws.article.contains(selection.anchorNode))) return;
  const top = ws.root.querySelector(".toolbar")?.getBoundingClientRect().bottom ?? 0;
  const turn = ws.index.turns.find((t) => t.el.getBoundingClientRect().bottom > top + 4) || ws.index.turns[0];
  if (turn) selection.collapse(ws.index.node(turn), 0);
}

/** The skip link leads to the text: focused, with the caret at the first paragraph in view. */
export function installWayIn(ws) {
  const focusText = () => {
    ws.article.focus({ preventScroll: true });
    if (ws.canCode) caretInView(ws);
  };
  const skip = document.querySelector(".skip-link");
  if (skip) {
    skip.addEventListener("click", (event) => {
      event.preventDefault();
      focusText();
    });
  }
  ws.article.addEventListener("focus", () => {
    if (ws.canCode && ws.article.matches(":focus-visible")) setTimeout(() => caretInView(ws), 0);
  });
}

/** @param {object} deps box (CodingBox), writes, serial(task), history, tooltip, status(message, kind) */
export function installKeyboard(ws, { box, writes, serial, history, tooltip, status }) {
  const { article, layers, canCode } = ws;

  /** S / P in the text: the sentence or paragraph at the caret; with a selection, one more. */
  function selectUnit(kind) {
    const selected = ws.index.selection();
    let span;
    if (selected) {
      span = { start: selected.start, end: ws.index.extendEnd(selected.end, kind) };
    } else {
      const caret = ws.index.caret();
      if (caret === null) return;
      span = kind === "paragraph" ? ws.index.paragraphAt(caret) : ws.index.sentenceAt(caret);
    }
    if (!span || span.end <= span.start) return;
    box.reselect(span.start, span.end);
    box.openForSelection();
  }

  function deleteCurrent() {
    const selection = document.getSelection();
    if (!canCode || ws.currentId === null
        || (selection && !selection.isCollapsed && article.contains(selection.anchorNode))) {
      return;
    }
    const id = ws.currentId;
    const label = layers.labels.get(id);
    const labels = layers.labelList();
    const neighbour = labels[labels.indexOf(label) + 1] || labels[labels.indexOf(label) - 1];
    const nextId = neighbour ? Number(neighbour.dataset.segmentId) : null;
    const hadFocus = label && document.activeElement === label;
    serial(() => writes.remove(id)).then(() => {
      if (hadFocus && nextId !== null && layers.labels.get(nextId)) {
        ws.setCurrent(nextId);
        layers.labels.get(nextId).focus();
      }
    }).catch((error) => status(error.message, "error"));
  }

  document.addEventListener("keydown", (event) => {
    if (box.isOpen && box.popover.form.contains(event.target)) return;
    if (document.querySelector("dialog[open]")) return;
    if (typing(event.target, article)) return;
    const key = event.key;
    const mod = event.ctrlKey || event.metaKey;
    if (mod && !event.altKey && (key === "z" || key === "Z")) {
      event.preventDefault();
      if (!canCode) return;
      if (event.shiftKey) history.redo();
      else history.undo();
      return;
    }
    if (mod && !event.altKey && (key === "y" || key === "Y")) {
      event.preventDefault();
      if (canCode) history.redo();
      return;
    }
    if (mod || event.altKey) return;
    if ((key === "s" || key === "S" || key === "p" || key === "P") && canCode && article.contains(event.target)) {
      event.preventDefault();
      selectUnit(key.toLowerCase() === "s" ? "sentence" : "paragraph");
    } else if (/^[1-9]$/.test(key)) {
      if (!canCode) return;
      event.preventDefault();
      box.applyDigit(Number(key) - 1);
    } else if (key === "Delete") {
      event.preventDefault();
      deleteCurrent();
    } else if (key === "Backspace" && article.contains(event.target)) {
      event.preventDefault();
    } else if (key === "Enter") {
      if (event.target !== document.body && !article.contains(event.target)) return; // links, menus, buttons
      event.preventDefault();
      if (box.openForSelection()) return;
      if (ws.currentId !== null && ws.segments.has(ws.currentId)) {
        box.openForSegments([ws.segments.get(ws.currentId)], layers.anchorRect(ws.currentId), document.activeElement);
      }
    } else if (key === "Escape") {
      tooltip.hide();
      if (ws.currentId !== null) ws.setCurrent(null);
    }
  });
}
