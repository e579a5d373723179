// The transcript page: read, select, code. The text is rendered once by the server (escaped);
// this module draws the codings over it, opens the coding popover, keeps the undo history
// and talks to the JSON API. Offsets sent and received are code points (see lib/offsets.js).

import { api, query } from "../lib/api.js";
import { Codebook } from "./codebook.js";
import { Layers } from "./layers.js";
import { Popover } from "./popover.js";
import { TextIndex } from "./text.js";

const root = document.querySelector("[data-workspace]");
const data = JSON.parse(document.getElementById("workspace-data").textContent);
const base = data.api;
const transcriptId = data.transcript.id;
const canCode = data.can_code;

const article = root.querySelector("[data-transcript]");
const sheet = root.querySelector("[data-sheet]");
const tip = document.querySelector("[data-tip]");
const statusBox = document.querySelector("[data-status]");
const countBox = root.querySelector("[data-count-segments]");

const segments = new Map(data.segments.map((s) => [s.id, s]));
let codes = data.codes;
let codeById = new Map(codes.map((c) => [c.id, c]));
const caseById = new Map(data.cases.map((c) => [c.id, c]));
const filter = new Set();
let currentId = null;

const index = new TextIndex(article);
for (const segment of segments.values()) {
  if (segment.quote === undefined) segment.quote = index.text(segment.start, segment.end); // not sent twice
}
const layers = new Layers({
  sheet, article, index,
  margin: root.querySelector("[data-margin]"),
  band: root.querySelector("[data-case-band]"),
  overlay: root.querySelector("[data-overlay]"),
});

// --- status line ------------------------------------------------------------------------

let statusTimer = null;
function status(message, kind = "info") {
  statusBox.textContent = message;
  statusBox.dataset.kind = kind;
  statusBox.hidden = false;
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => {
    statusBox.hidden = true;
  }, kind === "error" ? 9000 : 5000);
}

// --- drawing ----------------------------------------------------------------------------

let coderShown = "";
function visible(segment) {
  if (coderShown && segment.coder !== coderShown) return false;
  return !filter.size || segment.codings.some((c) => filter.has(c.code_id));
}

const coderSelect = root.querySelector("[data-coder-filter]");
let coderNames = "";
function renderCoderOptions() {
  if (!coderSelect) return;
  const names = [...new Set([...segments.values()].map((s) => s.coder))].sort();
  if (names.join("\n") === coderNames) return;
  coderNames = names.join("\n");
  coderSelect.closest("label").hidden = names.length < 2 && !coderShown;
  const options = [new Option("all coders", "")];
  for (const name of names) options.push(new Option(name, name, false, name === coderShown));
  coderSelect.replaceChildren(...options);
}
if (coderSelect) {
  coderSelect.addEventListener("change", () => {
    coderShown = coderSelect.value;
    render();
  });
}

function render() {
  layers.render({
    segments: [...segments.values()],
    codeOf: (id) => codeById.get(id),
    caseOf: (id) => caseById.get(id),
    visible,
    currentId,
  });
  if (countBox) countBox.textContent = String(segments.size);
  renderRecentBar();
  renderCoderOptions();
}

let frame = 0;
function scheduleRender() {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    render();
  });
}

function setCurrent(id) {
  currentId = id;
  layers.setCurrent(id);
}

// --- recent codes (1–9) ------------------------------------------------------------------

const recentKey = `casecoder.recent.${data.project}`;
function recentIds() {
  try {
    return JSON.parse(localStorage.getItem(recentKey) || "[]").filter((id) => codeById.has(id));
  } catch {
    return [];
  }
}

function noteRecent(ids) {
  const list = [...ids, ...recentIds().filter((id) => !ids.includes(id))].slice(0, 9);
  try {
    localStorage.setItem(recentKey, JSON.stringify(list));
  } catch {
    /* private mode: the list lives for this page only */
  }
}

function recentCodes() {
  const ids = recentIds();
  const rest = [...codes].sort((a, b) => b.n_here - a.n_here || b.n_all - a.n_all)
    .filter((c) => !ids.includes(c.id)).map((c) => c.id);
  return [...ids, ...rest].slice(0, 9).map((id) => codeById.get(id)).filter(Boolean);
}

function renderRecentBar() {
  const bar = root.querySelector("[data-recent-bar]");
  if (!bar) return;
  const fragment = document.createDocumentFragment();
  recentCodes().forEach((code, i) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "chip recent";
    button.title = `${code.path}: select a passage and press ${i + 1}`;
    const key = document.createElement("kbd");
    key.textContent = String(i + 1);
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.setProperty("--swatch", code.colour);
    const name = document.createElement("span");
    name.className = "chip-name";
    name.textContent = code.name;
    button.append(key, swatch, name);
    button.addEventListener("mousedown", (event) => event.preventDefault()); // keep the selection
    button.addEventListener("click", () => applyDigit(i));
    fragment.append(button);
  });
  bar.replaceChildren(fragment);
}

// --- writes (serialised, so that quick keys apply in order) ----------------------------

let queue = Promise.resolve();
function serial(task) {
  const run = queue.then(task, task);
  queue = run.catch(() => {});
  return run;
}

const undoStack = [];
const redoStack = [];

function stateOf(segment) {
  const values = {};
  for (const c of segment.codings) if (c.value) values[c.code_id] = c.value;
  return {
    start: segment.start, end: segment.end, code_ids: segment.codings.map((c) => c.code_id), values,
    case_ids: [...segment.case_ids], memo: segment.memo, is_case_section: segment.is_case_section,
  };
}

function describeCodes(segment) {
  return segment.codings.map((c) => c.code).join(", ") || "case section";
}

function touchesCases(...items) {
  return items.some((s) => s && (s.case_ids.length || s.is_case_section));
}

async function refreshSegments() {
  const rows = await api("GET", `${base}/transcripts/${transcriptId}/segments`);
  segments.clear();
  for (const s of rows) segments.set(s.id, s);
}

async function afterWrite(...touched) {
  if (touchesCases(...touched)) await refreshSegments(); // a case section changes its neighbours' cases
  render();
  codebook.reload().then(syncCodes).catch(() => {});
}

function syncCodes(list) {
  codes = list;
  codeById = new Map(codes.map((c) => [c.id, c]));
}

function record(entry) {
  undoStack.push(entry);
  redoStack.length = 0;
}

async function createSegment(payload) {
  const segment = await api("POST", `${base}/segments`, { transcript_id: transcriptId, ...payload });
  segments.set(segment.id, segment);
  noteRecent(payload.code_ids);
  record({ kind: "create", id: segment.id });
  currentId = segment.id;
  await afterWrite(segment);
  status(`Coded “${segment.quote.slice(0, 60)}” with ${describeCodes(segment)}. Ctrl+Z undoes it.`);
  return segment;
}

async function updateSegment(id, changes, { remember = true } = {}) {
  const before = segments.get(id);
  let after;
  try {
    after = await api("PATCH", `${base}/segments/${id}`, { version: before.version, ...changes });
  } catch (error) {
    if (error.status === 409 && error.current) {
      segments.set(id, error.current);
      render();
      throw new Error(`${error.detail} The page now shows the current state.`);
    }
    throw error;
  }
  segments.set(id, after);
  if (remember) record({ kind: "edit", id, before: stateOf(before), after: stateOf(after) });
  if (changes.code_ids) noteRecent(changes.code_ids.filter((c) => !before.codings.some((x) => x.code_id === c)));
  await afterWrite(before, after);
  return after;
}

async function deleteSegment(id, { remember = true } = {}) {
  const before = segments.get(id);
  if (!before) return null;
  try {
    await api("DELETE", `${base}/segments/${id}${query({ version: before.version })}`);
  } catch (error) {
    if (error.status === 409 && error.current) {
      segments.set(id, error.current);
      render();
    }
    throw error;
  }
  segments.delete(id);
  if (currentId === id) currentId = null;
  if (remember) record({ kind: "delete", id });
  await afterWrite(before);
  status(`Segment moved to the trash (${describeCodes(before)}). Ctrl+Z restores it.`);
  return before;
}

async function restoreSegment(id, { remember = true } = {}) {
  const segment = await api("POST", `${base}/segments/${id}/restore`);
  segments.set(id, segment);
  if (remember) record({ kind: "restore", id });
  await afterWrite(segment);
  status(`Segment restored (${describeCodes(segment)}).`);
  return segment;
}

const inverse = {
  create: (e) => deleteSegment(e.id, { remember: false }),
  delete: (e) => restoreSegment(e.id, { remember: false }),
  restore: (e) => deleteSegment(e.id, { remember: false }),
  edit: (e) => updateSegment(e.id, e.before, { remember: false }),
};
const replay = {
  create: (e) => restoreSegment(e.id, { remember: false }),
  delete: (e) => deleteSegment(e.id, { remember: false }),
  restore: (e) => restoreSegment(e.id, { remember: false }),
  edit: (e) => updateSegment(e.id, e.after, { remember: false }),
};

function undo() {
  return serial(async () => {
    const entry = undoStack.pop();
    if (!entry) {
      status("Nothing to undo.");
      return;
    }
    try {
      await inverse[entry.kind](entry);
      redoStack.push(entry);
      status(`Undone (${entry.kind}). Ctrl+Shift+Z redoes it.`);
    } catch (error) {
      status(`Could not undo: ${error.message}`, "error");
    }
  });
}

function redo() {
  return serial(async () => {
    const entry = redoStack.pop();
    if (!entry) {
      status("Nothing to redo.");
      return;
    }
    try {
      await replay[entry.kind](entry);
      undoStack.push(entry);
      status(`Redone (${entry.kind}).`);
    } catch (error) {
      status(`Could not redo: ${error.message}`, "error");
    }
  });
}

// --- the popover ------------------------------------------------------------------------

let returnFocus = null;

const popover = new Popover(document.getElementById("popover-template"), {
  codes: () => codes,
  codeOf: (id) => codeById.get(id),
  cases: () => data.cases,
  recent: recentCodes,
  canCreateCode: canCode,
  textOf: (start, end) => index.text(start, end),
  nudge: (offset, which, direction) => index.nudge(offset, which, direction),
  pending: (start, end) => layers.pending(start, end),
  createCode: async (name) => {
    const code = await codebook.create(name);
    return codeById.get(code.id) || code;
  },
  apply: (payload, state) => serial(async () => {
    if (state.mode === "create") {
      const body = { ...payload };
      if (body.quote === null) delete body.quote;
      const segment = await createSegment(body);
      collapseAfter(segment);
      return;
    }
    const segment = segments.get(state.segment.id);
    const old = stateOf(segment);
    const changes = {};
    if (payload.start !== old.start || payload.end !== old.end) {
      Object.assign(changes, { start: payload.start, end: payload.end, snap: true });
    }
    if (JSON.stringify(payload.code_ids) !== JSON.stringify(old.code_ids)
        || JSON.stringify(payload.values) !== JSON.stringify(old.values)) {
      Object.assign(changes, { code_ids: payload.code_ids, values: payload.values });
    }
    if (JSON.stringify([...payload.case_ids].sort()) !== JSON.stringify([...old.case_ids].sort())) {
      changes.case_ids = payload.case_ids;
    }
    if (payload.memo !== old.memo) changes.memo = payload.memo;
    if (payload.is_case_section !== old.is_case_section) changes.is_case_section = payload.is_case_section;
    if (!Object.keys(changes).length) return;
    await updateSegment(segment.id, changes);
    status(`Segment saved (${describeCodes(segments.get(segment.id))}). Ctrl+Z undoes it.`);
  }),
  remove: (segment) => serial(() => deleteSegment(segment.id)),
  closed: (state, reason) => {
    const target = returnFocus;
    returnFocus = null;
    if (target && document.contains(target)) target.focus({ preventScroll: true });
    else if (canCode) article.focus({ preventScroll: true });
    if (reason === "escape" && state && state.mode === "create") reselect(state.start, state.end);
  },
});

/** Selects [start, end) again (after Esc), so that Shift+arrows can go on extending it. */
function reselect(start, end) {
  const ranges = index.ranges(start, end);
  const selection = document.getSelection();
  if (!ranges.length || !selection) return;
  const range = document.createRange();
  range.setStart(ranges[0].startContainer, ranges[0].startOffset);
  const last = ranges[ranges.length - 1];
  range.setEnd(last.endContainer, last.endOffset);
  selection.removeAllRanges();
  selection.addRange(range);
}

function collapseAfter(segment) {
  const ranges = index.ranges(segment.start, segment.end);
  const last = ranges[ranges.length - 1];
  const selection = document.getSelection();
  if (last && selection) {
    article.focus({ preventScroll: true });
    selection.collapse(last.endContainer, last.endOffset);
  }
}

function selectionAnchor() {
  const selection = document.getSelection();
  if (!selection || !selection.rangeCount) return null;
  const rects = selection.getRangeAt(0).getClientRects();
  return rects.length ? rects[rects.length - 1] : selection.getRangeAt(0).getBoundingClientRect();
}

function openForSelection() {
  if (!canCode) return false;
  const selected = index.selection();
  if (!selected) return false;
  hideTip();
  returnFocus = article;
  popover.openCreate(selected, selectionAnchor());
  return true;
}

function openForSegments(found, anchor, focusBack) {
  if (!found.length) return;
  setCurrent(found[0].id);
  if (!canCode) {
    showTip(found, anchor.left, anchor.bottom);
    return;
  }
  hideTip();
  returnFocus = focusBack || null;
  popover.openEdit(found.map((s) => segments.get(s.id)).filter(Boolean), 0, anchor);
}

function applyDigit(i) {
  const code = recentCodes()[i];
  if (!code || !canCode) return;
  const selected = index.selection();
  if (selected) {
    popover.close({ silent: true });
    serial(async () => {
      const body = { start: selected.start, end: selected.end, code_ids: [code.id] };
      if (selected.quote !== null) body.quote = selected.quote;
      try {
        const segment = await createSegment(body);
        collapseAfter(segment);
      } catch (error) {
        status(error.message, "error");
      }
    });
  } else if (currentId !== null && segments.has(currentId)) {
    const segment = segments.get(currentId);
    if (segment.codings.some((c) => c.code_id === code.id)) {
      status(`The segment has “${code.name}” already.`);
      return;
    }
    serial(async () => {
      try {
        const old = stateOf(segment);
        await updateSegment(segment.id, { code_ids: [...old.code_ids, code.id], values: old.values });
        status(`Added “${code.name}” to the segment. Ctrl+Z undoes it.`);
      } catch (error) {
        status(error.message, "error");
      }
    });
  } else {
    status("Select a passage first, then press a digit to apply a recent code.");
  }
}

// --- tooltip ----------------------------------------------------------------------------

function line(className, ...parts) {
  const p = document.createElement("p");
  p.className = className;
  p.append(...parts);
  return p;
}

function showTip(found, x, y) {
  const fragment = document.createDocumentFragment();
  for (const segment of found.slice(0, 4)) {
    const block = document.createElement("div");
    block.className = "tip-segment";
    for (const coding of segment.codings) {
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.setProperty("--swatch", codeById.get(coding.code_id)?.colour || "#9aa5b1");
      const name = document.createElement("strong");
      name.textContent = coding.code;
      const parts = [swatch, name];
      if (coding.value) parts.push(` = ${coding.value}`);
      block.append(line("tip-code", ...parts));
    }
    const linked = segment.case_ids.map((id) => caseById.get(id)?.name).filter(Boolean);
    const via = segment.member_case_ids.filter((id) => !segment.case_ids.includes(id))
      .map((id) => caseById.get(id)?.name).filter(Boolean);
    if (segment.is_case_section) block.append(line("tip-cases", `Case section: ${linked.join(", ") || "no case"}`));
    else if (linked.length) block.append(line("tip-cases", `Cases: ${linked.join(", ")}`));
    if (via.length) block.append(line("tip-cases", `Counts for: ${via.join(", ")} (case section or transcript)`));
    if (segment.memo) block.append(line("tip-memo", `Memo: ${segment.memo.slice(0, 300)}`));
    block.append(line("tip-meta", `coded by ${segment.coder}`));
    fragment.append(block);
  }
  if (found.length > 4) fragment.append(line("tip-meta", `and ${found.length - 4} more`));
  tip.replaceChildren(fragment);
  tip.hidden = false;
  const width = tip.offsetWidth;
  const height = tip.offsetHeight;
  const left = Math.min(x + 14, window.innerWidth - width - 8);
  const top = y + 18 + height > window.innerHeight ? y - height - 12 : y + 18;
  tip.style.left = `${Math.max(8, left)}px`;
  tip.style.top = `${Math.max(8, top)}px`;
}

function hideTip() {
  tip.hidden = true;
}

let hoverFrame = 0;
let lastMove = null;
sheet.addEventListener("mousemove", (event) => {
  lastMove = event;
  if (hoverFrame) return;
  hoverFrame = requestAnimationFrame(() => {
    hoverFrame = 0;
    if (popover.isOpen) return;
    const target = lastMove.target.closest("[data-segment-id]");
    const found = target ? [segments.get(Number(target.dataset.segmentId))].filter(Boolean)
      : layers.hit(lastMove.clientX, lastMove.clientY);
    if (found.length) showTip(found, lastMove.clientX, lastMove.clientY);
    else hideTip();
  });
});
sheet.addEventListener("mouseleave", hideTip);

// --- selecting and clicking -------------------------------------------------------------

article.addEventListener("mouseup", (event) => {
  if (event.button !== 0) return;
  setTimeout(() => {
    if (openForSelection()) return;
    const selection = document.getSelection();
    if (selection && !selection.isCollapsed) return;
    const found = layers.hit(event.clientX, event.clientY);
    if (found.length) {
      openForSegments(found, { left: event.clientX, right: event.clientX, top: event.clientY - 10,
                               bottom: event.clientY + 10 }, article);
    } else if (currentId !== null) {
      setCurrent(null);
    }
  }, 0);
});

article.addEventListener("keyup", (event) => {
  if (event.key === "Shift" && !popover.isOpen) openForSelection();
});

// The text is contenteditable only so that a caret and Shift+arrows can select with the
// keyboard: every edit is refused, and anything that slips through is put back.
for (const type of ["beforeinput", "paste", "cut", "drop", "dragstart"]) {
  article.addEventListener(type, (event) => event.preventDefault());
}
article.addEventListener("input", () => {
  if (index.repair()) render();
});

root.querySelector("[data-margin]").addEventListener("click", (event) => {
  const target = event.target.closest("[data-segment-id]");
  if (!target) return;
  const segment = segments.get(Number(target.dataset.segmentId));
  if (!segment) return;
  const rect = target.getBoundingClientRect();
  openForSegments([segment], { left: Math.max(8, rect.left - 390), right: rect.left, top: rect.top,
                               bottom: rect.bottom }, layers.labels.get(segment.id));
});

root.querySelector("[data-margin]").addEventListener("focusin", (event) => {
  const target = event.target.closest("[data-segment-id]");
  if (target) setCurrent(Number(target.dataset.segmentId));
});

root.querySelector("[data-margin]").addEventListener("keydown", (event) => {
  if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
  const labels = layers.labelList();
  const at = labels.indexOf(document.activeElement);
  if (at === -1) return;
  event.preventDefault();
  const next = labels[Math.max(0, Math.min(labels.length - 1, at + (event.key === "ArrowDown" ? 1 : -1)))];
  next.focus();
  next.scrollIntoView({ block: "nearest" });
});

root.querySelector("[data-case-band]").addEventListener("click", (event) => {
  const target = event.target.closest("[data-segment-id]");
  const segment = target && segments.get(Number(target.dataset.segmentId));
  if (!segment) return;
  const rect = target.getBoundingClientRect();
  openForSegments([segment], { left: rect.right + 8, right: rect.right, top: rect.top, bottom: rect.top + 20 }, null);
});

document.addEventListener("mousedown", (event) => {
  if (popover.isOpen && !popover.form.contains(event.target)) popover.close({ silent: true });
});

// --- keyboard shortcuts -------------------------------------------------------------------

function typing(target) {
  return target instanceof HTMLElement && target !== article && !article.contains(target)
    && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

document.addEventListener("keydown", (event) => {
  if (popover.isOpen && popover.form.contains(event.target)) return;
  if (document.querySelector("dialog[open]")) return;
  if (typing(event.target)) return;
  const key = event.key;
  const mod = event.ctrlKey || event.metaKey;
  if (mod && !event.altKey && (key === "z" || key === "Z")) {
    event.preventDefault();
    if (!canCode) return;
    if (event.shiftKey) redo();
    else undo();
    return;
  }
  if (mod && !event.altKey && (key === "y" || key === "Y")) {
    event.preventDefault();
    if (canCode) redo();
    return;
  }
  if (mod || event.altKey) return;
  if (/^[1-9]$/.test(key)) {
    if (!canCode) return;
    event.preventDefault();
    applyDigit(Number(key) - 1);
  } else if (key === "Delete") {
    event.preventDefault();
    const selection = document.getSelection();
    if (!canCode || currentId === null || (selection && !selection.isCollapsed && article.contains(selection.anchorNode))) {
      return;
    }
    const id = currentId;
    const label = layers.labels.get(id);
    const labels = layers.labelList();
    const neighbour = labels[labels.indexOf(label) + 1] || labels[labels.indexOf(label) - 1];
    const nextId = neighbour ? Number(neighbour.dataset.segmentId) : null;
    const hadFocus = label && document.activeElement === label;
    serial(() => deleteSegment(id)).then(() => {
      if (hadFocus && nextId !== null && layers.labels.get(nextId)) {
        setCurrent(nextId);
        layers.labels.get(nextId).focus();
      }
    }).catch((error) => status(error.message, "error"));
  } else if (key === "Backspace" && article.contains(event.target)) {
    event.preventDefault();
  } else if (key === "Enter") {
    if (event.target.closest && event.target.closest("button, a")) return;
    event.preventDefault();
    if (openForSelection()) return;
    if (currentId !== null && segments.has(currentId)) {
      const rect = layers.anchorRect(currentId);
      openForSegments([segments.get(currentId)], rect, document.activeElement);
    }
  } else if (key === "Escape") {
    hideTip();
    if (currentId !== null) setCurrent(null);
  }
});

// --- codebook -----------------------------------------------------------------------------

const confirmDialog = document.querySelector("[data-confirm]");
function confirmAction(text, action) {
  confirmDialog.querySelector("[data-confirm-text]").textContent = text;
  confirmDialog.querySelector("[data-confirm-ok]").textContent = action;
  confirmDialog.returnValue = "";
  confirmDialog.showModal();
  return new Promise((resolve) => {
    confirmDialog.addEventListener("close", () => resolve(confirmDialog.returnValue === "ok"), { once: true });
  });
}

const codebook = new Codebook({
  root: root.querySelector("[data-codebook]"),
  base,
  transcriptId,
  canCode,
  filter,
  confirm: confirmAction,
  status,
  onFilter: () => {
    render();
    const n = filter.size;
    status(n ? `Showing the segments of ${n} code${n === 1 ? "" : "s"}.` : "Showing all segments.");
  },
  onChanged: (list) => {
    syncCodes(list);
    serial(async () => {
      await refreshSegments(); // names, colours and merged codings
      render();
    });
  },
});
codebook.set(codes);

// --- trash --------------------------------------------------------------------------------

const trashDialog = document.querySelector("[data-trash]");
async function openTrash() {
  const list = trashDialog.querySelector("[data-trash-list]");
  list.replaceChildren();
  trashDialog.showModal();
  let rows;
  try {
    rows = await api("GET", `${base}/trash${query({ transcript: transcriptId })}`);
  } catch (error) {
    list.append(line("error", error.message));
    return;
  }
  if (!rows.length) list.append(line("empty", "The trash of this transcript is empty."));
  for (const segment of rows) {
    const item = document.createElement("li");
    item.className = "trash-item";
    const quote = document.createElement("blockquote");
    quote.textContent = segment.quote.length > 240 ? `${segment.quote.slice(0, 240)}…` : segment.quote;
    const meta = line("muted", `${describeCodes(segment)} · coded by ${segment.coder}`);
    item.append(quote, meta);
    if (canCode) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "Restore";
      button.addEventListener("click", () => serial(async () => {
        try {
          await restoreSegment(segment.id);
          item.remove();
        } catch (error) {
          meta.textContent = error.message;
          meta.className = "error";
        }
      }));
      item.append(button);
    }
    list.append(item);
  }
}

const trashButton = root.querySelector("[data-trash-open]");
if (trashButton) trashButton.addEventListener("click", openTrash);
const undoButton = root.querySelector("[data-undo]");
if (undoButton) undoButton.addEventListener("click", () => undo());
const redoButton = root.querySelector("[data-redo]");
if (redoButton) redoButton.addEventListener("click", () => redo());

// --- start ----------------------------------------------------------------------------------

performance.mark("casecoder:render-start");
render();
performance.measure("casecoder:first-render", "casecoder:render-start");
new ResizeObserver(() => scheduleRender()).observe(article);
if (document.fonts && document.fonts.ready) document.fonts.ready.then(() => scheduleRender());

const wanted = Number(new URLSearchParams(window.location.search).get("segment"));
if (wanted) {
  if (segments.has(wanted)) {
    setCurrent(wanted);
    const top = layers.documentTop(wanted);
    if (top !== null) window.scrollTo({ top: Math.max(0, top - window.innerHeight / 3) });
    layers.flash(wanted);
  } else {
    status("That segment is not in this transcript any more (it may be in the trash).", "error");
  }
}
document.body.dataset.workspaceReady = "1";
