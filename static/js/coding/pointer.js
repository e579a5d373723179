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

  ws.margin.addEventListener("click", (event) => {
    const target = event.target.closest("[data-segment-id]");
    const segment = ws.segmentOf(target);
    if (!segment) return;
    const rect = target.getBoundingClientRect();
    box.openForSegments([segment], { left: Math.max(8, rect.left - 390), right: rect.left, top: rect.top,
                                     bottom: rect.bottom }, layers.labels.get(segment.id));
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

  document.addEventListener("mousedown", (event) => {
    if (box.isOpen && !box.popover.form.contains(event.target)) box.popover.close({ silent: true });
  });
}
