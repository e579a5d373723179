"""The character diff of a transcript's old and new text, after an edit.

Pure functions, independent of Django. The diff (difflib.SequenceMatcher, refined from
lines to words to characters so that a long interview with a few corrections is
compared in milliseconds) maps every old offset to a new one: the turns of the edited
text keep their meta by it (and the offsets their meta holds, apps.transcripts.anchors),
and the coding app re-anchors the segments by it
(apps.coding.reanchoring).

Offsets are code points (Python str indexes), as everywhere on the server.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

# Above this product of lengths a replaced stretch is not compared character by character
# (SequenceMatcher is quadratic in the worst case); it stays one replacement.
MAX_CHAR_DIFF_CELLS = 4_000_000
MAX_WORD_DIFF_TOKENS = 20_000

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
_SPACE = re.compile(r"\s")


@dataclass(frozen=True)
class Block:
    """One opcode of the diff: old[i1:i2] became new[j1:j2]; `tag` as in difflib."""

    tag: str
    i1: int
    i2: int
    j1: int
    j2: int


def _common_prefix(a: str, b: str) -> int:
    """Length of the common prefix, by halving (each comparison runs in C)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix(a: str, b: str, limit: int) -> int:
    lo, hi = 0, min(len(a), len(b), limit)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid : len(a) - lo] == b[len(b) - mid : len(b) - lo]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _lines(text: str) -> list[str]:
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _pieces_diff(a: list[str], b: list[str], a0: int, b0: int, refine, *, autojunk: bool = False) -> list[Block]:
    """Diff two lists of strings (lines or words) and refine replaced runs with `refine`.

    With `autojunk` (difflib's heuristic) pieces that make up more than 1% of `b`, such as
    the blank lines between turns, do not seed a match but still extend one: a long
    interview is then compared in linear rather than quadratic time.
    """
    blocks: list[Block] = []
    a_at = [a0]
    for piece in a:
        a_at.append(a_at[-1] + len(piece))
    b_at = [b0]
    for piece in b:
        b_at.append(b_at[-1] + len(piece))
    matcher = SequenceMatcher(None, a, b, autojunk=autojunk or len(a) + len(b) > MAX_WORD_DIFF_TOKENS)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        ci1, ci2, cj1, cj2 = a_at[i1], a_at[i2], b_at[j1], b_at[j2]
        if tag == "replace" and refine is not None:
            blocks.extend(refine("".join(a[i1:i2]), "".join(b[j1:j2]), ci1, cj1))
        else:
            blocks.append(Block(tag, ci1, ci2, cj1, cj2))
    return blocks


def _char_diff(a: str, b: str, a0: int, b0: int) -> list[Block]:
    if len(a) * len(b) > MAX_CHAR_DIFF_CELLS:
        return [Block("replace", a0, a0 + len(a), b0, b0 + len(b))]
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return [Block(tag, a0 + i1, a0 + i2, b0 + j1, b0 + j2) for tag, i1, i2, j1, j2 in matcher.get_opcodes()]


def _word_diff(a: str, b: str, a0: int, b0: int) -> list[Block]:
    # What the two stretches begin and end with alike is cut off at spaces first: a paragraph
    # with one word corrected is then compared over that word, not over all its words.
    prefix = _common_prefix(a, b)
    if prefix < min(len(a), len(b)):
        while prefix > 0 and not a[prefix - 1].isspace():
            prefix -= 1
    suffix = _common_suffix(a, b, min(len(a), len(b)) - prefix)
    if suffix < min(len(a), len(b)) - prefix:
        while suffix > 0 and not a[len(a) - suffix].isspace():
            suffix -= 1
    middle_a, middle_b = a[prefix : len(a) - suffix], b[prefix : len(b) - suffix]
    blocks = [Block("equal", a0, a0 + prefix, b0, b0 + prefix)]
    if middle_a and middle_b:
        blocks += _pieces_diff(_TOKEN.findall(middle_a), _TOKEN.findall(middle_b), a0 + prefix, b0 + prefix,
                               _char_diff)
    elif middle_a:
        blocks.append(Block("delete", a0 + prefix, a0 + len(a) - suffix, b0 + prefix, b0 + prefix))
    elif middle_b:
        blocks.append(Block("insert", a0 + prefix, a0 + prefix, b0 + prefix, b0 + len(b) - suffix))
    blocks.append(Block("equal", a0 + len(a) - suffix, a0 + len(a), b0 + len(b) - suffix, b0 + len(b)))
    return blocks


def _line_diff(a: str, b: str, a0: int, b0: int) -> list[Block]:
    return _pieces_diff(_lines(a), _lines(b), a0, b0, _word_diff, autojunk=True)


def _merged(blocks: Iterable[Block]) -> list[Block]:
    """Adjacent blocks joined: equal with equal, and any run of changes into one opcode."""
    out: list[Block] = []
    for block in blocks:
        if block.i1 == block.i2 and block.j1 == block.j2:
            continue
        if out and (out[-1].tag == "equal") == (block.tag == "equal"):
            last = out[-1]
            if last.tag == "equal":
                out[-1] = Block("equal", last.i1, block.i2, last.j1, block.j2)
            else:
                old_len, new_len = block.i2 - last.i1, block.j2 - last.j1
                tag = "replace" if old_len and new_len else ("delete" if old_len else "insert")
                out[-1] = Block(tag, last.i1, block.i2, last.j1, block.j2)
            continue
        out.append(block)
    return out


def diff_blocks(old: str, new: str, *, precise: bool = False) -> list[Block]:
    """The opcodes turning `old` into `new`, covering both texts in order, without gaps.

    The common beginning and end are cut off at line boundaries first, so that a deleted
    line is a deleted line and not a few letters matched with the next one; the rest is
    compared by lines, then words, then characters. `precise` compares what differs
    character by character at once (fewer changes, less natural; for small stretches).
    """
    prefix = _common_prefix(old, new)
    suffix = _common_suffix(old, new, min(len(old), len(new)) - prefix)
    if not precise:
        if prefix < min(len(old), len(new)):
            prefix = old.rfind("\n", 0, prefix) + 1
        at = len(old) - suffix
        if suffix < min(len(old), len(new)) - prefix and at > 0 and old[at - 1] != "\n":
            line_end = old.find("\n", at)
            suffix = 0 if line_end == -1 else len(old) - line_end - 1
    blocks = [Block("equal", 0, prefix, 0, prefix)]
    a, b = old[prefix : len(old) - suffix], new[prefix : len(new) - suffix]
    if a and b:
        blocks += _char_diff(a, b, prefix, prefix) if precise else _line_diff(a, b, prefix, prefix)
    elif a:
        blocks.append(Block("delete", prefix, prefix + len(a), prefix, prefix))
    elif b:
        blocks.append(Block("insert", prefix, prefix, prefix, prefix + len(b)))
    blocks.append(Block("equal", len(old) - suffix, len(old), len(new) - suffix, len(new)))
    return _merged(blocks)


class TextDiff:
    """The diff of two texts and the mapping of old offsets to new ones.

    A start offset maps after text inserted exactly there, an end offset before it, so a
    passage never grows by words typed at its edges. An offset inside replaced text maps
    proportionally into the replacement (clamped), which is exact for a same-length fix.
    """

    def __init__(self, old: str, new: str):
        self.old, self.new = old, new
        self.blocks = diff_blocks(old, new)
        self.cost = edit_cost(self.blocks)  # characters deleted plus inserted
        self._starts = [b.i1 for b in self.blocks]

    @property
    def changes(self) -> list[Block]:
        return [b for b in self.blocks if b.tag != "equal"]

    @property
    def stretches(self) -> int:
        """How many stretches of text were edited, as a reader counts them: changes within
        one word ("matter" -> "affair", which the diff finds letter by letter) count once."""
        count, inside = 0, False
        for block in self.blocks:
            if block.tag != "equal":
                count += not inside
                inside = True
            elif _SPACE.search(self.old, block.i1, block.i2):
                inside = False
        return count

    def _around(self, pos: int) -> list[Block]:
        """The blocks that begin at or contain `pos` (and the one ending at it)."""
        i = bisect_right(self._starts, pos)
        return self.blocks[max(0, i - 3) : i + 1]

    def map_start(self, pos: int) -> int:
        for block in self._around(pos):
            if block.i1 <= pos < block.i2:
                return self._inside(block, pos)
        return len(self.new) if pos >= len(self.old) else self.map_end(pos)

    def map_end(self, pos: int) -> int:
        for block in self._around(pos):
            if block.i1 < pos <= block.i2:
                if block.tag != "equal" and pos == block.i2:
                    return block.j2
                return self._inside(block, pos)
        return 0 if pos <= 0 else self.map_start(pos)

    @staticmethod
    def _inside(block: Block, pos: int) -> int:
        if block.tag == "equal":
            return block.j1 + (pos - block.i1)
        return block.j1 + min(pos - block.i1, block.j2 - block.j1)

    def unchanged(self, start: int, end: int) -> bool:
        """Whether old[start:end] is kept as it was, in one piece: it lies inside one equal
        block, with nothing inserted strictly inside it (then map_start(start) + k is where
        its k-th character went)."""
        block = self.blocks[max(0, bisect_right(self._starts, start) - 1)] if self.blocks else None
        return block is not None and block.tag == "equal" and block.i1 <= start <= end <= block.i2

    def touching(self, start: int, end: int) -> list[Block]:
        """The changes that overlap [start, end) or were inserted strictly inside it."""
        return [b for b in self.changes if (b.i1 < end and start < b.i2) or (b.i1 == b.i2 and start < b.i1 < end)]


def edit_cost(blocks: Iterable[Block]) -> int:
    """Characters deleted plus characters inserted."""
    return sum((b.i2 - b.i1) + (b.j2 - b.j1) for b in blocks if b.tag != "equal")
