// The mouse (and focus) on the page: a selection in the text opens the coding box, a click on
// a coded passage, its margin label or its case band opens it on that segment, the arrow
// keys move between margin labels, and a click elsewhere closes the box.

export function installPointer(ws, box) {
  const { article, layers } = ws;

  article.addEventListener("mouseup", (event) => {
    if (event.button !== 0) return;
    setTimeout(() => {
      if (box.openForSelection()) return;
      const selection = document.getSelection();
      if (selection && !selection.isCollapsed) return;
      const found = layers.hit(event.clientX, event.clientY);
      if (found.length) {
        box.openForSegments(found, { left: event.clientX, right: event.clientX, top: event.clientY - 10,
                                     bottom: event.clientY + 10 }, article);
      } else if (ws.currentId !== null) {
        ws.setCurrent(null);
      }
    }, 0);
  });

  article.addEventListener("keyup", (event) => {
    if (event.key === "Shift" && !box.isOpen) box.openForSelection();
  });

  // A label opens its segment (and the other coders' segments counted on it, one after the
  // other); a count opens the segments it counts.
  ws.margin.addEventListener("click", (event) => {
    const target = event.target.closest("[data-segment-id], [data-others]");
    if (!target) return;
    const segment = ws.segmentOf(target);
    const others = layers.others.get(segment ? segment.id : target.dataset.others) || [];
    const found = [segment, ...others].filter(Boolean);
    if (!found.length) return;
    const rect = target.getBoundingClientRect();
    box.openForSegments(found, { left: Math.max(8, rect.left - 390), right: rect.left, top: rect.top,
                                 bottom: rect.bottom }, segment ? layers.labels.get(segment.id) : target);
  });

  ws.margin.addEventListener("focusin", (event) => {
    const target = event.target.closest("[data-segment-id]");
    if (target) ws.setCurrent(Number(target.dataset.segmentId));
  });

  ws.margin.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    const labels = layers.labelList();
    const at = labels.indexOf(document.activeElement);
    if (at === -1) return;
    event.preventDefault();
    const next = labels[Math.max(0, Math.min(labels.length - 1, at + (event.key === "ArrowDown" ? 1 : -1)))];
    next.focus();
    next.scrollIntoView({ block: "nearest" });
  });

  ws.band.addEventListener("click", (event) => {
    const target = event.target.closest("[data-segment-id]");
    const segment = ws.segmentOf(target);
    if (!segment) return;
    const rect = target.getBoundingClientRect();
    box.openForSegments([segment], { left: rect.right + 8, right: rect.right, top: rect.top, bottom: rect.top + 20 },
                        null);
  });

  // A click elsewhere closes the box, unless it holds an unsaved coding and the click is on a
  // way out of the page (a link, the top bar): then the box stays, and the page asks before it
  // is left (the popover's beforeunload).
  document.addEventListener("mousedown", (event) => {
    if (!box.isOpen || box.popover.form.contains(event.target)) return;
    const leaving = event.target instanceof Element && event.target.closest("a[href], header.topbar");
    if (leaving && box.popover.isDirty()) return;
    box.popover.close({ silent: true });
  });
}
