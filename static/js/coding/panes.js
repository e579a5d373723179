// The panes beside the text: the codebook (left) and the margin (right) can be resized (drag
// the line at their inner edge, or focus it and press ← / →, Home / End; a double click gives
// the width back to the window) and collapsed (the toolbar's Codebook and Margin buttons).
// What a user chose is kept in this browser per user (localStorage, keyed by the user's id)
// and comes back on every transcript.

const LIMITS = { codebook: [160, 520], margin: [120, 640] }; // px
const STEP = 24; // px per arrow key

export function installPanes(ws) {
  const key = `casecoder.panes.${ws.data.user ? ws.data.user.id : "anonymous"}`;
  const elements = {
    codebook: { host: ws.root, pane: ws.root.querySelector("[data-pane=codebook]"), variable: "--codebook-width",
                collapsedClass: "codebook-collapsed", grows: 1 },
    margin: { host: ws.sheet, pane: ws.root.querySelector("[data-pane=margin]"), variable: "--margin-width",
              collapsedClass: "margin-collapsed", grows: -1 },
  };
  let prefs = read();

  function read() {
    try {
      const stored = JSON.parse(localStorage.getItem(key) || "{}");
      return { codebook: { ...stored.codebook }, margin: { ...stored.margin } };
    } catch {
      return { codebook: {}, margin: {} };
    }
  }

  function save() {
    try {
      localStorage.setItem(key, JSON.stringify(prefs));
    } catch {
      /* private mode: the choice lasts for this page */
    }
  }

  function width(name) {
    return Math.round(elements[name].pane.getBoundingClientRect().width);
  }

  function apply() {
    for (const [name, { host, variable, collapsedClass }] of Object.entries(elements)) {
      const pref = prefs[name];
      if (pref.width) host.style.setProperty(variable, `${pref.width}px`);
      else host.style.removeProperty(variable);
      host.classList.toggle(collapsedClass, Boolean(pref.collapsed));
      for (const toggle of ws.root.querySelectorAll(`[data-pane-toggle=${name}]`)) {
        toggle.setAttribute("aria-expanded", String(!pref.collapsed));
      }
      for (const separator of ws.root.querySelectorAll(`[data-resize=${name}]`)) {
        const [low, high] = LIMITS[name];
        separator.setAttribute("aria-valuemin", String(low));
        separator.setAttribute("aria-valuemax", String(high));
        if (!pref.collapsed) separator.setAttribute("aria-valuenow", String(Math.min(high, Math.max(low, width(name)))));
      }
    }
    ws.scheduleRender();
  }

  function resize(name, px) {
    const [low, high] = LIMITS[name];
    prefs[name].width = Math.round(Math.min(high, Math.max(low, px)));
    apply();
  }

  for (const toggle of ws.root.querySelectorAll("[data-pane-toggle]")) {
    toggle.addEventListener("click", () => {
      const name = toggle.dataset.paneToggle;
      prefs[name].collapsed = !prefs[name].collapsed;
      apply();
      save();
    });
  }

  for (const separator of ws.root.querySelectorAll("[data-resize]")) {
    const name = separator.dataset.resize;
    const { pane, grows } = elements[name];
    separator.addEventListener("pointerdown", (event) => {
      if (event.button !== 0) return;
      event.preventDefault();
      separator.setPointerCapture(event.pointerId);
      separator.classList.add("is-dragging");
      const startX = event.clientX;
      const startWidth = pane.getBoundingClientRect().width;
      const move = (e) => resize(name, startWidth + grows * (e.clientX - startX));
      const stop = () => {
        separator.classList.remove("is-dragging");
        separator.removeEventListener("pointermove", move);
        save();
      };
      separator.addEventListener("pointermove", move);
      separator.addEventListener("pointerup", stop, { once: true });
      separator.addEventListener("pointercancel", stop, { once: true });
    });
    separator.addEventListener("dblclick", () => {
      delete prefs[name].width; // back to the width that follows the window
      apply();
      save();
    });
    separator.addEventListener("keydown", (event) => {
      const [low, high] = LIMITS[name];
      const moves = { ArrowRight: STEP * grows, ArrowLeft: -STEP * grows };
      if (event.key in moves) resize(name, width(name) + moves[event.key]);
      else if (event.key === "Home") resize(name, low);
      else if (event.key === "End") resize(name, high);
      else return;
      event.preventDefault();
      event.stopPropagation();
      save();
    });
  }

  apply();
}
