// What is drawn over and beside the text: coded passages as CSS Custom Highlights (no DOM
// node per character, the text stays one node per turn), overlaps layered by lanes, the
// margin with a bar and a label per segment (its codes wrap, the labels stack by their
// measured heights) and the other coders' segments as counts, the case band, hit-testing and
// the flash.

const COLOUR = /^#[0-9a-fA-F]{6}$/;
const FALLBACK = "#9aa5b1";
const BAR_GAP = 7; // px between margin bar lanes
const MAX_BAR_LANES = 6;
const LABEL_GAP = 2; // px between stacked labels
const BAND_LANE = 18;
const MAX_TEXT_LANES = 4;

function safeColour(colour) {
  return COLOUR.test(colour || "") ? colour.toLowerCase() : FALLBACK;
}

function rgb(colour) {
  const hex = safeColour(colour).slice(1);
  return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(" ");
}

/** "2 by other coders (cora, dan)": what a count in the margin says. */
function otherCoders(segments) {
  const coders = [...new Set(segments.map((s) => s.coder))];
  return `${segments.length} by ${coders.length === 1 ? coders[0] : "other coders"}`;
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
    this.others = new Map(); // label's segment id, or a count's key -> the other coders' segments there
    this.currentId = null;
  }

  /** Draws everything for `segments`; `visible(segment)` applies the code and coder filters;
   *  `counted(segment)` says which hidden ones (other coders') show as a count in the margin. */
  render({ segments, codeOf, caseOf, visible, counted = () => false, currentId }) {
    this.currentId = currentId ?? null;
    const coded = segments.filter((s) => s.codings.length && visible(s));
    const others = segments.filter((s) => s.codings.length && !visible(s) && counted(s));
    const sections = segments.filter((s) => s.is_case_section || (!s.codings.length && s.case_ids.length));
    const shown = new Set([...coded, ...sections, ...others]);
    const onlyCounted = new Set(others);
    for (const segment of sections) onlyCounted.delete(segment);

    // 1. Ranges (no layout needed).
    this.boxes = new Map();
    for (const segment of shown) {
      this.boxes.set(segment.id, { segment, ranges: this.index.ranges(segment.start, segment.end), rects: [],
                                   counted: onlyCounted.has(segment) });
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
    this.drawMargin(coded, others, codeOf, marginTop);
    this.drawBand(sections, caseOf, bandTop);
  }

  drawMargin(coded, others, codeOf, offsetTop) {
    const boxes = coded.map((s) => this.boxes.get(s.id)).filter((b) => b.rects.length)
      .sort((a, b) => a.top - b.top || b.bottom - a.bottom);
    const { lanes, count } = lanesFor(boxes, (b) => b.top, (b) => b.bottom, 2);
    const laneCount = Math.min(count, MAX_BAR_LANES);
    const { attached, loose } = this.placeOthers(boxes, others);
    const fragment = document.createDocumentFragment();
    const stacked = []; // [element, wanted top] in reading order, placed once their heights are known
    this.labels = new Map();
    this.others = new Map(); // segment id (or "count-<i>") -> other coders' segments shown as a count there
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
      const also = attached.get(segment.id) || [];
      let note = "";
      if (also.length) {
        note = otherCoders(also);
        label.append(Object.assign(document.createElement("span"), { className: "mothers", textContent: `+ ${note}` }));
        this.others.set(segment.id, also);
      }
      label.setAttribute("aria-label", `${names.join(", ")}${note ? ` (+ ${note})` : ""}: ${segment.quote.slice(0, 80)}`);
      label.title = names.join(", ");
      if (segment.id === this.currentId) label.classList.add("is-current");
      fragment.append(label);
      stacked.push([label, box.top - offsetTop]);
      this.labels.set(segment.id, label);
    }
    loose.forEach((group, i) => {
      const marker = document.createElement("button");
      marker.type = "button";
      marker.className = "mcount";
      marker.tabIndex = -1;
      marker.dataset.others = `count-${i}`;
      marker.style.left = `${laneCount * BAR_GAP + 6}px`;
      marker.textContent = otherCoders(group.segments);
      marker.title = `Coded by ${[...new Set(group.segments.map((s) => s.coder))].join(", ")}: choose "all coders" `
        + "under Show to see their labels";
      this.others.set(`count-${i}`, group.segments);
      fragment.append(marker);
      stacked.push([marker, group.top - offsetTop]);
    });
    this.margin.replaceChildren(fragment);
    // Stack in reading order: each label at its passage, or just under the label before it.
    stacked.sort((a, b) => a[1] - b[1]);
    const heights = stacked.map(([element]) => element.offsetHeight); // one layout for all
    let bottom = -Infinity;
    stacked.forEach(([element, wanted], i) => {
      const top = Math.max(wanted, bottom + LABEL_GAP);
      element.style.top = `${top}px`;
      bottom = top + heights[i];
    });
    this.margin.style.setProperty("--lanes", String(laneCount));
    this.sheet.style.setProperty("--lanes", String(Math.max(1, laneCount)));
    this.margin.style.minHeight = `${Math.max(0, bottom)}px`;
    const focusable = this.labels.get(this.currentId) || this.labels.values().next().value;
    if (focusable) focusable.tabIndex = 0;
  }

  /** The other coders' segments: each goes with the first label whose passage it overlaps, and
   *  the rest are grouped by where they start (one count per group). */
  placeOthers(boxes, others) {
    const attached = new Map();
    const loose = [];
    const otherBoxes = others.map((s) => this.boxes.get(s.id)).filter((b) => b && b.rects.length)
      .sort((a, b) => a.top - b.top);
    for (const other of otherBoxes) {
      const { segment } = other;
      const host = boxes.find((b) => b.segment.start < segment.end && segment.start < b.segment.end);
      if (host) {
        if (!attached.has(host.segment.id)) attached.set(host.segment.id, []);
        attached.get(host.segment.id).push(segment);
        continue;
      }
      const last = loose[loose.length - 1];
      if (last && other.top <= last.bottom) {
        last.segments.push(segment);
        last.bottom = Math.max(last.bottom, other.bottom);
      } else {
        loose.push({ top: other.top, bottom: other.bottom, segments: [segment] });
      }
    }
    return { attached, loose };
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
      if (box.counted || y < box.top - 1 || y > box.bottom + 1) continue;
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
