// The Exports page: says how many excerpts the chosen appendix holds before the download,
// shows the DOCX-only option only for DOCX, and opens the print view in a new tab.
import { ApiError, get } from "../lib/api.js";

const form = document.getElementById("appendix-form");

function formatChosen() {
  const checked = form.querySelector("input[name=format]:checked");
  return checked ? checked.value : "docx";
}

function syncFormat() {
  const format = formatChosen();
  for (const el of form.querySelectorAll("[data-docx-only]")) el.hidden = format !== "docx";
  form.target = format === "html" ? "_blank" : "";
}

let pending = 0;
async function preview() {
  const out = form.querySelector("[data-preview]");
  const ticket = ++pending;
  const params = new URLSearchParams(new FormData(form));
  try {
    const counts = await get(`${form.dataset.previewUrl}?${params}`);
    if (ticket !== pending) return;
    out.classList.remove("error");
    out.textContent = counts.excerpts === 0
      ? "No excerpt matches this choice."
      : `${counts.excerpts} excerpt${counts.excerpts === 1 ? "" : "s"} from ${counts.segments} segment${counts.segments === 1 ? "" : "s"}, `
        + `${counts.codes} code${counts.codes === 1 ? "" : "s"}, ${counts.experts} expert${counts.experts === 1 ? "" : "s"}.`;
  } catch (error) {
    if (ticket !== pending) return;
    out.classList.add("error");
    out.textContent = error instanceof ApiError ? error.detail : String(error);
  }
}

if (form) {
  let timer = null;
  form.addEventListener("change", (event) => {
    if (event.target.name === "format") syncFormat();
    clearTimeout(timer);
    timer = setTimeout(preview, 150);
  });
  syncFormat();
  preview();
}
