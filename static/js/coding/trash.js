// The trash of this transcript (the toolbar's Trash button): the deleted segments with their
// codes, each restorable by a coder; the whole project's trash has its own page.

import { api, query } from "../lib/api.js";
import { el } from "../lib/dom.js";
import { describeCodes } from "./writes.js";

const QUOTE_SHOWN = 240;

/** @param {object} deps writes (Writes), serial(task) */
export function installTrash(ws, { writes, serial }) {
  const dialog = document.querySelector("[data-trash]");
  const list = dialog.querySelector("[data-trash-list]");

  function item(segment) {
    const quote = el("blockquote", {},
      segment.quote.length > QUOTE_SHOWN ? `${segment.quote.slice(0, QUOTE_SHOWN)}…` : segment.quote);
    const meta = el("p", { className: "muted" }, `${describeCodes(segment)} · coded by ${segment.coder}`);
    const li = el("li", { className: "trash-item" }, quote, meta);
    if (ws.canCode) {
      const button = el("button", { type: "button" }, "Restore");
      button.addEventListener("click", () => serial(async () => {
        try {
          await writes.restore(segment.id);
          li.remove();
        } catch (error) {
          meta.textContent = error.message;
          meta.className = "error";
        }
      }));
      li.append(button);
    }
    return li;
  }

  async function open() {
    list.replaceChildren();
    dialog.showModal();
    let rows;
    try {
      rows = await api("GET", `${ws.base}/trash${query({ transcript: ws.transcriptId })}`);
    } catch (error) {
      list.append(el("p", { className: "error" }, error.message));
      return;
    }
    if (!rows.length) list.append(el("p", { className: "empty" }, "The trash of this transcript is empty."));
    for (const segment of rows) list.append(item(segment));
  }

  const button = ws.root.querySelector("[data-trash-open]");
  if (button) button.addEventListener("click", open);
}
