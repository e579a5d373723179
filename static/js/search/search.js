// The Search page: tick hits, preview and apply "code the hits" through the JSON API
// (apps/search/api.py), undo the batch, and save, remember or delete a saved search. The
// hits, their context and the filters are rendered by the server; this module only writes.

import { ApiError, del, post } from "../lib/api.js";

const data = JSON.parse(document.getElementById("search-data").textContent);
const root = document.querySelector("[data-search]");
const statusBox = document.querySelector("[data-status]");
let statusTimer = 0;

function status(message, kind = "info") {
  if (!statusBox) return;
  statusBox.textContent = message;
  statusBox.classList.toggle("is-error", kind === "error");
  statusBox.hidden = false;
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => { statusBox.hidden = true; }, kind === "error" ? 8000 : 4000);
}

function reason(error) {
  return error instanceof ApiError ? error.detail : String(error);
}

/** The page's address with `changes` applied to its query (null removes a key). */
function pageUrl(changes) {
  const url = new URL(window.location.href);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) url.searchParams.delete(key);
    else url.searchParams.set(key, String(value));
  }
  return url.toString();
}

/** The search as the API's SearchIn schema takes it. */
function searchIn() {
  const p = data.params;
  return {
    q: p.q, transcript: p.transcripts, expert: p.experts, speaker: p.speaker, case: p.cases, code: p.code,
    code_mode: p.code_mode, coded: p.coded, fuzzy: p.fuzzy, exact: p.exact,
  };
}

// --- ticking hits ---------------------------------------------------------------------------

const boxes = [...root.querySelectorAll("[data-hit-box]")];
const pageBox = root.querySelector("[data-select-page]");
const note = root.querySelector("[data-selection-note]");

function ticked() {
  return boxes.filter((box) => box.checked).map((box) => box.value);
}

function selectionChanged() {
  const keys = ticked();
  for (const box of boxes) box.closest(".kwic-row")?.classList.toggle("is-chosen", box.checked);
  if (pageBox) {
    pageBox.checked = keys.length > 0 && keys.length === boxes.length;
    pageBox.indeterminate = keys.length > 0 && keys.length < boxes.length;
  }
  if (note) {
    note.textContent = keys.length
      ? `${keys.length} hit${keys.length === 1 ? "" : "s"} ticked: only ${keys.length === 1 ? "it" : "they"} will be coded.`
      : `No hit is ticked: all ${data.hits} hits will be coded.`;
  }
  resetPreview();
}

for (const box of boxes) box.addEventListener("change", selectionChanged);
pageBox?.addEventListener("change", () => {
  for (const box of boxes) box.checked = pageBox.checked;
  selectionChanged();
});

// --- coding the hits ------------------------------------------------------------------------

const form = root.querySelector("[data-code-all]");
const codeSelect = form?.querySelector("[data-code-all-code]");
const valueField = form?.querySelector("[data-value-field]");
const valueSelect = form?.querySelector("[data-code-all-value]");
const extendSelect = form?.querySelector("[data-code-all-extend]");
const previewButton = form?.querySelector("[data-preview]");
const applyButton = form?.querySelector("[data-apply]");
const previewText = form?.querySelector("[data-preview-text]");
const errorBox = form?.querySelector("[data-code-all-error]");
const levels = new Map(data.codes.map((c) => [String(c.id), c.levels]));

function showError(message) {
  if (!errorBox) return;
  errorBox.textContent = message;
  errorBox.hidden = !message;
}

function resetPreview() {
  if (!form) return;
  applyButton.disabled = true;
  previewText.textContent = "";
  showError("");
}

function body() {
  const keys = ticked();
  return {
    search: searchIn(),
    code_id: Number(codeSelect.value),
    value: valueSelect.value,
    extend: extendSelect.value,
    case_ids: [...form.querySelectorAll("[data-code-all-case]:checked")].map((box) => Number(box.value)),
    hits: keys.length ? keys : null,
  };
}

function describe(plan) {
  const parts = [`${plan.new_segments} new segment${plan.new_segments === 1 ? "" : "s"} from ${plan.hits} hit${plan.hits === 1 ? "" : "s"}`];
  if (plan.skipped) parts.push(`${plan.skipped} already coded with this code (skipped)`);
  if (plan.merged) parts.push(`${plan.merged} sharing a segment with another hit`);
  if (plan.overlaps) parts.push(`${plan.overlaps} new segment${plan.overlaps === 1 ? "" : "s"} overlapping coded passages`);
  return `${parts.join("; ")}.`;
}

if (form) {
  codeSelect.addEventListener("change", () => {
    const options = levels.get(codeSelect.value) || [];
    valueSelect.replaceChildren(new Option("no value", ""), ...options.map((level) => new Option(level, level)));
    valueField.hidden = options.length === 0;
    resetPreview();
  });
  for (const field of [valueSelect, extendSelect, ...form.querySelectorAll("[data-code-all-case]")]) {
    field.addEventListener("change", resetPreview);
  }
  previewButton.addEventListener("click", async () => {
    showError("");
    if (!codeSelect.value) {
      showError("Choose the code to apply first.");
      codeSelect.focus();
      return;
    }
    previewButton.disabled = true;
    try {
      const plan = await post(`${data.api}/search/code-all/preview`, body());
      previewText.textContent = describe(plan);
      applyButton.disabled = plan.new_segments === 0;
      if (!plan.new_segments) previewText.textContent += " There is nothing to code.";
    } catch (error) {
      showError(reason(error));
    } finally {
      previewButton.disabled = false;
    }
  });
  applyButton.addEventListener("click", async () => {
    applyButton.disabled = true;
    showError("");
    try {
      const batch = await post(`${data.api}/search/code-all`, body());
      status(`Coded ${batch.new_segments} passage${batch.new_segments === 1 ? "" : "s"}.`);
      window.location.assign(pageUrl({ batch: batch.batch_id, page: null }));
    } catch (error) {
      showError(reason(error));
    }
  });
}

// --- undoing a batch ------------------------------------------------------------------------

const batchBox = root.querySelector("[data-batch]");
batchBox?.querySelector("[data-undo]")?.addEventListener("click", async (event) => {
  event.currentTarget.disabled = true;
  try {
    const result = await post(`${data.api}/search/batches/${batchBox.dataset.batch}/undo`);
    status(`Undone: ${result.trashed} segment${result.trashed === 1 ? "" : "s"} moved to the trash.`);
    window.location.assign(pageUrl({ batch: null }));
  } catch (error) {
    event.currentTarget.disabled = false;
    status(reason(error), "error");
  }
});

// --- saved searches -------------------------------------------------------------------------

root.querySelector("[data-save]")?.addEventListener("click", async () => {
  const name = root.querySelector("[data-saved-name]").value.trim();
  try {
    const saved = await post(`${data.api}/search/saved`, { name, search: searchIn() });
    window.location.assign(pageUrl({ saved: saved.id, page: null, batch: null }));
  } catch (error) {
    status(reason(error), "error");
  }
});

root.querySelector("[data-remember]")?.addEventListener("click", async (event) => {
  try {
    const run = await post(`${data.api}/search/saved/${event.currentTarget.dataset.remember}/run`);
    status(`Remembered: ${run.count} hits (${run.new.length} new, ${run.gone} gone since the last run).`);
    window.location.assign(pageUrl({ page: null }));
  } catch (error) {
    status(reason(error), "error");
  }
});

root.querySelector("[data-forget]")?.addEventListener("click", async (event) => {
  try {
    await del(`${data.api}/search/saved/${event.currentTarget.dataset.forget}`);
    window.location.assign(pageUrl({ saved: null }));
  } catch (error) {
    status(reason(error), "error");
  }
});

document.body.dataset.searchReady = "1";
