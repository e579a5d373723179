"""Citing a coded passage: whose words they are, which paragraphs (¶) they stand in, and
the citation made of both, "E3, ¶12" or "E3, ¶12–13".

The one rule for every page, API and export: the source is the expert's pseudonym, or
the transcript's title when it has no expert; the paragraphs are the turns holding the
passage's first and last character (`TurnIndex`, the low-level piece in
apps.transcripts.selectors). `cited_excerpts` reads the turns of all the passages'
transcripts in one query, whatever their number. Where a transcript has a recording with
timings and the caller asks for times, the citation ends with the passage's time in it,
"E3, ¶12, 12:04" (apps.media.timings).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from apps.media.selectors import timelines
from apps.media.timings import clock
from apps.transcripts.models import Transcript
from apps.transcripts.selectors import citation, turn_indexes, turn_indexes_and_texts

from .models import Segment

_KEY_PREFIX = re.compile(r"[^A-Za-z0-9]")


def citation_key(*, segment_id: int, pseudonym: str | None) -> str:
    """A key the thesis text can refer to ("E3-0042"): the expert's pseudonym and the
    segment's id, so it stays the same in every export for as long as the segment exists."""
    prefix = _KEY_PREFIX.sub("", pseudonym or "")[:12] or "S"
    return f"{prefix}-{segment_id:04d}"


@dataclass(frozen=True, kw_only=True)
class Excerpt:
    """A passage of a transcript and where it stands.

    `first` and `last` are the ¶ of its first and last character (None while not cited,
    or when the transcript has no turns); `before` and `after` the text of its turns
    around it, where context was asked for. `segment` is the coded segment, where the
    caller read it; `value` the coded value, where the passage stands under one code.
    """

    transcript_id: int
    transcript: str
    pseudonym: str
    start: int
    end: int
    segment_id: int | None = None
    quote: str = ""
    value: str = ""
    segment: Segment | None = None
    first: int | None = None
    last: int | None = None
    before: str = ""
    after: str = ""
    time: float | None = None  # seconds into the transcript's recording, where asked for and known

    @classmethod
    def in_transcript(cls, transcript: Transcript, *, start: int, end: int, **more):
        """The passage [start, end) of a transcript read with its expert."""
        return cls(transcript_id=transcript.pk, transcript=transcript.title,
                   pseudonym=transcript.expert.pseudonym if transcript.expert else "", start=start, end=end, **more)

    @classmethod
    def of(cls, segment: Segment, **more):
        """The excerpt of a segment read with its transcript and the transcript's expert."""
        return cls.in_transcript(segment.transcript, start=segment.start, end=segment.end, segment_id=segment.pk,
                                 quote=segment.quote, segment=segment, **more)

    @property
    def source(self) -> str:
        """Whose words: the expert's pseudonym, or the transcript's title without an expert."""
        return self.pseudonym or self.transcript

    @property
    def citation(self) -> str:
        cited = citation(pseudonym=self.source, first=self.first, last=self.last)
        return f"{cited}, {self.clock}" if self.time is not None else cited

    @property
    def clock(self) -> str:
        """"12:04" ("" without a time), for a column of its own."""
        return clock(self.time) if self.time is not None else ""

    @property
    def paragraphs(self) -> str:
        """"12" or "12–13" ("" without turns), for a column of its own."""
        if self.first is None:
            return ""
        return f"{self.first}" if self.first == self.last else f"{self.first}–{self.last}"

    @property
    def key(self) -> str:
        return citation_key(segment_id=self.segment_id, pseudonym=self.pseudonym)


E = TypeVar("E", bound=Excerpt)


def cited_excerpts(excerpts: Iterable[E], *, context: int = 0, times: bool = False) -> list[E]:
    """The excerpts with their paragraphs, in the order given (each keeps its type).

    With `context`, each also gets up to that many characters before and after it, from
    the turns it stands in ("…" where the turn goes on). One query for the turns of all
    the transcripts (and their texts, where context is asked for). With `times`,
    each excerpt of a transcript with a timed recording gets its time (two queries more).
    """
    excerpts = list(excerpts)
    if not excerpts:
        return []
    transcript_ids = {e.transcript_id for e in excerpts}
    if context:
        indexes, texts = turn_indexes_and_texts(transcript_ids=transcript_ids)
    else:
        indexes, texts = turn_indexes(transcript_ids=transcript_ids), {}
    lines = timelines(transcript_ids=transcript_ids) if times else {}
    found = []
    for excerpt in excerpts:
        index = indexes.get(excerpt.transcript_id)
        first, last = index.turns_of(excerpt.start, excerpt.end) if index else (None, None)
        where = {"first": first.number if first else None, "last": last.number if last else None}
        if excerpt.transcript_id in lines:
            where["time"] = lines[excerpt.transcript_id].at(excerpt.start)
        if context:
            where.update(_around(excerpt, texts.get(excerpt.transcript_id, ""), first, last, context))
        found.append(_with(excerpt, where))
    return found


def _with(excerpt: E, fields: dict) -> E:
    """A copy of the excerpt with `fields` changed: `dataclasses.replace` without its
    __init__ over every field, which was most of the time an appendix spent citing
    (excerpts have no __post_init__ to run, and are frozen: nothing else sets a field)."""
    copy = object.__new__(type(excerpt))
    copy.__dict__.update(excerpt.__dict__, **fields)
    return copy


def _around(excerpt: Excerpt, text: str, first, last, context: int) -> dict[str, str]:
    """Up to `context` characters either side of the excerpt, within its turns."""
    start, end = excerpt.start, excerpt.end
    low = min(first.start, start) if first else start
    high = max(last.end, end) if last else end
    before_start, after_end = max(low, start - context), min(high, end + context)
    return {"before": ("…" if before_start > low else "") + text[before_start:start],
            "after": text[end:after_end] + ("…" if after_end < high else "")}
