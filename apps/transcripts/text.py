"""Transcript text: normalisation and the split into speaker turns.

Pure functions, independent of Django, so that importers, services and property tests
share one definition of "the stored text" and of "a turn".
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

# A speaker label at the start of a paragraph: "Interviewer:", "E3:", "Q:", "DR SMITH:",
# optionally after a timestamp "[00:01:02]". Labels are short so that a sentence with a
# colon ("The point is this: ...") is not taken for a speaker.
SPEAKER_LABEL = re.compile(
    r"(?:\[(?P<time>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)\]\s*)?"
    r"(?P<speaker>[^\W\d_][\w.'’\- ]{0,39}?|[A-Z]\d{1,3})\s*:\s+",
    re.UNICODE,
)


@dataclass(frozen=True)
class TurnSpan:
    """One turn: a speaker and the code-point range [start, end) of its words in the text."""

    speaker: str
    start: int
    end: int
    meta: dict = field(default_factory=dict, compare=False)


def normalise_text(raw: str) -> str:
    """The stored form: NFC, `\\n` line ends, no trailing spaces, no BOM, no outer blank lines."""
    text = raw.lstrip("\ufeff")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return text.strip("\n")


def checksum(text: str) -> str:
    """SHA-256 of the stored text, to recognise the same interview imported twice."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _paragraphs(text: str):
    """(start, end) of every non-blank paragraph; paragraphs are separated by blank lines."""
    for match in re.finditer(r"[^\n]+(?:\n[^\n]+)*", text):
        if match.group().strip():
            yield match.start(), match.end()


def split_turns(text: str) -> list[TurnSpan]:
    """Split normalised text into turns, one per paragraph.

    A paragraph that opens with a speaker label starts a turn of that speaker; the label
    itself is not part of the turn's range, so a coded passage never includes it. A
    paragraph without a label continues the current speaker (or has no speaker at all).
    """
    turns: list[TurnSpan] = []
    speaker = ""
    for start, end in _paragraphs(text):
        meta: dict = {}
        match = SPEAKER_LABEL.match(text, start, end)
        if match:
            speaker = match.group("speaker").strip()
            if match.group("time"):
                meta["time"] = match.group("time")
            start = match.end()
        if start < end:
            turns.append(TurnSpan(speaker=speaker, start=start, end=end, meta=meta))
    return turns
