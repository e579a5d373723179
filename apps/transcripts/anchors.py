"""Offsets that a turn's meta holds into the turn's own text, carried through an edit.

A turn's meta may anchor values to its words: meta["words"] is a list of [offset from the
turn's start, value], one per word, in order, and meta["length"] the turn's length when
they were written. They hold only while the turn keeps that length (a reader checks it).
This app does not know what the values mean (a transcription's word start times, for the
media app's timeline): it moves the offsets through the diff of an edit, where the diff
is, so that no app above has to map offsets a second way. Pure: no Django.

A word keeps its value when its characters (up to the next space) and the characters on
either side of it are unchanged; a word inside or against a changed stretch loses it.
"""
from __future__ import annotations

import re

from .diff import TextDiff

ANCHORS = "words"   # [[offset from the turn's start, value], ...]
LENGTH = "length"   # the turn's length when the anchors were written

_SPACE = re.compile(r"\s")


def anchors_through(meta: dict, diff: TextDiff, old: tuple[int, int], new: tuple[int, int]) -> dict:
    """`meta` of the old turn at old = (start, end) of diff.old, for the turn at new =
    (start, end) of diff.new that takes it: the anchors of unchanged words at their new
    offsets, the others dropped, and the new length. Anchors that no longer held before
    the edit (the length differs, or they are malformed) are dropped with the length."""
    if ANCHORS not in meta and LENGTH not in meta:
        return meta
    rest = {k: v for k, v in meta.items() if k not in (ANCHORS, LENGTH)}
    anchors, (old_start, old_end), (new_start, new_end) = meta.get(ANCHORS), old, new
    if not _well_formed(anchors, meta.get(LENGTH), old_end - old_start):
        return rest
    if diff.unchanged(old_start, old_end) and diff.map_start(old_start) == new_start \
            and new_end - new_start == old_end - old_start:
        return meta  # the whole turn as it was (most turns of an edit): every anchor holds
    before, after = diff.old, diff.new
    kept = []
    for i, (offset, value) in enumerate(anchors):
        start = old_start + int(offset)
        limit = old_start + int(anchors[i + 1][0]) if i + 1 < len(anchors) else old_end
        space = _SPACE.search(before, start, limit)
        end = space.start() if space else limit
        if end == start or not diff.unchanged(start, end):
            continue
        moved = diff.map_start(start)
        if not (new_start <= moved and moved + (end - start) <= new_end):
            continue
        if (_char(before, start - 1, old_start, old_end) != _char(after, moved - 1, new_start, new_end)
                or _char(before, end, old_start, old_end) != _char(after, moved + end - start, new_start, new_end)):
            continue  # typed against the word ("cat" -> "cats"): a changed word
        kept.append([moved - new_start, value])
    return {**rest, ANCHORS: kept, LENGTH: new_end - new_start}


def _char(text: str, at: int, start: int, end: int) -> str:
    """The character at `at`, a space outside the turn [start, end) (a turn's edge bounds a
    word as a space does)."""
    return " " if not start <= at < end or text[at].isspace() else text[at]


def _well_formed(anchors, length, turn_length: int) -> bool:
    if not isinstance(anchors, list) or length != turn_length:
        return False
    last = -1
    for item in anchors:
        if not (isinstance(item, (list, tuple)) and len(item) == 2 and isinstance(item[0], (int, float))
                and not isinstance(item[0], bool) and item[0] == int(item[0]) and last < item[0] < turn_length):
            return False
        last = item[0]
    return True
