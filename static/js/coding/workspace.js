// The state of the transcript page, read from the JSON the server renders into it: the
// transcript's segments, the codebook, the cases, the filters and the chosen segment; and
// the drawing of that state over the text (layers.js). Every module of the page works on
// the one Workspace that transcript.js makes.

import { Layers } from "./layers.js";
import { TextIndex } from "./text.js";

export class Workspace {
  constructor(root, data) {
    this.root = root;
    this.data = data;
    this.base = data.api;
    this.transcriptId = data.transcript.id;
    this.canCode = data.can_code;
    this.article = root.querySelector("[data-transcript]");
    this.sheet = root.querySelector("[data-sheet]");
    this.margin = root.querySelector("[data-margin]");
    this.band = root.querySelector("[data-case-band]");
    this.countBox = root.querySelector("[data-count-segments]");

    this.segments = new Map(data.segments.map((s) => [s.id, s]));
    this.caseById = new Map(data.cases.map((c) => [c.id, c]));
    this.syncCodes(data.codes);
    this.filter = new Set(); // code ids whose segments are shown; empty: all
    this.me = data.user ? data.user.username : null;
    this.primary = data.primary_coder ? data.primary_coder.username : null;
    // Whose segments get labels: PRIMARY (the primary coder's and mine; the others' are counted),
    // ALL_CODERS, or one coder's name.
    this.coderShown = PRIMARY;
    this.currentId = null;

    this.index = new TextIndex(this.article);
    for (const segment of this.segments.values()) {
      if (segment.quote === undefined) segment.quote = this.index.text(segment.start, segment.end); // not sent twice
    }
    this.layers = new Layers({
      sheet: this.sheet, article: this.article, index: this.index, margin: this.margin, band: this.band,
      overlay: root.querySelector("[data-overlay]"),
    });
    this.renderHooks = [];
    this.currentHooks = [];
    this.frame = 0;
  }

  syncCodes(list) {
    this.codes = list;
    this.codeById = new Map(list.map((c) => [c.id, c]));
  }

  /** The segment a margin label, bar or band stands for (by its data-segment-id), if any. */
  segmentOf(element) {
    return element ? this.segments.get(Number(element.dataset.segmentId)) : undefined;
  }

  /** True for the segments the default view labels: the primary coder's and the user's own. */
  isMain(segment) {
    return segment.coder === this.primary || segment.coder === this.me;
  }

  /** True when the coder view shows `segment` with its label. The default view labels the main
   *  segments; on a transcript that has none (coded by others only), it labels every segment. */
  coderShows(segment) {
    if (this.coderShown === ALL_CODERS || !this.primary) return true;
    if (this.coderShown === PRIMARY) return this.isMain(segment) || !this.hasMain;
    return segment.coder === this.coderShown;
  }

  matchesFilter(segment) {
    return !this.filter.size || segment.codings.some((c) => this.filter.has(c.code_id));
  }

  visible(segment) {
    return this.coderShows(segment) && this.matchesFilter(segment);
  }

  /** The other coders' segments that the default view counts in the margin instead of labelling. */
  counted(segment) {
    return this.coderShown === PRIMARY && !this.coderShows(segment) && this.matchesFilter(segment);
  }

  /** `hook()` runs after each render (the recent-codes bar, the coder filter). */
  onRender(hook) {
    this.renderHooks.push(hook);
  }

  render() {
    this.hasMain = [...this.segments.values()].some((s) => s.codings.length && this.isMain(s));
    this.layers.render({
      segments: [...this.segments.values()],
      codeOf: (id) => this.codeById.get(id),
      caseOf: (id) => this.caseById.get(id),
      visible: (segment) => this.visible(segment),
      counted: (segment) => this.counted(segment),
      currentId: this.currentId,
    });
    if (this.countBox) this.countBox.textContent = String(this.segments.size);
    for (const hook of this.renderHooks) hook();
  }

  /** One render in the next frame, however many times it is asked for before then. */
  scheduleRender() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  /** `hook(id)` runs when the chosen segment changes (the player's "▶ Segment"). */
  onCurrent(hook) {
    this.currentHooks.push(hook);
  }

  setCurrent(id) {
    this.currentId = id;
    this.layers.setCurrent(id);
    for (const hook of this.currentHooks) hook(id);
  }
}

export const PRIMARY = "";
export const ALL_CODERS = "*";

/** The "Show" select: offered once the transcript has segments of two coders. By default the
 *  margin labels the primary coder's segments (and the user's own) and counts the others'. */
export function installCoderFilter(ws) {
  const select = ws.root.querySelector("[data-coder-filter]");
  if (!select) return;
  let shownNames = "";
  ws.onRender(() => {
    const names = [...new Set([...ws.segments.values()].map((s) => s.coder))].sort();
    if (names.join("\n") === shownNames) return;
    shownNames = names.join("\n");
    select.closest("label").hidden = names.length < 2 && ws.coderShown === PRIMARY;
    const main = !ws.primary ? "every coder"
      : ws.me && ws.me !== ws.primary ? `primary (${ws.primary}) and you` : `primary (${ws.primary})`;
    const options = [new Option(main, PRIMARY, false, ws.coderShown === PRIMARY),
      new Option("all coders", ALL_CODERS, false, ws.coderShown === ALL_CODERS)];
    for (const name of names) options.push(new Option(`only ${name}`, name, false, name === ws.coderShown));
    select.replaceChildren(...options);
  });
  select.addEventListener("change", () => {
    ws.coderShown = select.value;
    ws.render();
  });
}
