// The recording beside the text: a compact player (play/pause, ±5 s, speed), the turn being
// spoken marked as it plays, each timed paragraph's time as a button that seeks there, and
// "▶ Segment", which plays the chosen segment from its start. Keys: Alt+K, Alt+J / Alt+L,
// Alt+P (the coding keys take no Alt: keyboard.js ignores them).
//
// Offsets become seconds through the turns' timings, interpolated by character position
// inside a turn: the same rule as apps/media/timings.py (Timeline.at), which citations and
// exports use. The server sends [number, start, end, begins, ends] per timed turn, and
// [[offset, second], ...] of its words when it was transcribed: known points between which
// time runs with the characters.

const SKIP = 5;

/** "12:04", or "1:02:03" past the hour. */
export function clock(seconds) {
  const whole = Math.max(0, Math.floor(seconds || 0));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

export class Timeline {
  constructor(rows) {
    this.turns = rows.map(([number, start, end, begins, ends, points]) => ({ number, start, end, begins, ends,
      points: points || [] }))
      .sort((a, b) => a.start - b.start);
  }

  get size() {
    return this.turns.length;
  }

  /** The second at which the character at `offset` (code points) is spoken; null without timings. */
  at(offset) {
    if (!this.turns.length) return null;
    let turn = this.turns[0];
    for (const t of this.turns) {
      if (t.start <= offset) turn = t;
      else break;
    }
    if (offset <= turn.start) return turn.begins;
    if (offset >= turn.end) return turn.ends;
    let before = [turn.start, turn.begins];
    let after = [turn.end, turn.ends];
    for (const point of turn.points) {
      if (point[0] <= offset) before = point;
      else {
        after = point;
        break;
      }
    }
    return before[1] + ((after[1] - before[1]) * (offset - before[0])) / (after[0] - before[0]);
  }

  /** The turn spoken at `second`: the last one begun by then (null before the first). */
  spokenAt(second) {
    let found = null;
    for (const t of this.turns) {
      if (t.begins <= second + 0.05) found = t;
      else break;
    }
    return found;
  }
}

/** @param {object} deps status(message, kind), box (CodingBox: the passage its box is about) */
export function installPlayer(ws, { status, box }) {
  const data = ws.data.recording;
  const bar = document.querySelector("[data-player]");
  if (!data || !bar) return null;
  const media = bar.querySelector("[data-media]");
  const playButton = bar.querySelector("[data-play]");
  const clockBox = bar.querySelector("[data-clock]");
  const segmentButton = bar.querySelector("[data-play-segment]");
  const note = bar.querySelector("[data-player-note]");
  const timeline = new Timeline(data.turns);
  let marked = null;

  const total = () => (Number.isFinite(media.duration) ? media.duration : data.duration);
  const showClock = () => {
    clockBox.textContent = total() ? `${clock(media.currentTime)} / ${clock(total())}` : clock(media.currentTime);
  };

  function mark() {
    const turn = timeline.spokenAt(media.currentTime);
    const el = turn ? document.getElementById(`p${turn.number}`) : null;
    if (el === marked) return;
    if (marked) marked.classList.remove("speaking");
    marked = el;
    if (el) el.classList.add("speaking");
  }

  function seek(second, play = true) {
    media.currentTime = Math.max(0, second);
    showClock();
    mark();
    if (play) media.play().catch((error) => status(`The recording cannot play: ${error.message}`, "error"));
  }

  function toggle() {
    if (media.paused) media.play().catch((error) => status(`The recording cannot play: ${error.message}`, "error"));
    else media.pause();
  }

  /** The chosen segment from its start; from the coding box, the passage it is about. */
  function playSegment({ selection = false } = {}) {
    // The coding box's passage comes first (a new selection, or the segment it edits).
    const passage = selection ? box.passage : null;
    const segment = ws.currentId !== null ? ws.segments.get(ws.currentId) : null;
    const start = passage ? passage.start : segment ? segment.start : undefined;
    if (start === undefined) {
      status("Choose a segment first (click it), then play it.");
      return;
    }
    const second = timeline.at(start);
    if (second === null) {
      status("This transcript has no timings: the segment's time is not known.", "error");
      return;
    }
    seek(second);
  }

  // Each timed paragraph gets its time as a button before its words (outside the .tt text
  // that offsets count, like the ¶ number and the speaker).
  for (const turn of timeline.turns) {
    const el = document.getElementById(`p${turn.number}`);
    if (!el) continue;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "turn-time";
    button.contentEditable = "false";
    button.dataset.seek = String(turn.begins);
    button.textContent = clock(turn.begins);
    button.setAttribute("aria-label", `Play from ${clock(turn.begins)} (¶${turn.number})`);
    const before = el.querySelector(".speaker") || el.querySelector(".tt");
    el.insertBefore(button, before);
  }
  ws.article.addEventListener("click", (event) => {
    const button = event.target.closest(".turn-time");
    if (!button) return;
    event.preventDefault();
    seek(Number(button.dataset.seek));
  });
  if (!timeline.size) note.textContent = "No timings in this transcript: the text does not follow the recording.";

  playButton.addEventListener("click", toggle);
  for (const button of bar.querySelectorAll("[data-skip]")) {
    button.addEventListener("click", () => seek(media.currentTime + Number(button.dataset.skip), false));
  }
  bar.querySelector("[data-speed]").addEventListener("change", (event) => {
    media.playbackRate = Number(event.target.value);
  });
  segmentButton.addEventListener("click", () => playSegment());
  // The coding box's ▶ (the box is made from a template each time it opens).
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-play-passage]")) playSegment({ selection: true });
  });
  media.addEventListener("play", () => {
    playButton.textContent = "❚❚";
    playButton.setAttribute("aria-label", "Pause (Alt+K)");
  });
  media.addEventListener("pause", () => {
    playButton.textContent = "▶";
    playButton.setAttribute("aria-label", "Play (Alt+K)");
  });
  media.addEventListener("timeupdate", () => {
    showClock();
    mark();
  });
  media.addEventListener("loadedmetadata", showClock);
  media.addEventListener("error", () => status("The recording could not be loaded.", "error"));
  const segmentState = () => {
    segmentButton.disabled = !(timeline.size && ws.currentId !== null && ws.segments.has(ws.currentId));
  };
  ws.onRender(segmentState);
  ws.onCurrent(segmentState);

  document.addEventListener("keydown", (event) => {
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    const key = event.code;
    if (key === "KeyK") toggle();
    else if (key === "KeyJ") seek(media.currentTime - SKIP, false);
    else if (key === "KeyL") seek(media.currentTime + SKIP, false);
    else if (key === "KeyP") playSegment({ selection: true });
    else return;
    event.preventDefault();
  });
  showClock();
  return { media, timeline, seek };
}
