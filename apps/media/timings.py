"""Where a passage is in the recording: the turns' timings (Turn.meta) made into a map
from text offsets (code points) to seconds. Pure: no Django (timecodes are read as the
subtitle importer reads them, by apps/transcripts/timecodes.py).

A turn's timing is meta["start"] (and meta["end"]) in seconds, as the .vtt/.srt importer
writes them, or meta["time"] ("00:12:04", "12:04"), the timestamp that opened the turn in
a timestamped text. A transcribed turn also has meta["words"], [offset from the turn's
start, second] per word, and meta["length"], the turn's length when they were written
(an edit of the text keeps the times of unchanged words at their new offsets and updates
the length: apps/transcripts/anchors.py). Between two known points (the turn's start,
each word's start while the turn keeps that length, the turn's end), time runs with the
characters: ONE rule, which static/js/coding/player.js (Timeline.at) follows as well.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from apps.transcripts.anchors import ANCHORS, LENGTH
from apps.transcripts.timecodes import seconds


def clock(at: float) -> str:
    """Seconds as a citation shows them: "12:04", or "1:02:03" past the hour."""
    whole = int(at)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def turn_start(meta: dict) -> float | None:
    if not meta:
        return None
    start = meta.get("start")
    if isinstance(start, (int, float)):
        return float(start)
    time = meta.get("time")
    return seconds(time) if isinstance(time, str) else None


def word_points(meta: dict, start: int, end: int, begins: float, ends: float) -> tuple[tuple[int, float], ...]:
    """The words' (offset into the text, second) inside a turn, or () when there are none or
    they no longer fit it: its length is not the one they were written for, or their
    offsets or times do not run forward within the turn."""
    words, length = meta.get(ANCHORS), meta.get(LENGTH)
    if not isinstance(words, list) or length != end - start:
        return ()
    points, last_offset, last_second = [], 0, begins
    for item in words:
        if not (isinstance(item, (list, tuple)) and len(item) == 2 and all(isinstance(v, (int, float)) for v in item)):
            return ()
        offset, second = int(item[0]), float(item[1])
        if not (last_offset <= offset < length and last_second <= second <= ends):
            return ()
        if offset > 0:
            points.append((start + offset, second))
        last_offset, last_second = offset + 1, second
    return tuple(points)


@dataclass(frozen=True)
class TurnTime:
    """A timed turn: its ¶, its characters [start, end), its seconds [begins, ends) and the
    known points between (a word's offset and second), in order."""

    number: int
    start: int
    end: int
    begins: float
    ends: float
    points: tuple[tuple[int, float], ...] = ()


class Timeline:
    """Offsets to seconds for one transcript, from its turns (objects with number, start,
    end and meta); empty when no turn is timed."""

    def __init__(self, turns: Iterable, *, duration: float | None = None):
        ordered = sorted(turns, key=lambda t: t.start)
        starts = [turn_start(t.meta) for t in ordered]
        timed: list[TurnTime] = []
        for i, (turn, begins) in enumerate(zip(ordered, starts)):
            if begins is None:
                continue
            ends = turn.meta.get("end") if isinstance(turn.meta.get("end"), (int, float)) else None
            if ends is None:  # until the next timed turn starts, or the recording ends
                ends = next((s for s in starts[i + 1:] if s is not None), duration)
            if ends is None or ends < begins:
                ends = begins
            ends = float(ends)
            timed.append(TurnTime(turn.number, turn.start, turn.end, begins, ends,
                                  word_points(turn.meta, turn.start, turn.end, begins, ends)))
        self.turns = timed
        self._starts = [t.start for t in timed]

    def __bool__(self) -> bool:
        return bool(self.turns)

    def at(self, offset: int) -> float | None:
        """The second at which the character at `offset` is spoken (None without timings)."""
        if not self.turns:
            return None
        turn = self.turns[max(0, bisect_right(self._starts, offset) - 1)]
        if offset <= turn.start:
            return turn.begins
        if offset >= turn.end:
            return turn.ends
        before, after = (turn.start, turn.begins), (turn.end, turn.ends)
        for point in turn.points:  # the known points around the offset
            if point[0] <= offset:
                before = point
            else:
                after = point
                break
        return before[1] + (after[1] - before[1]) * (offset - before[0]) / (after[0] - before[0])

    def rows(self) -> list[list]:
        """[number, start, end, begins, ends] per timed turn, and [[offset, second], ...] of its
        words when it has them: the page's script interpolates the same way
        (static/js/coding/player.js)."""
        return [[t.number, t.start, t.end, round(t.begins, 3), round(t.ends, 3),
                 *([[[o, round(s, 3)] for o, s in t.points]] if t.points else [])] for t in self.turns]


def sync_point_timings(turns: Iterable, points: Iterable[tuple[int, float]]) -> tuple[dict[int, dict], int]:
    """The turns' timings from sync points (a REFI-QDA Transcript's position and time): a
    point at a turn's first character gives its start, one at its end its end. Returns
    {turn number: {"start": s, "end": s}} and the number of points at neither (Casecoder
    times whole turns, so those are not kept)."""
    turns = list(turns)
    by_start = {t.start: t.number for t in turns}
    by_end = {t.end: t.number for t in turns}
    found: dict[int, dict] = {}
    missed = 0
    for position, second in points:
        if position in by_start and "start" not in found.get(by_start[position], {}):
            found.setdefault(by_start[position], {})["start"] = second
        elif position in by_end:
            found.setdefault(by_end[position], {})["end"] = second
        else:
            missed += 1
    return found, missed
