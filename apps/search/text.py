"""How the search reads text: folded (case and diacritics removed) and cut into words.

Pure Python, no Django: the index, the query parser and the matcher all fold and cut
text here, so that what is stored, what is asked and what is found agree.

Folding works character by character: a letter loses its diacritics (é → e, ё → е,
ї → і) and its case (full Unicode case folding: Straße → strasse); a combining mark
standing alone (a stress accent over a Cyrillic vowel) disappears. Two letters keep
their marks, because they are letters of their own and not accented ones: Russian й
and Belarusian ў. Folding per character means that the folded text of a passage holds
the folded text of every part of it, which is what lets the database narrow down by
folded words and substrings without ever missing a hit.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# A word: a run of letters and digits (Python's notion of alphanumeric). Everything else
# (spaces, punctuation, hyphens, apostrophes, underscores) separates words.
WORD = re.compile(r"[^\W_]+")
# The two sides of a word, for patterns that must match whole words.
WORD_START = r"(?<![^\W_])"
WORD_END = r"(?![^\W_])"
GAP = r"[\W_]+"

KEEP_MARKS = frozenset("йЙўЎ")
_ASCII_LOWER = {code: chr(code).lower() for code in range(ord("A"), ord("Z") + 1)}


@lru_cache(maxsize=8192)
def fold_char(ch: str) -> str:
    """One character folded: no case, no diacritics; "" for a lone combining mark."""
    if ch in KEEP_MARKS:
        return ch.lower()
    if ch == "ı":  # Turkish dotless i: regular expressions ignoring case take it for i
        return "i"
    if ch.isascii():
        return ch.lower()
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    return base.casefold()


@dataclass(frozen=True)
class Folded:
    """A text folded, with the way back to the original: `origin[i]` is the original
    offset of folded character i, and `origin_end[i]` the original offset just after the
    characters that produced it (a dropped combining mark goes with the letter before
    it). Both are None when folding kept every offset (`shifted` is False)."""

    text: str
    origin: tuple[int, ...] | None = None
    origin_end: tuple[int, ...] | None = None

    @property
    def shifted(self) -> bool:
        return self.origin is not None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original offsets of the folded range [start, end)."""
        if self.origin is None:
            return start, end
        return self.origin[start], self.origin_end[end - 1]


def fold(text: str) -> Folded:
    """`text` folded (see the module's docstring). Fast for ASCII and for texts whose
    characters each fold to one character (then offsets are kept as they are)."""
    if text.isascii():
        return Folded(text.lower())
    table = {ord(ch): fold_char(ch) for ch in set(text) if not ch.isascii()}
    folded = text.translate({**_ASCII_LOWER, **table})
    if all(len(v) == 1 for v in table.values()):
        return Folded(folded)
    origin: list[int] = []
    for i, ch in enumerate(text):
        origin.extend([i] * len(fold_char(ch)))
    # The end of folded char j: the original offset of the next folded char that comes
    # from a later original character (or the end of the text).
    n = len(origin)
    origin_end = [len(text)] * n
    next_start = len(text)
    for j in range(n - 1, -1, -1):
        origin_end[j] = next_start if next_start > origin[j] else origin[j] + 1
        if j == 0 or origin[j - 1] != origin[j]:
            next_start = origin[j]
    return Folded(folded, tuple(origin), tuple(origin_end))


def fold_text(text: str) -> str:
    return fold(text).text


def words(text: str) -> list[str]:
    """The words of a folded text (runs of letters and digits)."""
    return WORD.findall(text)


@lru_cache(maxsize=1)
def marks() -> str:
    """A character class of the combining marks that folding drops (those with a
    canonical combining class): in a text as written, they belong to the word they sit on."""
    codes = [c for c in range(0x300, 0x20000) if unicodedata.combining(chr(c))]
    ranges: list[tuple[int, int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return "[" + "".join(f"\\U{a:08x}-\\U{b:08x}" if a != b else f"\\U{a:08x}" for a, b in ranges) + "]"


@dataclass(frozen=True)
class Syntax:
    """What a word and the space between words are, as regular-expression pieces: in
    folded text (no marks left) or in text as written (a mark belongs to its word)."""

    word: str
    start: str
    end: str
    gap: str

    @classmethod
    @lru_cache(maxsize=2)
    def of(cls, exact: bool) -> Syntax:
        if not exact:
            return cls(word=r"[^\W_]+", start=WORD_START, end=WORD_END, gap=GAP)
        m = marks()
        return cls(word=rf"(?:[^\W_]|{m})+", start=rf"(?<![^\W_])(?<!{m})", end=rf"(?![^\W_])(?!{m})",
                   gap=rf"(?:(?!{m})[\W_])+")


def words_as_written(text: str) -> list[str]:
    """The words of a text as written: letters and digits with the marks on them."""
    return re.findall(Syntax.of(True).word, text)


def index_words(folded: str) -> str:
    """The folded words of a passage separated by single spaces: what the full-text
    index of either database tokenizes (nothing in it for its parser to read otherwise)."""
    return " ".join(WORD.findall(folded))


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
