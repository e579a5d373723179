// The text editor: warns before leaving with unsaved changes; Ctrl+S (⌘S) saves; segments
// flagged by earlier edits can be marked checked.
import { enableChecks } from "./flags.js";

enableChecks();

const form = document.querySelector("[data-text-edit]");

if (form) {
  const text = form.querySelector("[data-text]");
  const status = form.querySelector("[data-edit-status]");
  const saved = text.value;
  let submitting = false;

  const dirty = () => !submitting && text.value !== saved;

  text.addEventListener("input", () => {
    status.textContent = text.value === saved ? "" : "Unsaved changes";
  });
  form.addEventListener("submit", () => {
    submitting = true;
    status.textContent = "Saving and re-anchoring the coded segments…";
  });
  window.addEventListener("beforeunload", (event) => {
    if (dirty()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
      event.preventDefault();
      form.requestSubmit();
    }
  });
}
