// The code x case matrix page: sortable table; a click on a cell (in the table or the
// heat-map) opens the excerpts behind it, and, for case columns, the comments on the cell.
import { closePanel, openPanel, setUpPanel } from "./excerpts.js";
import { makeAllSortable } from "./sortable.js";

const table = document.getElementById("matrix-table");
makeAllSortable();
setUpPanel();

function open(link, event) {
  if (!table || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  event.preventDefault();
  const href = new URL(link.getAttribute("href") ?? link.getAttribute("xlink:href"), window.location.href);
  const params = href.searchParams;
  const cellComments = table.hasAttribute("data-cell-comments");
  document.querySelectorAll(".cell-link.active").forEach((a) => a.classList.remove("active"));
  link.classList.add("active");
  const title = link.dataset.title || link.querySelector("title")?.textContent || "Excerpts";
  openPanel({
    url: `${table.dataset.excerptsApi}${href.search}`,
    title,
    cell: cellComments ? { code: params.get("code"), case: params.get("column") } : null,
    commentApi: table.dataset.commentApi || "",
    commentsApi: table.dataset.commentsApi,
    opener: link,
  });
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a.cell-link, svg.chart a.cell");
  if (link) open(link, event);
});
window.addEventListener("pageshow", closePanel);
