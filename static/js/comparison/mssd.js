// The MSSD table: show the 0/1 calibration next to the judged values, and highlight a case's column.

const table = document.querySelector("[data-mssd]");
const toggle = document.querySelector("[data-toggle-crisp]");

if (table && toggle) {
  toggle.addEventListener("change", () => {
    for (const span of table.querySelectorAll(".cmp-crisp")) span.hidden = !toggle.checked;
  });
}

if (table) {
  const mark = (column, on) => {
    for (const cell of table.querySelectorAll(`[data-col="${column}"]`)) cell.classList.toggle("cmp-hover", on);
  };
  table.addEventListener("mouseover", (event) => {
    const cell = event.target.closest("[data-col]");
    if (cell) mark(cell.dataset.col, true);
  });
  table.addEventListener("mouseout", (event) => {
    const cell = event.target.closest("[data-col]");
    if (cell) mark(cell.dataset.col, false);
  });
}
