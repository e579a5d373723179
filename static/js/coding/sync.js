// Keeps the page's segments in step with the server after a write.

import { api } from "../lib/api.js";

/** True when a write of these states of a segment can change other segments' cases. */
export function touchesCases(...states) {
  return states.some((s) => s && (s.case_ids.length || s.is_case_section));
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

  /** After a write of one segment: a case section changes its neighbours' cases. */
  async around(...states) {
    if (touchesCases(...states)) await this.all();
  }
}
