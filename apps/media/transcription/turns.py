"""Recognised words made into a transcript: one paragraph (turn) per stretch of speech,
a new one after a pause longer than PAUSE seconds or once a turn has run LONGEST seconds.
Each turn keeps its start and end and its words' start times, which apps/media/timings.py
uses to place a passage more finely than by character position. Pure: no Django."""
from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from apps.transcripts.anchors import ANCHORS, LENGTH

from . import Word

PAUSE = 1.5       # seconds of silence between two words that start a new turn
LONGEST = 60.0    # seconds: a turn that has run this long ends at the next word


@dataclass(frozen=True)
class SpokenTurn:
    """A turn of the new text: characters [start, end) and its meta for Turn.meta."""

    start: int
    end: int
    meta: dict


def turns_of(words: Sequence[Word], *, pause: float = PAUSE, longest: float = LONGEST) -> list[list[Word]]:
    """The words grouped into turns, in order."""
    groups: list[list[Word]] = []
    for word in words:
        current = groups[-1] if groups else None
        if current is None or word.start - current[-1].end > pause or word.start - current[0].start >= longest:
            groups.append([word])
        else:
            current.append(word)
    return groups


def text_and_turns(words: Sequence[Word], *, pause: float = PAUSE, longest: float = LONGEST
                   ) -> tuple[str, list[SpokenTurn]]:
    """The transcript's text (turns as paragraphs: a blank line between them, which is how
    the plain-text import splits turns) and each turn's range and timings. meta["words"]
    holds [offset from the turn's start, second] per word; meta["length"] the turn's length,
    so that the words' times are used only while they fit it (timings.py). These are the
    transcripts app's anchors (apps/transcripts/anchors.py): an edit of the text carries the
    times of unchanged words to their new offsets and sets the new length."""
    parts: list[str] = []
    turns: list[SpokenTurn] = []
    at = 0
    for group in turns_of([w for w in words if w.text.strip()], pause=pause, longest=longest):
        anchors, pieces, offset = [], [], 0
        for word in group:
            spelled = unicodedata.normalize("NFC", " ".join(word.text.split()))  # as the text is stored
            if not spelled:
                continue
            if pieces:
                offset += 1
            anchors.append([offset, round(word.start, 3)])
            pieces.append(spelled)
            offset += len(spelled)
        text = " ".join(pieces)
        if at:
            at += 2
        turns.append(SpokenTurn(at, at + len(text), {"start": round(group[0].start, 3),
                                                     "end": round(max(w.end for w in group), 3),
                                                     LENGTH: len(text), ANCHORS: anchors}))
        parts.append(text)
        at += len(text)
    return "\n\n".join(parts), turns
