// The transcript page: read, select, code. The text is rendered once by the server (escaped);
// the modules of this folder draw the codings over it (layers.js), open the coding box
// (selection.js, popover.js), write through the JSON API (writes.js, sync.js), keep the undo
// history (history.js), show an engine's suggestions (suggestions.js), answer the mouse and the keys (pointer.js, keyboard.js) and size the
// panes (panes.js). This module reads the page's data and wires them together. Offsets sent and received are code
// points (see lib/offsets.js).

import { Codebook } from "./codebook.js";
import { History } from "./history.js";
import "./hits.js"; // search hits: ?hits=... highlights them, with next/previous
import { installKeyboard, installWayIn, keepTextReadOnly } from "./keyboard.js";
import { confirmDialog, statusLine } from "./messages.js";
import { installPanes } from "./panes.js";
import { installPlayer } from "./player.js";
import { installPointer } from "./pointer.js";
import { RecentCodes, installRecentBar } from "./recent.js";
import { CodingBox } from "./selection.js";
import { installSuggestions } from "./suggestions.js";
import { SegmentSync } from "./sync.js";
import { Tooltip } from "./tooltip.js";
import { installTrash } from "./trash.js";
import { installCoderFilter, Workspace } from "./workspace.js";
import { serialQueue, Writes } from "./writes.js";

const root = document.querySelector("[data-workspace]");
const ws = new Workspace(root, JSON.parse(document.getElementById("workspace-data").textContent));
const status = statusLine(document.querySelector("[data-status]"));
const serial = serialQueue();
const sync = new SegmentSync(ws);
const recent = new RecentCodes(ws);

const codebook = new Codebook({
  root: root.querySelector("[data-codebook]"),
  base: ws.base,
  transcriptId: ws.transcriptId,
  canCode: ws.canCode,
  filter: ws.filter,
  confirm: confirmDialog(document.querySelector("[data-confirm]")),
  status,
  onFilter: () => {
    ws.render();
    const n = ws.filter.size;
    status(n ? `Showing the segments of ${n} code${n === 1 ? "" : "s"}.` : "Showing all segments.");
  },
  onChanged: (list) => {
    ws.syncCodes(list);
    serial(async () => {
      await sync.all(); // names, colours and merged codings
      ws.render();
    });
  },
});
codebook.set(ws.codes);

const history = new History({ serial, status });
const writes = new Writes(ws, {
  sync, recent, history, status,
  reloadCodes: () => codebook.reload().then((list) => ws.syncCodes(list)),
});
const tooltip = new Tooltip(document.querySelector("[data-tip]"), ws);
const box = new CodingBox(ws, { writes, serial, recent, tooltip, codebook, status });

tooltip.follow(() => box.isOpen);
installRecentBar(ws, recent, (i) => box.applyDigit(i));
installCoderFilter(ws);
installPointer(ws, box);
keepTextReadOnly(ws);
installKeyboard(ws, { box, writes, serial, history, tooltip, status });
installWayIn(ws);
installPanes(ws);
installTrash(ws, { writes, serial });
installPlayer(ws, { status, box }); // the recording, where the transcript has one
installSuggestions(ws, { writes, serial, status });
root.querySelector("[data-undo]")?.addEventListener("click", () => history.undo());
root.querySelector("[data-redo]")?.addEventListener("click", () => history.redo());

// --- start ----------------------------------------------------------------------------------

performance.mark("casecoder:render-start");
ws.render();
performance.measure("casecoder:first-render", "casecoder:render-start");
new ResizeObserver(() => ws.scheduleRender()).observe(ws.article);
if (document.fonts && document.fonts.ready) document.fonts.ready.then(() => ws.scheduleRender());

const wanted = Number(new URLSearchParams(window.location.search).get("segment"));
if (wanted) {
  if (ws.segments.has(wanted)) {
    ws.setCurrent(wanted);
    const top = ws.layers.documentTop(wanted);
    if (top !== null) window.scrollTo({ top: Math.max(0, top - window.innerHeight / 3) });
    ws.layers.flash(wanted);
  } else {
    status("That segment is not in this transcript any more (it may be in the trash).", "error");
  }
}
document.body.dataset.workspaceReady = "1";
// The codebook's counts in the whole project come after the page, whose own cost then does
// not grow with the rest of the project (apps.coding.selectors.transcript_workspace).
codebook.loadCounts().then((list) => {
  ws.syncCodes(list);
  document.body.dataset.projectCounted = "1";
}).catch(() => {});
