"""The unit of a REFI-QDA file's text positions, decided from the evidence in the file.

QDA-XML 1.0 counts a PlainTextSelection's startPosition and endPosition in Unicode code
points ("the first and the last character (Unicode codepoint)"), which are Python str
indexes and what Casecoder writes. NVivo writes UTF-16 code units instead, the unit of
.NET strings: every character outside the Basic Multilingual Plane (emoji, rare CJK,
historic scripts) before a selection moves it one unit further, so in an NVivo project
with emoji 290 of 303 coded passages landed on the wrong text when read as code points.
Tools also disagree on whether endPosition is the last selected character (inclusive) or
the one after it (exclusive, as Casecoder and QualCoder write it).

So each reading (unit x end convention) is scored on what the file shows, in this order,
and the report says which reading won, on what, and against what:

1. fit: a reading under which selections run past their text, or split a character
   outside the BMP in two, is not the file's;
2. names: where a tool writes the selected text (or its start) as the selection's name,
   the reading under which the names match the text is the file's;
3. word boundaries: people select words, so under the right reading most selections
   start where a word starts and end where one ends (in that NVivo project 284 of 303
   under UTF-16 units, 56 of 303 under code points);
4. the writing software, the project's `origin`, breaks a tie: NVivo writes UTF-16 units,
   the others code points as the standard says; ends are taken as exclusive.

Pure functions on plain data, no Django.
"""
from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

CODE_POINTS = "code points"
UTF16 = "UTF-16 code units"


@dataclass(frozen=True)
class Reading:
    """How a file's positions are read: the unit, and whether endPosition is inclusive."""

    unit: str
    inclusive_end: bool = False


STANDARD = Reading(CODE_POINTS)
NVIVO = Reading(UTF16)
READINGS = (STANDARD, NVIVO, Reading(CODE_POINTS, True), Reading(UTF16, True))


def origin_reading(origin: str) -> Reading:
    """The reading the writing software is known for: NVivo writes UTF-16 code units (a
    deviation from the standard), every other tool code points."""
    return NVIVO if "nvivo" in (origin or "").casefold() else STANDARD


@dataclass(frozen=True)
class Selection:
    """A selection as the file writes it."""

    start: int
    end: int
    name: str = ""


class SourceText:
    """A source's text, with the table that turns UTF-16 offsets into code points."""

    def __init__(self, text: str):
        self.text = text
        astral = [i for i, character in enumerate(text) if ord(character) > 0xFFFF]
        # The UTF-16 offset just after each character outside the BMP (two units each).
        self._after_pair = [index + k + 2 for k, index in enumerate(astral)]
        self.utf16_length = len(text) + len(astral)
        self.has_astral = bool(astral)

    def code_point(self, position: int, unit: str) -> int | None:
        """The str index of `position` in `unit`; None outside the text or in the middle
        of a surrogate pair."""
        if unit == CODE_POINTS:
            return position if 0 <= position <= len(self.text) else None
        if not 0 <= position <= self.utf16_length:
            return None
        pairs_before = bisect_right(self._after_pair, position)
        if pairs_before < len(self._after_pair) and position == self._after_pair[pairs_before] - 1:
            return None
        return position - pairs_before

    def span(self, selection: Selection, reading: Reading) -> tuple[int, int] | None:
        """(start, end) as str indexes, end exclusive; None if it does not fit the text."""
        first, last = sorted((selection.start, selection.end))
        start = self.code_point(first, reading.unit)
        end = self.code_point(last + 1 if reading.inclusive_end else last, reading.unit)
        return None if start is None or end is None else (start, end)


def _word_character(character: str) -> bool:
    return character.isalnum() or unicodedata.category(character).startswith("M")


def starts_a_word(text: str, index: int) -> bool:
    """A selection starting at `index` starts on something (not a space) and not inside a word."""
    if not 0 <= index < len(text) or text[index].isspace():
        return False
    return index == 0 or not (_word_character(text[index - 1]) and _word_character(text[index]))


def ends_a_word(text: str, index: int) -> bool:
    """A selection ending before `index` ends on something (not a space) and not inside a word."""
    if not 0 < index <= len(text) or text[index - 1].isspace():
        return False
    return index == len(text) or not (_word_character(text[index - 1]) and _word_character(text[index]))


def _words(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def name_key(name: str) -> str:
    """The text a selection's name gives, if it looks like text: its words, without a
    trailing ellipsis; "" for names too short to tell anything."""
    words = _words(name)
    trimmed = words.rstrip(".…").rstrip()
    return trimmed if sum(_word_character(c) for c in trimmed) >= 3 else ""


def name_matches(name: str, selected: str) -> bool:
    """Whether a selection's name is its selected text or the start of it."""
    key = name_key(name)
    return bool(key) and _words(selected).startswith(key)


@dataclass
class Evidence:
    """How well one reading explains a set of selections."""

    reading: Reading
    selections: int = 0
    fitting: int = 0
    named: int = 0        # names that are the selected text or its start
    whole_names: int = 0  # names that are exactly the selected text
    word_starts: int = 0
    word_ends: int = 0

    @property
    def boundaries(self) -> int:
        return self.word_starts + self.word_ends

    def add(self, other: Evidence) -> None:
        for name in ("selections", "fitting", "named", "whole_names", "word_starts", "word_ends"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def evidence(source: SourceText, selections: Sequence[Selection], reading: Reading) -> Evidence:
    found = Evidence(reading, selections=len(selections))
    text = source.text
    for selection in selections:
        span = source.span(selection, reading)
        if span is None:
            continue
        found.fitting += 1
        start, end = span
        key = name_key(selection.name) if selection.name else ""
        if key:
            selected = _words(text[start:end])
            found.named += selected.startswith(key)
            found.whole_names += selected == key
        found.word_starts += starts_a_word(text, start)
        found.word_ends += ends_a_word(text, end)
    return found


def units_differ(source: SourceText, selections: Iterable[Selection]) -> bool:
    """Whether code points and UTF-16 units place any of these selections differently."""
    return source.has_astral and any(
        source.span(s, reading) != source.span(s, Reading(UTF16, reading.inclusive_end))
        for s in selections for reading in (STANDARD, Reading(CODE_POINTS, True)))


@dataclass
class Decision:
    """The reading chosen for a file or a source, and why, in words for the report."""

    reading: Reading
    reason: str
    unit_matters: bool
    clear: bool  # False when the evidence is thin or tied: the report asks to check a few passages
    evidence: dict[Reading, Evidence] = field(default_factory=dict)


_STEPS = (
    ("fit", lambda e: e.fitting),
    ("names", lambda e: (e.whole_names, e.named)),
    ("boundaries", lambda e: e.boundaries),
)


def decide(scores: dict[Reading, Evidence], *, origin: str = "", unit_matters: bool = True) -> Decision:
    """The reading that best explains the evidence; see the module's docstring for the order."""
    readings = [r for r in READINGS if r in scores and (unit_matters or r.unit == CODE_POINTS)]
    total = max((scores[r].selections for r in readings), default=0)
    origin = (origin or "").strip()
    prior = origin_reading(origin) if unit_matters else Reading(CODE_POINTS)
    candidates = list(readings)
    for _, key in _STEPS:
        best = max(key(scores[r]) for r in candidates)
        candidates = [r for r in candidates if key(scores[r]) == best]
    chosen = prior if prior in candidates else STANDARD if STANDARD in candidates else candidates[0]
    if not total or len(readings) < 2:
        return Decision(chosen, "there are no selections to tell the readings apart", unit_matters, True, scores)
    reasons, clear = [], True
    other_unit = Reading(UTF16 if chosen.unit == CODE_POINTS else CODE_POINTS, chosen.inclusive_end)
    other_ends = Reading(chosen.unit, not chosen.inclusive_end)
    for other, label in ((other_unit, other_unit.unit), (other_ends, "inclusive ends" if other_ends.inclusive_end
                                                          else "exclusive ends")):
        if other not in scores:
            continue
        step, why = _compare(scores[chosen], scores[other], label, total)
        reasons.append(why)
        clear = clear and step is not None
    origin_says = origin_reading(origin).unit
    if not unit_matters:
        pass
    elif not origin:
        reasons.append("the file does not say which software wrote it")
    elif origin_says == chosen.unit:
        reasons.append(f"the file was written by {origin}, which writes {origin_says}")
    else:
        reasons.append(f"the file was written by {origin}, although that software usually writes {origin_says}")
    return Decision(chosen, "; ".join(reasons), unit_matters, clear, scores)


def _compare(mine: Evidence, theirs: Evidence, label: str, total: int) -> tuple[str | None, str]:
    """The first kind of evidence on which one reading beats another, and the words for it."""
    if mine.fitting != theirs.fitting:
        return "fit", (f"under {label} {total - theirs.fitting} of {total} selections would run past their text or "
                       "split a character")
    if (mine.whole_names, mine.named) != (theirs.whole_names, theirs.named):
        return "names", (f"the selections' names give their text: {mine.named} of {total} match ({mine.whole_names} "
                         f"exactly), against {theirs.named} ({theirs.whole_names}) under {label}")
    if mine.boundaries - theirs.boundaries >= max(2, total // 10):
        return "boundaries", (f"{mine.word_starts} of {total} selections start and {mine.word_ends} end at a word "
                              f"boundary, against {theirs.word_starts} and {theirs.word_ends} under {label}")
    if mine.boundaries != theirs.boundaries:
        return None, (f"only narrowly: {mine.word_starts} of {total} selections start and {mine.word_ends} end at a "
                      f"word boundary, against {theirs.word_starts} and {theirs.word_ends} under {label}")
    return None, f"the selections fit {label} as well, so the usual convention was taken"


def decide_source(source: SourceText, selections: Sequence[Selection], *, origin: str = "") -> Decision:
    matters = units_differ(source, selections)
    scores = {r: evidence(source, selections, r) for r in READINGS if matters or r.unit == CODE_POINTS}
    return decide(scores, origin=origin, unit_matters=matters)


def decide_file(sources: Sequence[tuple[SourceText, Sequence[Selection]]], *, origin: str = ""
                ) -> tuple[Decision, list[Decision | None]]:
    """The file's reading, from the evidence of all its sources together, and for each
    source its own decision where its evidence clearly differs from the file's (else None).
    A source whose text has nothing outside the BMP before a selection never differs in
    unit; it can still differ in its ends only if its own evidence is clear."""
    matters = any(units_differ(text, selections) for text, selections in sources)
    pooled = {r: Evidence(r) for r in READINGS if matters or r.unit == CODE_POINTS}
    own = []
    for text, selections in sources:
        decision = decide_source(text, selections, origin=origin)
        own.append(decision)
        for reading, found in decision.evidence.items():
            pooled[reading].add(found)
        if not decision.unit_matters:  # both units read this source alike
            for reading, found in decision.evidence.items():
                twin = Reading(UTF16, reading.inclusive_end)
                if twin in pooled:
                    pooled[twin].add(found)
    file_decision = decide(pooled, origin=origin, unit_matters=matters)
    per_source = []
    for decision in own:
        differs = decision.clear and decision.reading != file_decision.reading and (
            decision.unit_matters or decision.reading.inclusive_end != file_decision.reading.inclusive_end)
        per_source.append(decision if differs else None)
    return file_decision, per_source


def describe(reading: Reading, unit_matters: bool) -> str:
    """How positions were read, as the report says it: "read as ... with ..." """
    ends = ("inclusive ends (endPosition is the last selected character)" if reading.inclusive_end else
            "exclusive ends (endPosition is the character after the selection)")
    if not unit_matters:
        return (f"read with {ends}; code points and UTF-16 units agree, since no text has a character outside the "
                "Basic Multilingual Plane before a selection")
    if reading.unit == UTF16:
        return f"read as UTF-16 code units (NVivo's unit; the standard counts code points) with {ends}"
    return f"read as code points (the standard's unit) with {ends}"
