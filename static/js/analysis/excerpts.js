// The panel that shows the excerpts behind a table cell, with their citations, and the
// reviewers' comments on the cell and on each segment. All text goes in as textContent.
import { ApiError, get, post, query } from "../lib/api.js";

const panel = () => document.getElementById("excerpt-panel");
let state = null;
let returnFocus = null;

function part(name) {
  return panel().querySelector(`[data-${name}]`);
}

function showError(error) {
  const box = part("panel-error");
  box.textContent = error instanceof ApiError ? error.detail : String(error);
  box.hidden = false;
}

function commentItem(comment) {
  const li = document.createElement("li");
  li.className = comment.resolved ? "comment resolved" : "comment";
  const meta = document.createElement("p");
  meta.className = "comment-meta";
  const who = document.createElement("strong");
  who.textContent = comment.author;
  meta.append(who, ` ${new Date(comment.created_at).toLocaleString()}${comment.resolved ? " · resolved" : ""}`);
  const text = document.createElement("p");
  text.className = "comment-text";
  text.textContent = comment.text;
  li.append(meta, text);
  if (comment.replies && comment.replies.length) {
    const replies = document.createElement("ul");
    replies.className = "replies";
    for (const reply of comment.replies) {
      const item = document.createElement("li");
      const by = document.createElement("strong");
      by.textContent = reply.author;
      item.append(by, `: ${reply.text}`);
      replies.append(item);
    }
    li.append(replies);
  }
  return li;
}

function segmentCommentForm(excerpt) {
  const details = document.createElement("details");
  const summary = document.createElement("summary");
  summary.textContent = "Comment on this segment";
  const form = document.createElement("form");
  form.className = "stack";
  const label = document.createElement("label");
  const id = `segment-comment-${excerpt.segment_id}`;
  label.htmlFor = id;
  label.textContent = `Comment on ${excerpt.citation}`;
  const area = document.createElement("textarea");
  area.id = id;
  area.name = "text";
  area.rows = 2;
  area.required = true;
  area.maxLength = 5000;
  const button = document.createElement("button");
  button.type = "submit";
  button.textContent = "Comment";
  const done = document.createElement("p");
  done.className = "muted";
  done.setAttribute("role", "status");
  form.append(label, area, button, done);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    try {
      await post(state.commentApi, { text: area.value, segment_id: excerpt.segment_id });
      area.value = "";
      done.textContent = "Comment posted; the researchers see it on the review page.";
    } catch (error) {
      done.textContent = error instanceof ApiError ? error.detail : String(error);
    } finally {
      button.disabled = false;
    }
  });
  details.append(summary, form);
  return details;
}

function excerptItem(excerpt) {
  const li = document.createElement("li");
  li.className = "excerpt";
  const quote = document.createElement("blockquote");
  quote.textContent = excerpt.quote;
  const meta = document.createElement("p");
  meta.className = "excerpt-meta";
  const cite = document.createElement("a");
  cite.className = "citation";
  cite.href = excerpt.url;
  cite.textContent = `(${excerpt.citation})`;
  meta.append(cite);
  for (const coding of excerpt.codings) {
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = coding.value ? `${coding.code}: ${coding.value}` : coding.code;
    meta.append(" ", badge);
  }
  const coder = document.createElement("span");
  coder.className = "muted";
  coder.textContent = ` coded by ${excerpt.coder}`;
  meta.append(coder);
  li.append(quote, meta);
  if (state.commentApi) li.append(segmentCommentForm(excerpt));
  return li;
}

async function loadPage(offset) {
  const data = await get(`${state.url}${state.url.includes("?") ? "&" : "?"}offset=${offset}`);
  part("panel-summary").textContent = `${data.total} segment${data.total === 1 ? "" : "s"}`;
  const list = part("panel-list");
  for (const excerpt of data.excerpts) list.append(excerptItem(excerpt));
  const more = part("panel-more");
  more.hidden = data.next_offset === null;
  state.next = data.next_offset;
}

async function loadComments() {
  const section = part("panel-comments");
  if (!state.cell) {
    section.hidden = true;
    return;
  }
  section.hidden = false;
  const list = part("comments-list");
  list.replaceChildren();
  const comments = await get(`${state.commentsApi}${query({ code: state.cell.code, case: state.cell.case })}`);
  for (const comment of comments) list.append(commentItem(comment));
  if (!comments.length) {
    const none = document.createElement("li");
    none.className = "empty";
    none.textContent = "No comments on this cell yet.";
    list.append(none);
  }
}

export function closePanel() {
  const box = panel();
  if (!box || box.hidden) return;
  box.hidden = true;
  document.querySelectorAll(".cell-link.active").forEach((a) => a.classList.remove("active"));
  if (returnFocus) returnFocus.focus();
}

/** Open the panel for one cell: `url` is the excerpts API with the cell's query string. */
export async function openPanel({ url, title, cell = null, commentApi = "", commentsApi = "", opener = null }) {
  const box = panel();
  state = { url, cell, commentApi, commentsApi, next: null };
  returnFocus = opener;
  box.querySelector("#excerpt-panel-title").textContent = title;
  part("panel-summary").textContent = "Loading…";
  part("panel-error").hidden = true;
  part("panel-list").replaceChildren();
  part("panel-more").hidden = true;
  part("panel-comments").hidden = true;
  box.hidden = false;
  box.focus();
  try {
    await loadPage(0);
    await loadComments();
  } catch (error) {
    showError(error);
  }
}

export function setUpPanel() {
  const box = panel();
  if (!box) return;
  part("panel-close").addEventListener("click", closePanel);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closePanel();
  });
  part("panel-more").addEventListener("click", async () => {
    if (state && state.next !== null) {
      try {
        await loadPage(state.next);
      } catch (error) {
        showError(error);
      }
    }
  });
  part("comment-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const text = form.elements.text.value;
    try {
      await post(state.commentApi, { text, code_id: Number(state.cell.code), case_id: Number(state.cell.case) });
      form.reset();
      await loadComments();
    } catch (error) {
      showError(error);
    }
  });
}
