// What is drawn over and beside the text: coded passages as CSS Custom Highlights (no DOM
// node per character, the text stays one node per turn), overlaps layered by lanes, the
// margin with a bar and a label per segment, the case band, hit-testing and the flash.

const COLOUR = /^#[0-9a-fA-F]{6}$/;
const FALLBACK = "#9aa5b1";
const BAR_GAP = 7; // px between margin bar lanes
const MAX_BAR_LANES = 6;
const LABEL_HEIGHT = 20;
const BAND_LANE = 18;
const MAX_TEXT_LANES = 4;

function safeColour(colour) {
  return COLOUR.test(colour || "") ? colour.toLowerCase() : FALLBACK;
}

function rgb(colour) {
  const hex = safeColour(colour).slice(1);
  return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(" ");
}

function lanesFor(items, startOf, endOf, gap = 0) {
  const ends = [];
  const lanes = new Map();
  for (const item of items) {
    let lane = ends.findIndex((end) => end + gap <= startOf(item));
    if (lane === -1) {
      lane = ends.length;
      ends.push(0);
    }
    ends[lane] = endOf(item);
    lanes.set(item, lane);
  }
  return { lanes, count: ends.length };
}

export class Layers {
  constructor({ sheet, article, margin, band, overlay, index }) {
    Object.assign(this, { sheet, article, margin, band, overlay, index });
    this.supported = typeof CSS !== "undefined" && "highlights" in CSS && typeof Highlight !== "undefined";
    this.styles = new CSSStyleSheet();
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, this.styles];
    this.names = new Set();
    this.boxes = new Map(); // segment id -> {segment, ranges, rects, top, bottom}
    this.labels = new Map(); // segment id -> margin label button
    this.currentId = null;
  }

  /** Draws everything for `segments`; `visible(segment)` applies the code filter. */
  render({ segments, codeOf, caseOf, visible, currentId }) {
    this.currentId = currentId ?? null;
    const coded = segments.filter((s) => s.codings.length && visible(s));
    const sections = segments.filter((s) => s.is_case_section || (!s.codings.length && s.case_ids.length));
    const shown = new Set([...coded, ...sections]);

    // 1. Ranges (no layout needed).
    this.boxes = new Map();
    for (const segment of shown) {
      this.boxes.set(segment.id, { segment, ranges: this.index.ranges(segment.start, segment.end), rects: [] });
    }

    // 2. Highlights in the text, one Highlight per colour and lane so that overlaps stack.
    const byStart = [...coded].sort((a, b) => a.start - b.start || b.end - a.end);
    const textLanes = lanesFor(byStart, (s) => s.start, (s) => s.end).lanes;
    const groups = new Map();
    for (const segment of byStart) {
      const colour = safeColour(codeOf(segment.codings[0].code_id)?.colour);
      const lane = Math.min(textLanes.get(segment), MAX_TEXT_LANES - 1);
      const name = `cc-${colour.slice(1)}-${lane}`;
      if (!groups.has(name)) groups.set(name, { colour, lane, ranges: [] });
      groups.get(name).ranges.push(...this.boxes.get(segment.id).ranges);
    }
    const current = this.boxes.get(this.currentId);
    if (this.supported) {
      for (const name of this.names) CSS.highlights.delete(name);
      this.names = new Set();
      const rules = [];
      const register = (name, ranges, rule) => {
        const highlight = new Highlight(...ranges);
        CSS.highlights.set(name, highlight);
        this.names.add(name);
        rules.push(`::highlight(${name}) { ${rule} }`);
        return highlight;
      };
      for (const [name, group] of groups) {
        register(name, group.ranges, `background-color: rgb(${rgb(group.colour)} / 0.34);`);
      }
      const currentHighlight = register("cc-current", current ? current.ranges : [],
        "text-decoration: underline solid rgb(31 41 51); text-decoration-thickness: 2px; "
        + "background-color: rgb(31 41 51 / 0.10);");
      currentHighlight.priority = 10;
      this.styles.replaceSync(rules.join("\n"));
    }

    // 3. Measure every passage once (one layout), then write the margin and the band.
    const origin = this.sheet.getBoundingClientRect();
    for (const box of this.boxes.values()) {
      const rects = [];
      for (const range of box.ranges) {
        for (const r of range.getClientRects()) {
          if (r.width < 1 && r.height < 1) continue;
          rects.push({ top: r.top - origin.top, bottom: r.bottom - origin.top,
                       left: r.left - origin.left, right: r.right - origin.left });
        }
      }
      box.rects = rects;
      box.top = rects.length ? Math.min(...rects.map((r) => r.top)) : 0;
      box.bottom = rects.length ? Math.max(...rects.map((r) => r.bottom)) : 0;
    }
    const marginTop = this.margin.getBoundingClientRect().top - origin.top;
    const bandTop = this.band.getBoundingClientRect().top - origin.top;
    this.drawMargin(coded, codeOf, marginTop);
    this.drawBand(sections, caseOf, bandTop);
  }

  drawMargin(coded, codeOf, offsetTop) {
    const boxes = coded.map((s) => this.boxes.get(s.id)).filter((b) => b.rects.length)
      .sort((a, b) => a.top - b.top || b.bottom - a.bottom);
    const { lanes, count } = lanesFor(boxes, (b) => b.top, (b) => b.bottom, 2);
    const laneCount = Math.min(count, MAX_BAR_LANES);
    const fragment = document.createDocumentFragment();
    this.labels = new Map();
    let labelBottom = -Infinity;
    for (const box of boxes) {
      const { segment } = box;
      const lane = Math.min(lanes.get(box), MAX_BAR_LANES - 1);
      const first = codeOf(segment.codings[0].code_id);
      const bar = document.createElement("div");
      bar.className = "mbar";
      bar.dataset.segmentId = segment.id;
      bar.style.setProperty("--c", safeColour(first?.colour));
      bar.style.top = `${box.top - offsetTop}px`;
      bar.style.height = `${Math.max(4, box.bottom - box.top)}px`;
      bar.style.left = `${lane * BAR_GAP}px`;
      fragment.append(bar);

      const label = document.createElement("button");
      label.type = "button";
      label.className = "mlabel";
      label.tabIndex = -1;
      label.dataset.segmentId = segment.id;
      const top = Math.max(box.top - offsetTop, labelBottom + 2);
      labelBottom = top + LABEL_HEIGHT;
      label.style.top = `${top}px`;
      label.style.left = `${laneCount * BAR_GAP + 6}px`;
      const names = [];
      for (const coding of segment.codings) {
        const code = codeOf(coding.code_id);
        const chip = document.createElement("span");
        chip.className = "mchip";
        chip.style.setProperty("--c", safeColour(code?.colour));
        chip.textContent = coding.value ? `${coding.code}: ${coding.value}` : coding.code;
        names.push(chip.textContent);
        label.append(chip);
      }
      label.setAttribute("aria-label", `${names.join(", ")}: ${segment.quote.slice(0, 80)}`);
      label.title = names.join(", ");
      if (segment.id === this.currentId) label.classList.add("is-current");
      fragment.append(label);
      this.labels.set(segment.id, label);
    }
    this.margin.replaceChildren(fragment);
    this.margin.style.setProperty("--lanes", String(laneCount));
    this.margin.style.minHeight = `${Math.max(0, labelBottom)}px`;
    const focusable = this.labels.get(this.currentId) || this.labels.values().next().value;
    if (focusable) focusable.tabIndex = 0;
  }

  drawBand(sections, caseOf, offsetTop) {
    const boxes = sections.map((s) => this.boxes.get(s.id)).filter((b) => b.rects.length)
      .sort((a, b) => a.top - b.top);
    const { lanes, count } = lanesFor(boxes, (b) => b.top, (b) => b.bottom, 2);
    const fragment = document.createDocumentFragment();
    for (const box of boxes) {
      const { segment } = box;
      const band = document.createElement("div");
      band.className = "cband";
      band.dataset.segmentId = segment.id;
      band.style.top = `${box.top - offsetTop}px`;
      band.style.height = `${Math.max(12, box.bottom - box.top)}px`;
      band.style.left = `${lanes.get(box) * BAND_LANE}px`;
      const name = document.createElement("span");
      name.className = "cband-name";
      name.textContent = segment.case_ids.map((id) => caseOf(id)?.name || "?").join(" · ") || "Case section";
      band.title = `Case section: ${name.textContent}`;
      band.append(name);
      fragment.append(band);
    }
    this.band.replaceChildren(fragment);
    this.band.style.setProperty("--lanes", String(Math.max(1, count)));
  }

  /** Moves the "current segment" mark without redrawing the rest. */
  setCurrent(id) {
    this.currentId = id ?? null;
    const box = this.boxes.get(this.currentId);
    if (this.supported && CSS.highlights.has("cc-current")) {
      const highlight = CSS.highlights.get("cc-current");
      highlight.clear();
      if (box) for (const range of box.ranges) highlight.add(range);
    }
    for (const [segmentId, label] of this.labels) {
      const isCurrent = segmentId === this.currentId;
      label.classList.toggle("is-current", isCurrent);
    }
    const label = this.labels.get(this.currentId);
    if (label) {
      for (const other of this.labels.values()) other.tabIndex = -1;
      label.tabIndex = 0;
    }
  }

  /** Marks a passage that is being coded or re-bounded (shown while the popover is open). */
  pending(start, end) {
    if (!this.supported) return;
    if (start === null || start === undefined) {
      CSS.highlights.delete("cc-pending");
      return;
    }
    const highlight = new Highlight(...this.index.ranges(start, end));
    highlight.priority = 20;
    CSS.highlights.set("cc-pending", highlight);
  }

  /** The segments drawn under a point (client coordinates), shortest first. */
  hit(clientX, clientY) {
    const origin = this.sheet.getBoundingClientRect();
    const x = clientX - origin.left;
    const y = clientY - origin.top;
    const found = [];
    for (const box of this.boxes.values()) {
      if (y < box.top - 1 || y > box.bottom + 1) continue;
      if (box.rects.some((r) => x >= r.left - 1 && x <= r.right + 1 && y >= r.top - 1 && y <= r.bottom + 1)) {
        found.push(box.segment);
      }
    }
    return found.sort((a, b) => (a.end - a.start) - (b.end - b.start));
  }

  /** The viewport rectangle of a passage's last line (to place a popover under it). */
  anchorRect(id) {
    const box = this.boxes.get(id);
    const rects = box ? box.ranges.flatMap((r) => [...r.getClientRects()]) : [];
    return rects.length ? rects[rects.length - 1] : null;
  }

  /** Document y of a passage's first line. */
  documentTop(id) {
    const box = this.boxes.get(id);
    if (!box) return null;
    return this.sheet.getBoundingClientRect().top + window.scrollY + box.top;
  }

  flash(id) {
    const box = this.boxes.get(id);
    if (!box) return;
    const fragment = document.createDocumentFragment();
    for (const r of box.rects) {
      const mark = document.createElement("div");
      mark.className = "flash";
      mark.style.top = `${r.top}px`;
      mark.style.left = `${r.left}px`;
      mark.style.width = `${r.right - r.left}px`;
      mark.style.height = `${r.bottom - r.top}px`;
      mark.addEventListener("animationend", () => mark.remove());
      fragment.append(mark);
    }
    this.overlay.append(fragment);
  }

  /** The margin labels in reading order, for arrow-key movement between segments. */
  labelList() {
    return [...this.labels.values()];
  }
}
