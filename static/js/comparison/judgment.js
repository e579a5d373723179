// The judgment of one factor in one case: take the proposal, cite excerpts, save through the API.
// Without this module the form still posts to the page; with it, saving keeps the page and
// a conflicting edit (409) is shown with the other version, keeping what was typed.
import { api } from "../lib/api.js";

const form = document.querySelector("[data-judgment-form]");

function citedBoxes() {
  return [...document.querySelectorAll('input[name="evidence"][form="judgment-form"]')];
}

function showCount() {
  const n = citedBoxes().filter((box) => box.checked).length;
  form.querySelector("[data-cited-count]").textContent = `${n} excerpt${n === 1 ? "" : "s"} cited`;
}

function status(text, kind = "") {
  const line = form.querySelector("[data-status]");
  line.textContent = text;
  line.className = `cmp-status ${kind}`;
}

if (form) {
  const value = form.querySelector("[data-value]");
  const version = form.querySelector("[data-version]");
  const proposal = form.querySelector("[data-use-proposal]");
  if (proposal) {
    proposal.addEventListener("click", () => {
      value.value = proposal.dataset.useProposal;
      // Cite the excerpts coded with the proposed value, unless some are cited already.
      if (!citedBoxes().some((box) => box.checked)) {
        for (const box of citedBoxes()) {
          const item = box.closest("[data-coded-value]");
          if (item && item.dataset.codedValue === proposal.dataset.useProposal) box.checked = true;
        }
      }
      showCount();
      status("Proposal taken; write the rationale and save.");
    });
  }
  for (const box of citedBoxes()) box.addEventListener("change", showCount);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      value: value.value,
      rationale: form.querySelector("[data-rationale]").value,
      evidence: citedBoxes().filter((box) => box.checked).map((box) => Number(box.value)),
      version: version.value ? Number(version.value) : null,
    };
    status("Saving…");
    try {
      const saved = await api("PUT", form.dataset.api, body);
      version.value = String(saved.version);
      status(`Saved (version ${saved.version}).`, "ok");
    } catch (error) {
      if (error.status === 409 && error.current) {
        version.value = String(error.current.version);
        status(`${error.detail} Now: “${error.current.value || "not decided"}”. Your text is kept; save again to replace it.`, "err");
      } else {
        status(error.detail, "err");
      }
    }
  });
}
