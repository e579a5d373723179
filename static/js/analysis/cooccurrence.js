// The co-occurrence page: sortable table; a click on a number opens the overlapping segments.
import { openPanel, setUpPanel } from "./excerpts.js";
import { makeAllSortable } from "./sortable.js";

const table = document.getElementById("cooccurrence-table");
makeAllSortable();
setUpPanel();

document.addEventListener("click", (event) => {
  const link = event.target.closest("a.cell-link, svg.chart a.cell");
  if (!link || !table || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  event.preventDefault();
  const href = new URL(link.getAttribute("href"), window.location.href);
  openPanel({
    url: `${table.dataset.excerptsApi}${href.search}`,
    title: link.dataset.title || link.querySelector("title")?.textContent || "Excerpts",
    commentApi: table.dataset.commentApi || "",
    opener: link,
  });
});
