"""Where a sentence starts and ends in a transcript's text.

Pure Python, no Django. One rule for every reader: the search extends a hit to its
sentence with `sentence_around`, and the suggestions cut a paragraph into the sentences
they rank with `sentences_in`. A sentence ends at . ! ? or … followed by a space (closing
quotes and brackets after the mark belong to it), and never crosses a line end.
"""
from __future__ import annotations

SENTENCE_END = ".!?…"
CLOSERS = "\"'»”’)]"


def sentence_around(text: str, start: int, end: int, low: int, high: int) -> tuple[int, int]:
    """The sentence (or run of sentences) that holds text[start:end], within [low, high)."""
    s = start
    while s > low:
        ch = text[s - 1]
        if ch == "\n" or (text[s - 1].isspace() and s - 2 >= low and text[s - 2] in SENTENCE_END + CLOSERS
                          and _ends_sentence(text, s - 2, low)):
            break
        s -= 1
    while s < start and text[s].isspace():
        s += 1
    e = end
    while e < high:
        ch = text[e]
        if ch == "\n":
            break
        if ch in SENTENCE_END and (e + 1 >= high or text[e + 1].isspace() or text[e + 1] in CLOSERS):
            e += 1
            while e < high and text[e] in CLOSERS + SENTENCE_END:
                e += 1
            break
        e += 1
    return s, max(e, end)


def sentences_in(text: str, low: int, high: int) -> list[tuple[int, int]]:
    """Every sentence of text[low:high], as (start, end), without the spaces between them."""
    spans = []
    s = low
    while s < high:
        while s < high and text[s].isspace():
            s += 1
        if s >= high:
            break
        start, end = sentence_around(text, s, s + 1, s, high)
        spans.append((start, end))
        s = end
    return spans


def _ends_sentence(text: str, i: int, low: int) -> bool:
    """Whether text[i] (a terminator or a closing quote after one) ends a sentence."""
    while i >= low and text[i] in CLOSERS:
        i -= 1
    return i >= low and text[i] in SENTENCE_END
