// The keyboard-shortcut overlay of every page: `?` opens (and closes) a list of the keys,
// Esc closes it, and any `[data-shortcuts-open]` button opens it too. Loaded once from
// base.html. The keys themselves are handled by each page's module (the coding workspace:
// static/js/coding/keyboard.js); this module only tells people about them.

const SECTIONS = [
  {
    title: "Everywhere",
    keys: [
      [["?"], "show or hide this list"],
      [["Esc"], "close a dialog, a box or this list"],
      [["Tab"], "move to the next link, button or field (Shift+Tab: back)"],
    ],
  },
  {
    title: "In a transcript (the coding workspace)",
    keys: [
      [["Tab"], "first stop: “Skip to content”; Enter there puts the caret in the text"],
      [["Shift", "+", "←", "/", "→"], "select text with the keyboard (or drag with the mouse): the coding box opens"],
      [["S"], "in the text: select the sentence at the caret (again: one more sentence)"],
      [["P"], "in the text: select the paragraph at the caret (again: one more paragraph)"],
      [["Enter"], "apply the code typed in the box (Shift+Enter: add another); on a chosen segment: open it"],
      [["1", "–", "9"], "apply one of the recent codes to the selection or the chosen segment"],
      [["1", "–", "9", "/", "0"], "when the box asks a scaled code's value: its level (or its underlined letter); 0: no value"],
      [["Esc"], "close the coding box (Tab stays inside it while it is open); again: unchoose the segment"],
      [["Delete"], "move the chosen segment to the trash (it can be restored)"],
      [["↑", "/", "↓"], "in the margin: the previous or next segment; in the codebook: the previous or next code"],
      [["Enter"], "in the codebook: show only that code's segments (again: all); F2 edits the code"],
      [["Ctrl", "+", "Z"], "undo the last change to a segment"],
      [["Ctrl", "+", "Shift", "+", "Z"], "redo (Ctrl+Y works too)"],
      [["Alt", "+", "K"], "with a recording: play or pause it"],
      [["Alt", "+", "J", "/", "L"], "with a recording: back or forward 5 seconds"],
      [["Alt", "+", "P"], "with a recording: play the chosen segment from its start"],
      [["G"], "Suggest passages for… a code: focuses the list in the codebook (Enter: show its suggestions)"],
      [["N", "/", "Shift", "+", "N"], "the next / previous suggestion (drawn with a dashed underline)"],
      [["A"], "accept the suggestion: it is coded (a scaled code asks its value first)"],
      [["R"], "reject the suggestion: it is not suggested for that code again"],
    ],
  },
];

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key in node) node[key] = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

/** ["Ctrl", "+", "Z"]: keys in <kbd>, the separators (+ / –) between them as text. */
function keyList(keys) {
  return keys.map((key) => (["+", "/", "–"].includes(key) ? ` ${key} ` : el("kbd", {}, key)));
}

function build() {
  const helpLink = document.querySelector("a[data-help-link]");
  const dialog = el("dialog", { className: "shortcuts", id: "shortcuts-dialog", dataset: { shortcuts: "" } });
  dialog.setAttribute("aria-labelledby", "shortcuts-title");
  const head = el("header", { className: "shortcuts-head" },
    el("h2", { id: "shortcuts-title" }, "Keyboard shortcuts"),
    el("button", { type: "button", className: "shortcuts-close", "aria-label": "Close (Esc)",
                   dataset: { shortcutsClose: "" } }, "×"));
  dialog.append(head);
  for (const section of SECTIONS) {
    const list = el("dl", { className: "shortcuts-list" });
    for (const [keys, what] of section.keys) list.append(el("dt", {}, ...keyList(keys)), el("dd", {}, what));
    dialog.append(el("section", { className: "shortcuts-section" }, el("h3", {}, section.title), list));
  }
  const foot = el("p", { className: "shortcuts-foot muted" }, "On a Mac, use ⌘ instead of Ctrl.");
  if (helpLink) foot.append(" ", el("a", { href: helpLink.href }, "Read the guide"), ".");
  dialog.append(foot);
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog || event.target.closest("[data-shortcuts-close]")) dialog.close();
  });
  document.body.append(dialog);
  return dialog;
}

let dialog = null;

function open() {
  if (!dialog) dialog = build();
  if (dialog.open) return;
  dialog.showModal();
  dialog.querySelector("[data-shortcuts-close]").focus();
}

/** True while the user types: `?` is then a character, not a shortcut. A read-only editable
 *  area (the transcript, editable only so that the keyboard can select) does not count. */
function typing(target) {
  if (!(target instanceof HTMLElement)) return false;
  if (["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName)) return true;
  if (target.isContentEditable) return !target.closest('[aria-readonly="true"]');
  return false;
}

document.addEventListener("keydown", (event) => {
  if (event.key !== "?" || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
  if (typing(event.target)) return;
  if (dialog && dialog.open) {
    event.preventDefault();
    dialog.close();
    return;
  }
  if (document.querySelector("dialog[open]")) return; // another dialog has the focus
  event.preventDefault();
  open();
});

document.addEventListener("click", (event) => {
  const opener = event.target instanceof Element && event.target.closest("[data-shortcuts-open]");
  if (opener) open();
});

document.body.dataset.shortcutsReady = "1";
