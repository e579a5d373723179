"""Find passages by their quoted words instead of raw offsets.

The demo codings (and any hand-written coding file) name a passage by the words it
contains, so that editing a transcript never silently moves a coding onto other words:
a phrase that no longer matches exactly once is an error that names the phrase.
"""
from __future__ import annotations

from dataclasses import dataclass


class AnchorError(ValueError):
    """A phrase that matches no passage, or more than one."""


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def find_phrase(text: str, phrase: str, *, occurrence: int | None = None, label: str = "") -> Span:
    """The code-point span of `phrase` in `text`.

    Without `occurrence` the phrase must occur exactly once; with it, the n-th (1-based)
    occurrence is taken, for phrases that recur on purpose.
    """
    where = f" in {label}" if label else ""
    if not phrase:
        raise AnchorError(f"empty phrase{where}")
    starts = []
    i = text.find(phrase)
    while i != -1:
        starts.append(i)
        i = text.find(phrase, i + 1)
    if not starts:
        raise AnchorError(f"phrase not found{where}: {phrase!r}")
    if occurrence is None:
        if len(starts) > 1:
            raise AnchorError(f"phrase occurs {len(starts)} times{where}, give an occurrence: {phrase!r}")
        occurrence = 1
    if not 1 <= occurrence <= len(starts):
        raise AnchorError(f"phrase occurs {len(starts)} times{where}, not {occurrence}: {phrase!r}")
    start = starts[occurrence - 1]
    return Span(start, start + len(phrase))


def find_section(text: str, first: str, last: str, *, label: str = "") -> Span:
    """The span from the start of phrase `first` to the end of phrase `last` (each unique)."""
    head = find_phrase(text, first, label=label)
    tail = find_phrase(text, last, label=label)
    if tail.end <= head.start:
        raise AnchorError(f"section ends before it starts in {label}: {first!r} .. {last!r}")
    return Span(head.start, tail.end)
