// What the page tells the user: the status line (a polite live region that hides itself)
// and the "Are you sure?" dialog before a destructive change.

/** `text` cut to at most `max` characters at a word boundary, with "…" if it was cut. */
export function shortQuote(text, max = 60) {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max + 1);
  const space = cut.lastIndexOf(" ");
  return `${(space > max / 3 ? cut.slice(0, space) : flat.slice(0, max)).replace(/[\s,;:.–—-]+$/u, "")}…`;
}

/** A status(message, kind) function writing to the [data-status] box; errors stay longer. */
export function statusLine(box) {
  let timer = null;
  return function status(message, kind = "info") {
    box.textContent = message;
    box.dataset.kind = kind;
    box.hidden = false;
    clearTimeout(timer);
    timer = setTimeout(() => {
      box.hidden = true;
    }, kind === "error" ? 9000 : 5000);
  };
}

/** A confirm(text, action) function showing the [data-confirm] dialog; resolves to true on OK. */
export function confirmDialog(dialog) {
  return function confirm(text, action) {
    dialog.querySelector("[data-confirm-text]").textContent = text;
    dialog.querySelector("[data-confirm-ok]").textContent = action;
    dialog.returnValue = "";
    dialog.showModal();
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    });
  };
}
