"""The passages of a transcript, as the search index stores them. Pure Python, no Django:
the services and the migration that fills the index for existing transcripts use it."""
from __future__ import annotations

from collections.abc import Iterable

from .backends import PassageRow
from .text import fold, index_words

# A turn longer than this is stored in pieces of about this length (a PostgreSQL tsvector
# holds at most 1 MB), each overlapping the next by OVERLAP characters so that a phrase or
# a NEAR across the border of two pieces is found in one of them.
MAX_PASSAGE = 20_000
OVERLAP = 1_000


def passage_rows(*, project_id: int, transcript_id: int, text: str,
                 turns: Iterable[tuple[int, int, int]]) -> list[PassageRow]:
    """One row per turn (number, start, end) of the text, or per piece of a long turn."""
    rows = []
    for number, start, end in turns:
        for piece_start, piece_end in _pieces(text, start, end):
            folded = fold(text[piece_start:piece_end])
            rows.append(PassageRow(project_id=project_id, transcript_id=transcript_id, paragraph=number,
                                   start=piece_start, end=piece_end, folded=folded.text, shifted=folded.shifted,
                                   words=index_words(folded.text)))
    return rows


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    if end - start <= MAX_PASSAGE:
        return [(start, end)]
    pieces = []
    at = start
    while True:
        stop = min(end, at + MAX_PASSAGE)
        if stop < end:
            space = text.rfind(" ", at + MAX_PASSAGE // 2, stop)
            stop = space if space > at else stop
        pieces.append((at, stop))
        if stop >= end:
            return pieces
        nxt = text.find(" ", stop - OVERLAP, stop)
        at = nxt + 1 if nxt != -1 and nxt + 1 > at else stop - OVERLAP
