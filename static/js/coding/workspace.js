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
    this.coderShown = ""; // the coder whose segments are shown; "": all
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

  visible(segment) {
    if (this.coderShown && segment.coder !== this.coderShown) return false;
    return !this.filter.size || segment.codings.some((c) => this.filter.has(c.code_id));
  }

  /** `hook()` runs after each render (the recent-codes bar, the coder filter). */
  onRender(hook) {
    this.renderHooks.push(hook);
  }

  render() {
    this.layers.render({
      segments: [...this.segments.values()],
      codeOf: (id) => this.codeById.get(id),
      caseOf: (id) => this.caseById.get(id),
      visible: (segment) => this.visible(segment),
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

  setCurrent(id) {
    this.currentId = id;
    this.layers.setCurrent(id);
  }
}

/** The "Show the segments of" select: offered once the transcript has segments of two coders. */
export function installCoderFilter(ws) {
  const select = ws.root.querySelector("[data-coder-filter]");
  if (!select) return;
  let shownNames = "";
  ws.onRender(() => {
    const names = [...new Set([...ws.segments.values()].map((s) => s.coder))].sort();
    if (names.join("\n") === shownNames) return;
    shownNames = names.join("\n");
    select.closest("label").hidden = names.length < 2 && !ws.coderShown;
    const options = [new Option("all coders", "")];
    for (const name of names) options.push(new Option(name, name, false, name === ws.coderShown));
    select.replaceChildren(...options);
  });
  select.addEventListener("change", () => {
    ws.coderShown = select.value;
    ws.render();
  });
}
