"""Re-anchoring coded passages after a transcript's text was edited.

Pure functions, independent of Django. The diff of the old and the new text
(apps.transcripts.diff) maps every old offset to a new one. Each anchored passage (a
segment: start, end and the quote it was coded on) is then one of:

- unchanged: the same offsets, the same words;
- moved: other words were inserted or deleted before it; the same words, new offsets;
- changed: some of its words were edited; the new offsets cover the edited words, and
  the passage is flagged with what changed ("the words changed from 'X' to 'Y'");
- deleted: all its words were deleted; it keeps a valid, non-empty range at the place
  where they were, and is flagged. Nothing is dropped.

A diff cannot always tell which of two equal stretches was edited ("yes, yes" minus one
"yes, "). When the diff says a passage was touched but its words still stand near the
edit, the passage stays on them if that reading of the edit costs no more inserted and
deleted characters than the diff's; otherwise the diff's reading wins and the passage is
flagged. So a passage is never moved onto other words that merely look the same.

Offsets are code points (Python str indexes), as everywhere on the server.
"""
from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from apps.transcripts.diff import TextDiff, diff_blocks, edit_cost

UNCHANGED = "unchanged"
MOVED = "moved"
CHANGED = "changed"
DELETED = "deleted"

# Segment.needs_review holds at most 300 characters; each quoted side gets at most this many.
QUOTE_CHARS = 100
CONTEXT_CHARS = 20
# How far beyond the edit the same words are looked for, and how many places are tried.
SEARCH_CHARS = 200
MAX_CANDIDATES = 10


@dataclass(frozen=True)
class Anchor:
    """A passage to re-anchor: `key` identifies it (a segment id), [start, end) its old range;
    its words are what the old text holds there."""

    key: Hashable
    start: int
    end: int


@dataclass(frozen=True)
class Reanchored:
    """Where a passage lies in the new text, and why it must be checked (`reason`, if flagged)."""

    key: Hashable
    start: int
    end: int
    quote: str
    status: str
    reason: str = ""

    @property
    def flagged(self) -> bool:
        return self.status in (CHANGED, DELETED)


def _shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _context_start(text: str, at: int) -> int:
    """Back from `at` to the start of its word, or of the word before a space."""
    i = at
    while i > 0 and at - i < CONTEXT_CHARS and text[i - 1].isspace():
        i -= 1
    while i > 0 and at - i < CONTEXT_CHARS and not text[i - 1].isspace():
        i -= 1
    return i


def _context_end(text: str, at: int) -> int:
    i = at
    while i < len(text) and i - at < CONTEXT_CHARS and text[i].isspace():
        i += 1
    while i < len(text) and i - at < CONTEXT_CHARS and not text[i].isspace():
        i += 1
    return i


def change_description(old: str, new: str) -> str:
    """ "the words changed from 'X' to 'Y'": the edited stretch with a word of context."""
    changes = TextDiff(old, new).changes
    if not changes:
        return "the words changed"
    i1, i2, j1, j2 = changes[0].i1, changes[-1].i2, changes[0].j1, changes[-1].j2
    # Before the first change and after the last one both texts are equal.
    lead = i1 - _context_start(old, i1)
    trail = _context_end(old, i2) - i2
    head = "…" if i1 - lead > 0 else ""
    x = head + _shorten(old[i1 - lead : i2 + trail]) + ("…" if i2 + trail < len(old) else "")
    after = new[j1 - lead : j2 + trail]
    if not after.strip():
        return f"the words '{x}' were deleted"
    y = head + _shorten(after) + ("…" if j2 + trail < len(new) else "")
    return f"the words changed from '{x}' to '{y}'"


def _occurrences(text: str, quote: str, lo: int, hi: int, near: int) -> list[int]:
    """Starts of `quote` within text[lo:hi], nearest to `near` first (at most MAX_CANDIDATES)."""
    lo, hi = max(0, lo), min(len(text), hi)
    found = []
    i = text.find(quote, lo, hi)
    while i != -1:
        found.append(i)
        i = text.find(quote, i + 1, hi)
    return sorted(found, key=lambda i: (abs(i - near), i))[:MAX_CANDIDATES]


def _place_of_deletion(text: str, at: int) -> tuple[int, int]:
    """A valid, non-empty range where a passage's words were deleted: the word that now
    follows on the same line, else the word before it, else one character."""
    at = max(0, min(at, len(text)))
    line_start = text.rfind("\n", 0, at) + 1
    line_end = text.find("\n", at)
    line_end = len(text) if line_end == -1 else line_end
    i = at
    while i < line_end and text[i].isspace():
        i += 1
    if i < line_end:
        j = i
        while j < line_end and not text[j].isspace():
            j += 1
        return i, j
    j = at
    while j > line_start and text[j - 1].isspace():
        j -= 1
    if j > line_start:
        i = j
        while i > line_start and not text[i - 1].isspace():
            i -= 1
        return i, j
    return (at, at + 1) if at < len(text) else (at - 1, at)


def reanchor_one(diff: TextDiff, anchor: Anchor) -> Reanchored:
    """Where one passage goes; see the module's docstring."""
    old, new = diff.old, diff.new
    words = old[anchor.start : anchor.end]
    start, end = diff.map_start(anchor.start), diff.map_end(anchor.end)
    if start < end and new[start:end] == words:
        status = UNCHANGED if (start, end) == (anchor.start, anchor.end) else MOVED
        return Reanchored(anchor.key, start, end, words, status)
    # The same words beside the edit: keep the passage on them if reading the edit that way
    # costs no more than the diff's reading (then the two cannot be told apart).
    touching = diff.touching(anchor.start, anchor.end)
    span = max((max(b.i2 - b.i1, b.j2 - b.j1) for b in touching), default=0)
    slack = len(words) + span + SEARCH_CHARS
    lo, hi = min(start, end) - slack, max(start, end) + slack + len(words)
    for found in _occurrences(new, words, lo, hi, start):
        before = diff_blocks(old[: anchor.start], new[:found], precise=True)
        after = diff_blocks(old[anchor.end :], new[found + len(words) :], precise=True)
        if edit_cost(before) + edit_cost(after) <= diff.cost:
            status = UNCHANGED if found == anchor.start else MOVED
            return Reanchored(anchor.key, found, found + len(words), words, status)
    if start < end and new[start:end].strip():
        reason = change_description(words, new[start:end])
        return Reanchored(anchor.key, start, end, new[start:end], CHANGED, reason)
    if not new:
        raise ValueError("the new text is empty: there is no place to keep a passage")
    if start < end:  # only whitespace is left of it: its words are gone all the same
        at_start, at_end = start, end
    else:
        at_start, at_end = _place_of_deletion(new, start)
    reason = f"the words '{_shorten(words)}' were deleted; the segment marks the place where they were"
    return Reanchored(anchor.key, at_start, at_end, new[at_start:at_end], DELETED, reason)


def reanchor(old: str, new: str, anchors: Sequence[Anchor]) -> list[Reanchored]:
    """Every passage in the new text, in the order given: none is dropped."""
    diff = TextDiff(old, new)
    return [reanchor_one(diff, anchor) for anchor in anchors]
