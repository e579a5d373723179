// "Checked" on a segment flagged after a text edit: saves its boundaries as they are through
// the segments API, which clears the flag (and fails with a reason if it changed meanwhile).
import { ApiError, patch } from "../lib/api.js";

export function enableChecks(root = document) {
  for (const list of root.querySelectorAll("[data-flag-checks]")) {
    list.addEventListener("click", async (event) => {
      const button = event.target.closest("[data-check]");
      if (!button) return;
      const row = button.closest("[data-segment-row]");
      const flag = row.querySelector("[data-flag]");
      button.disabled = true;
      try {
        await patch(`${list.dataset.api}/segments/${button.dataset.segment}`, {
          version: Number(button.dataset.version),
          start: Number(button.dataset.start),
          end: Number(button.dataset.end),
        });
        flag.textContent = "Checked: the flag is cleared.";
        flag.className = "badge ok";
        button.remove();
      } catch (error) {
        button.disabled = false;
        flag.textContent = error instanceof ApiError && error.status === 409
          ? "This segment was changed meanwhile; reload the page to see it."
          : `Not saved: ${error.message}`;
      }
    });
  }
}
