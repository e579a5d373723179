// Sortable tables: every <th data-sort="num|text|tree"> of a table[data-sortable] becomes a
// button. Numbers sort by the cell's data-value; "tree" restores the codebook's order.

function headerColumns(table) {
  // The column index of each header cell, across rowspan/colspan (the frequencies table has two header rows).
  const taken = [];
  const result = new Map();
  [...table.tHead.rows].forEach((row, r) => {
    let c = 0;
    for (const cell of row.cells) {
      while (taken[r] && taken[r][c]) c += 1;
      result.set(cell, c);
      for (let dr = 0; dr < cell.rowSpan; dr += 1) {
        taken[r + dr] = taken[r + dr] || [];
        for (let dc = 0; dc < cell.colSpan; dc += 1) taken[r + dr][c + dc] = true;
      }
      c += cell.colSpan;
    }
  });
  return result;
}

function key(row, column, kind) {
  const cell = row.cells[column];
  if (!cell) return kind === "text" ? "" : 0;
  if (kind === "text") return (cell.dataset.value ?? cell.textContent).trim().toLowerCase();
  const value = Number(cell.dataset.value ?? cell.textContent.replace(/[^0-9.-]/g, ""));
  return Number.isFinite(value) ? value : 0;
}

export function makeSortable(table) {
  if (!table.tHead || !table.tBodies[0]) return;
  const columns = headerColumns(table);
  const body = table.tBodies[0];
  for (const th of table.tHead.querySelectorAll("th[data-sort]")) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    button.append(...th.childNodes);
    button.setAttribute("aria-label", `Sort by ${th.textContent.trim() || "this column"}`);
    th.append(button);
    button.addEventListener("click", () => {
      const kind = th.dataset.sort;
      const current = th.getAttribute("aria-sort");
      // "tree" restores the codebook order; numbers start with the largest; text from A.
      let direction = "ascending";
      if (kind === "num") direction = current === "descending" ? "ascending" : "descending";
      if (kind === "text") direction = current === "ascending" ? "descending" : "ascending";
      const sign = direction === "ascending" ? 1 : -1;
      const keyKind = kind === "text" ? "text" : "num";
      const column = columns.get(th);
      const rows = [...body.rows];
      rows.sort((a, b) => {
        const ka = key(a, column, keyKind);
        const kb = key(b, column, keyKind);
        return sign * (ka < kb ? -1 : ka > kb ? 1 : 0);
      });
      for (const other of table.tHead.querySelectorAll("th[aria-sort]")) other.removeAttribute("aria-sort");
      body.append(...rows);
      th.setAttribute("aria-sort", direction);
    });
  }
}

export function makeAllSortable(root = document) {
  for (const table of root.querySelectorAll("table[data-sortable]")) makeSortable(table);
}
