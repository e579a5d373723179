// Every write of a segment from this page: create, change, move to the trash, restore. Each
// puts the server's answer into the page, reads again the segments the write touched
// (sync.js), redraws, and hands the undo history (history.js) an entry with its inverse,
// unless it is an undo or a redo itself.

import { api, query } from "../lib/api.js";
import { shortQuote } from "./messages.js";

/** A function that runs async tasks one after another, so that quick keys apply in order. */
export function serialQueue() {
  let queue = Promise.resolve();
  return function serial(task) {
    const run = queue.then(task, task);
    queue = run.catch(() => {});
    return run;
  };
}

/** What a segment is, in the shape a PATCH takes (to undo or redo a change). */
export function stateOf(segment) {
  const values = {};
  for (const c of segment.codings) if (c.value) values[c.code_id] = c.value;
  return {
    start: segment.start, end: segment.end, code_ids: segment.codings.map((c) => c.code_id), values,
    case_ids: [...segment.case_ids], memo: segment.memo, is_case_section: segment.is_case_section,
  };
}

export function describeCodes(segment) {
  return segment.codings.map((c) => (c.value ? `${c.code}: ${c.value}` : c.code)).join(", ") || "case section";
}

/** The PATCH body that turns `segment` into what the coding box says (`payload`); empty if nothing changed. */
export function changesFrom(segment, payload) {
  const old = stateOf(segment);
  const changes = {};
  if (payload.start !== old.start || payload.end !== old.end) {
    Object.assign(changes, { start: payload.start, end: payload.end, snap: true });
  }
  if (JSON.stringify(payload.code_ids) !== JSON.stringify(old.code_ids)
      || JSON.stringify(payload.values) !== JSON.stringify(old.values)) {
    Object.assign(changes, { code_ids: payload.code_ids, values: payload.values });
  }
  if (JSON.stringify([...payload.case_ids].sort()) !== JSON.stringify([...old.case_ids].sort())) {
    changes.case_ids = payload.case_ids;
  }
  if (payload.memo !== old.memo) changes.memo = payload.memo;
  if (payload.is_case_section !== old.is_case_section) changes.is_case_section = payload.is_case_section;
  return changes;
}

const quiet = { remember: false }; // an undo or a redo: not recorded again

export class Writes {
  /**
   * @param {object} deps sync (SegmentSync), recent (RecentCodes), history (History),
   *   status(message, kind), reloadCodes() -> Promise (the codebook's counts)
   */
  constructor(ws, deps) {
    this.ws = ws;
    this.url = `${ws.base}/segments`;
    Object.assign(this, deps);
  }

  async create(payload) {
    const segment = await api("POST", this.url, { transcript_id: this.ws.transcriptId, ...payload });
    this.ws.segments.set(segment.id, segment);
    this.recent.note(payload.code_ids);
    this.record("create", () => this.remove(segment.id, quiet), () => this.restore(segment.id, quiet));
    this.ws.currentId = segment.id;
    await this.afterWrite(segment);
    this.status(`Coded “${shortQuote(segment.quote)}” with ${describeCodes(segment)}. Ctrl+Z undoes it.`);
    return segment;
  }

  /** Accepts a suggestion (suggestions.js): the API codes the passage and records its origin;
   *  the new segment is read back and undone like any other coding. */
  async acceptSuggestion(codeId, payload) {
    const accepted = await api("POST", `${this.ws.base}/codes/${codeId}/suggestions/accept`, payload);
    const [segment] = await api("GET", `${this.ws.base}/transcripts/${this.ws.transcriptId}/segments`
      + query({ ids: accepted.segment_id }));
    this.ws.segments.set(segment.id, segment);
    this.recent.note([codeId]);
    this.record("create", () => this.remove(segment.id, quiet), () => this.restore(segment.id, quiet));
    await this.afterWrite(segment);
    this.status(`Coded “${shortQuote(segment.quote)}” with ${describeCodes(segment)} (suggested). Ctrl+Z undoes it.`);
    return segment;
  }

  async update(id, changes, { remember = true } = {}) {
    const before = this.ws.segments.get(id);
    let after;
    try {
      after = await api("PATCH", `${this.url}/${id}`, { version: before.version, ...changes });
    } catch (error) {
      if (error.status === 409 && error.current) {
        this.ws.segments.set(id, error.current);
        this.ws.render();
        throw new Error(`${error.detail} The page now shows the current state.`);
      }
      throw error;
    }
    this.ws.segments.set(id, after);
    if (remember) {
      const [was, is] = [stateOf(before), stateOf(after)];
      this.record("edit", () => this.update(id, was, quiet), () => this.update(id, is, quiet));
    }
    if (changes.code_ids) {
      this.recent.note(changes.code_ids.filter((c) => !before.codings.some((x) => x.code_id === c)));
    }
    await this.afterWrite(before, after);
    return after;
  }

  /** Moves a segment to the trash. */
  async remove(id, { remember = true } = {}) {
    const before = this.ws.segments.get(id);
    if (!before) return null;
    try {
      await api("DELETE", `${this.url}/${id}${query({ version: before.version })}`);
    } catch (error) {
      if (error.status === 409 && error.current) {
        this.ws.segments.set(id, error.current);
        this.ws.render();
      }
      throw error;
    }
    this.ws.segments.delete(id);
    if (this.ws.currentId === id) this.ws.currentId = null;
    if (remember) this.record("delete", () => this.restore(id, quiet), () => this.remove(id, quiet));
    await this.afterWrite(before);
    this.status(`Segment moved to the trash (${describeCodes(before)}). Ctrl+Z restores it.`);
    return before;
  }

  async restore(id, { remember = true } = {}) {
    const segment = await api("POST", `${this.url}/${id}/restore`);
    this.ws.segments.set(id, segment);
    if (remember) this.record("restore", () => this.remove(id, quiet), () => this.restore(id, quiet));
    await this.afterWrite(segment);
    this.status(`Segment restored (${describeCodes(segment)}).`);
    return segment;
  }

  /** Hands the undo history a write of `kind` with the two writes that undo and redo it. */
  record(kind, undo, redo) {
    this.history.record({ kind, undo, redo });
  }

  /** `states`: the written segment as it was and as it is (either may be missing). */
  async afterWrite(...states) {
    await this.sync.around(...states);
    this.ws.render();
    this.reloadCodes().catch(() => {});
  }
}
