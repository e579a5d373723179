// Rows of chips that must stay one row (the recent codes above the text and in the coding
// box): the chips that would wrap are hidden, not squeezed; the digits 1–9 still reach them.

/** Hides the children of `row` that do not fit whole on its first line (it must be laid out). */
export function showOneRow(row) {
  const items = [...row.children];
  for (const item of items) item.hidden = false;
  if (!items.length || !row.offsetParent) return;
  const box = row.getBoundingClientRect();
  const top = items[0].getBoundingClientRect().top;
  const rects = items.map((item) => item.getBoundingClientRect()); // one layout for all
  items.forEach((item, i) => {
    item.hidden = rects[i].top > top + 2 || rects[i].right > box.right + 0.5;
  });
}
