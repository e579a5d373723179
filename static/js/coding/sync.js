// Keeps the page's segments in step with the server after a write.
//
// A write answers with the segment it wrote. When that segment is linked to cases (before or
// after the write), it also changes the cases of the segments overlapping it, since a
// segment counts for the cases of every case-linked segment it overlaps (the case-membership
// rule, apps/coding/selectors.py). Those neighbours, and only those, are read again, by id.

import { api } from "../lib/api.js";

const IDS_PER_REQUEST = 200; // the API's bound on ids= (MAX_SEGMENT_IDS in apps/coding/api.py)

/** True when a write of these states of a segment can change other segments' cases. */
export function touchesCases(...states) {
  return states.some((s) => s && (s.case_ids.length || s.is_case_section));
}

/** Ids of the `segments` (other than `exceptId`) overlapping any of the [start, end) `spans`. */
export function overlapping(segments, spans, exceptId) {
  const ids = [];
  for (const segment of segments) {
    if (segment.id === exceptId) continue;
    if (spans.some((span) => segment.start < span.end && span.start < segment.end)) ids.push(segment.id);
  }
  return ids;
}

export class SegmentSync {
  constructor(ws) {
    this.ws = ws;
    this.url = `${ws.base}/transcripts/${ws.transcriptId}/segments`;
  }

  /** Reads every segment of the transcript again (after a codebook change: names, merges). */
  async all() {
    const rows = await api("GET", this.url);
    this.ws.segments.clear();
    for (const s of rows) this.ws.segments.set(s.id, s);
  }

  /** After a write of one segment (its `states` before and after, already in the page from the
   *  write's answer): reads again the segments whose cases the write changed. */
  async around(...states) {
    const written = states.filter(Boolean);
    if (!written.length || !touchesCases(...written)) return;
    const ids = overlapping(this.ws.segments.values(), written, written[0].id);
    const chunks = [];
    for (let i = 0; i < ids.length; i += IDS_PER_REQUEST) chunks.push(ids.slice(i, i + IDS_PER_REQUEST));
    const answers = await Promise.all(chunks.map((chunk) => api("GET", `${this.url}?ids=${chunk.join(",")}`)));
    const found = new Set();
    for (const s of answers.flat()) {
      this.ws.segments.set(s.id, s);
      found.add(s.id);
    }
    for (const id of ids) if (!found.has(id)) this.ws.segments.delete(id); // trashed meanwhile elsewhere
  }
}
