// The menus of the top bar (<details data-nav-menu>, such as "Analyse"): they open and close
// with a click or Enter on their summary without script; this module closes an open menu
// on a click elsewhere, on Esc (focus back on its summary) and when another menu opens.

const menus = () => [...document.querySelectorAll("details[data-nav-menu]")];

document.addEventListener("click", (event) => {
  for (const menu of menus()) {
    if (menu.open && !menu.contains(event.target)) menu.open = false;
  }
});

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const menu = menus().find((m) => m.open);
  if (!menu) return;
  event.preventDefault();
  event.stopPropagation();
  menu.open = false;
  menu.querySelector("summary").focus();
}, true);

for (const menu of menus()) {
  menu.addEventListener("toggle", () => {
    if (menu.open) for (const other of menus()) if (other !== menu) other.open = false;
  });
}

document.addEventListener("focusout", (event) => {
  const menu = event.target instanceof Element && event.target.closest("details[data-nav-menu]");
  if (menu && menu.open && !(event.relatedTarget instanceof Node && menu.contains(event.relatedTarget))) {
    menu.open = false;
  }
});
