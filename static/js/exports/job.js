// The page of a job that waits or runs: polls /api/jobs/<id> for its step and percent, and
// loads the page again when the job ends (the server then shows its report or its reason).
import { api } from "../lib/api.js";

const POLL_MS = 500;
const panel = document.querySelector("[data-job]");

/** "about 40 s left", "about 3 min left", or nothing before the server has a pace to go by. */
function timeLeft(seconds) {
  if (seconds === null || seconds === undefined) return "";
  if (seconds < 5) return " · almost done";
  return seconds < 90 ? ` · about ${Math.round(seconds / 5) * 5} s left` : ` · about ${Math.round(seconds / 60)} min left`;
}

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
  panel.querySelector("[data-job-left]").textContent = timeLeft(job.seconds_left);
  panel.querySelector("[data-job-bar]").value = job.percent;
  panel.querySelector("[data-job-percent]").textContent = job.percent;
  if (job.finished) {
    window.location.reload();
  } else {
    setTimeout(poll, POLL_MS);
  }
}

if (panel) poll();
