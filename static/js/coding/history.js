// Undo and redo of the writes made on this page (Ctrl+Z, Ctrl+Shift+Z or Ctrl+Y, the toolbar
// buttons). Each entry comes from writes.js with its two moves, undo() and redo(), which are
// writes themselves that are not recorded again.

export class History {
  /** @param {object} deps serial(task), status(message, kind) */
  constructor({ serial, status }) {
    Object.assign(this, { serial, status });
    this.undoStack = [];
    this.redoStack = [];
  }

  /** A new write {kind, undo(), redo()}: it can be undone, and what was undone before can no
   *  longer be redone. */
  record(entry) {
    this.undoStack.push(entry);
    this.redoStack.length = 0;
  }

  undo() {
    return this.serial(async () => {
      const entry = this.undoStack.pop();
      if (!entry) {
        this.status("Nothing to undo.");
        return;
      }
      try {
        await entry.undo();
        this.redoStack.push(entry);
        this.status(`Undone (${entry.kind}). Ctrl+Shift+Z redoes it.`);
      } catch (error) {
        this.status(`Could not undo: ${error.message}`, "error");
      }
    });
  }

  redo() {
    return this.serial(async () => {
      const entry = this.redoStack.pop();
      if (!entry) {
        this.status("Nothing to redo.");
        return;
      }
      try {
        await entry.redo();
        this.undoStack.push(entry);
        this.status(`Redone (${entry.kind}).`);
      } catch (error) {
        this.status(`Could not redo: ${error.message}`, "error");
      }
    });
  }
}
