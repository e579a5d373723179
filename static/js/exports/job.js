// The page of a job that waits or runs: polls /api/jobs/<id> for its step and percent, and
// loads the page again when the job ends (the server then shows its report or its reason).
import { api } from "../lib/api.js";

const POLL_MS = 500;
const panel = document.querySelector("[data-job]");

async function poll() {
  let job;
  try {
    job = await api("GET", panel.dataset.jobUrl);
  } catch {
    setTimeout(poll, POLL_MS * 4); // the server is busy or restarting: ask again later
    return;
  }
  panel.querySelector("[data-job-step]").textContent = job.total
    ? `${job.step}: ${job.done} of ${job.total}` : job.step || job.status;
  panel.querySelector("[data-job-bar]").value = job.percent;
  panel.querySelector("[data-job-percent]").textContent = job.percent;
  if (job.finished) {
    window.location.reload();
  } else {
    setTimeout(poll, POLL_MS);
  }
}

if (panel) poll();
