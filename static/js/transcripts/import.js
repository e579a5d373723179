// The import page: files dropped on the drop zone or chosen with the file input are listed
// with the expert each becomes; Preview and Import post the form with fetch, so the files
// stay chosen, and the server's result list replaces the old one. After an import only the
// duplicates stay chosen, for "Import the ticked files anyway". A correction of a speaker
// label in the preview (not a speaker, a speaker after all, the same as another) runs the
// preview again, so the turns it gives are seen before anything is stored. A recording goes
// with the transcript file of its name (interview3.mp3 with interview3.vtt): it has no
// expert of its own, and its row says which file it goes with (or, with "Transcribe
// recordings that have no transcript file" ticked, that it becomes a transcript of its own).
const form = document.querySelector("[data-import-form]");

const EXPERT_IN_NAME = /(?<![0-9A-Za-z])[Ee](\d{1,4})(?![0-9A-Za-z])/;

function expertFromName(name) {
  const stem = name.replace(/\.[^.]*$/, "");
  const match = stem.match(EXPERT_IN_NAME);
  return match ? `E${Number(match[1])}` : "";
}

function stem(name) {
  return name.replace(/\.[^.]*$/, "").trim().toLowerCase();
}

function humanSize(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function setup() {
  const input = form.querySelector("[data-file-input]");
  const zone = form.querySelector("[data-drop-zone]");
  const chosenBox = form.querySelector("[data-chosen]");
  const rows = form.querySelector("[data-chosen-rows]");
  const busy = form.querySelector("[data-busy]");
  const results = document.querySelector("[data-results]");
  const nextExpert = Number(form.dataset.nextExpert) || 1;
  const maxBytes = Number(form.dataset.maxBytes) || Infinity;
  const maxMediaBytes = Number(form.dataset.maxMediaBytes) || Infinity;
  const recordingExtensions = (form.dataset.recordingExtensions || "").split(",").filter(Boolean);
  const isRecording = (name) => recordingExtensions.some((ext) => name.toLowerCase().endsWith(ext));
  // "Transcribe recordings that have no transcript file" (there when the server has an engine).
  const transcribe = form.querySelector("input[name=transcribe]");
  /** @type {{file: File, expert: string}[]} */
  let chosen = [];

  zone.classList.add("enhanced");
  results.dataset.enhanced = "true";

  // The input holds exactly the chosen files, so the form also works as a plain form.
  function syncInput() {
    const transfer = new DataTransfer();
    for (const item of chosen) transfer.items.add(item.file);
    input.files = transfer.files;
  }

  function placeholders() {
    // A guess of the server's rule: the number in the file name, else the next free E<n>.
    let next = nextExpert;
    const texts = chosen.filter((item) => !isRecording(item.file.name));
    for (const item of texts) {
      const own = expertFromName(item.file.name);
      if (own) next = Math.max(next, Number(own.slice(1)) + 1);
    }
    return chosen.map((item) => {
      if (isRecording(item.file.name)) return "";
      const own = expertFromName(item.file.name);
      return own || `E${next++}`;
    });
  }

  function expertInput(item, index, guess) {
    const label = document.createElement("label");
    label.className = "visually-hidden";
    label.htmlFor = `expert-${index}`;
    label.textContent = `Expert of ${item.file.name}`;
    const expert = document.createElement("input");
    expert.type = "text";
    expert.name = "experts";
    expert.id = `expert-${index}`;
    expert.maxLength = 40;
    expert.value = item.expert;
    expert.placeholder = `${guess} (automatic)`;
    expert.addEventListener("input", () => { item.expert = expert.value; });
    return [label, expert];
  }

  function render() {
    rows.replaceChildren();
    const guesses = placeholders();
    chosen.forEach((item, index) => {
      const row = document.createElement("tr");
      const name = document.createElement("td");
      name.textContent = item.file.name;
      name.className = "file-name";
      const size = document.createElement("td");
      size.className = "num";
      size.textContent = humanSize(item.file.size);
      const recording = isRecording(item.file.name);
      if (item.file.size > (recording ? maxMediaBytes : maxBytes)) {
        size.classList.add("reason");
        size.title = "Over the upload limit: it will not be imported.";
      }
      const expertCell = document.createElement("td");
      if (recording) {
        // It goes with the transcript file of its name; the server decides, and says why not.
        const partner = chosen.find((other) => !isRecording(other.file.name)
          && stem(other.file.name) === stem(item.file.name));
        expertCell.className = "muted small";
        expertCell.dataset.recordingOf = partner ? partner.file.name : "";
        expertCell.textContent = partner ? `recording of ${partner.file.name}`
          : transcribe && transcribe.checked ? "recording: a transcript of its own, to be transcribed"
            : "recording: no transcript file of its name";
      } else {
        expertCell.append(...expertInput(item, index, guesses[index]));
      }
      const removeCell = document.createElement("td");
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "link";
      remove.textContent = "Remove";
      remove.setAttribute("aria-label", `Remove ${item.file.name}`);
      remove.addEventListener("click", () => {
        chosen.splice(index, 1);
        syncInput();
        render();
        input.focus();
      });
      removeCell.append(remove);
      row.append(name, size, expertCell, removeCell);
      rows.append(row);
    });
    chosenBox.hidden = chosen.length === 0;
  }

  function add(files) {
    for (const file of files) {
      const same = chosen.some((item) => item.file.name === file.name && item.file.size === file.size
        && item.file.lastModified === file.lastModified);
      if (!same) chosen.push({ file, expert: expertFromName(file.name) });
    }
    syncInput();
    render();
  }

  input.addEventListener("change", () => {
    // The picker replaces the input's files: take them into the list, then restore the list.
    const picked = Array.from(input.files);
    add(picked);
  });

  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    add(Array.from(event.dataTransfer.files));
  });
  // Files dropped beside the zone must not make the browser leave the page to open them.
  window.addEventListener("dragover", (event) => event.preventDefault());
  window.addEventListener("drop", (event) => event.preventDefault());

  function setBusy(text) {
    busy.textContent = text;
    for (const button of document.querySelectorAll("button[type=submit]")) button.disabled = Boolean(text);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const submitter = event.submitter;
    const action = submitter && submitter.value ? submitter.value : "import";
    const data = new FormData(form);
    data.set("action", action);
    if (action === "preview") {
      // A recording may be a gigabyte: the preview (run again after each correction) pairs
      // it by its name alone, and its content goes up and is checked on Import.
      data.delete("files");
      for (const item of chosen) {
        if (isRecording(item.file.name)) data.append("recording_names", item.file.name);
        else data.append("files", item.file);
      }
    }
    const n = chosen.length;
    setBusy(`${action === "preview" ? "Reading" : "Importing"} ${n} file${n === 1 ? "" : "s"}…`);
    let html;
    try {
      // Not form.action: the buttons named "action" shadow that property.
      const response = await fetch(form.getAttribute("action") || window.location.pathname, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch", Accept: "text/html" },
      });
      if (response.status >= 500 || response.status === 403 || response.status === 404) {
        throw new Error(`The server answered ${response.status}; nothing was changed by this request.`);
      }
      html = await response.text();
    } catch (error) {
      setBusy("");
      const message = document.createElement("div");
      message.className = "error";
      message.setAttribute("role", "alert");
      message.textContent = error instanceof TypeError
        ? "The server could not be reached; check the connection and try again."
        : error.message;
      results.replaceChildren(message);
      return;
    }
    setBusy("");
    // The fragment is rendered by the server from escaped templates.
    results.innerHTML = html;
    const outcome = new Map(Array.from(results.querySelectorAll("[data-file]"),
      (item) => [item.dataset.file, item.dataset.status]));
    if (action === "import" && outcome.size) {
      chosen = chosen.filter((item) => outcome.get(item.file.name) === "duplicate");
      syncInput();
      render();
    }
    // After a correction, the focus stays on the control that was changed.
    const same = corrected && Array.from(results.querySelectorAll("[data-speaker-choice]"))
      .find((control) => control.name === corrected.name && control.closest("[data-label]")?.dataset.label
        === corrected.label && control.closest("[data-file]")?.dataset.file === corrected.file);
    corrected = null;
    const heading = results.querySelector("[role=alert]") || same || results.querySelector("h2");
    if (heading) {
      if (heading !== same) heading.tabIndex = -1;
      heading.focus();
    }
  });

  // The corrections are form controls of the result list (form="import-form"): FormData
  // sends them with the files. Each change shows its effect in a new preview.
  let corrected = null;
  results.addEventListener("change", (event) => {
    const control = event.target;
    if (!control.matches("[data-speaker-choice]") || !chosen.length) return;
    corrected = { name: control.name, label: control.closest("[data-label]")?.dataset.label,
      file: control.closest("[data-file]")?.dataset.file };
    form.requestSubmit(form.querySelector("button[value=preview]"));
  });

  if (transcribe) transcribe.addEventListener("change", render);

  render();
}

if (form) setup();
