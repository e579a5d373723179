"""Reads of transcripts and their turns."""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from apps.projects.models import Project

from .models import Transcript, Turn
from .text import speakers as turns_per_speaker


def transcripts_for_project(*, project: Project) -> QuerySet[Transcript]:
    """Transcripts with their number of turns (`n_turns`), without loading their texts.

    The count is a subquery rather than a join, so that a caller can add others (the
    project home adds the segments) without multiplying the rows.
    """
    turns = Turn.objects.filter(transcript=OuterRef("pk")).order_by().values("transcript").annotate(
        n=Count("pk")).values("n")
    return (
        project.transcripts.select_related("expert")
        .defer("text", "pseudonym_map")
        .annotate(n_turns=Coalesce(Subquery(turns), 0))
        .order_by("title")
    )


class TurnIndex:
    """Finds the paragraph (turn number) of an offset, for citations like "E3, ¶12"."""

    def __init__(self, turns):
        self.turns = sorted(turns, key=lambda t: t.start)
        self.starts = [t.start for t in self.turns]

    def turn_at(self, offset: int) -> Turn | None:
        """The last turn starting at or before `offset` (the first turn for an offset before
        every turn); None without turns."""
        if not self.turns:
            return None
        return self.turns[max(0, bisect_right(self.starts, offset) - 1)]

    def number_at(self, offset: int) -> int | None:
        turn = self.turn_at(offset)
        return turn.number if turn is not None else None

    def turns_of(self, start: int, end: int) -> tuple[Turn | None, Turn | None]:
        """The turns holding the first and the last character of [start, end)."""
        return self.turn_at(start), self.turn_at(max(start, end - 1))

    def span(self, start: int, end: int) -> tuple[int | None, int | None]:
        """The paragraphs (¶) of the first and the last character of [start, end)."""
        first, last = self.turns_of(start, end)
        return (first.number if first else None), (last.number if last else None)


def citation(*, pseudonym: str, first: int | None, last: int | None) -> str:
    """"E3, ¶12" or "E3, ¶12–13"."""
    if first is None:
        return pseudonym
    return f"{pseudonym}, ¶{first}" if first == last or last is None else f"{pseudonym}, ¶{first}–{last}"


def turn_indexes(*, transcript_ids) -> dict[int, TurnIndex]:
    """A TurnIndex per transcript, in one query."""
    turns: dict[int, list[Turn]] = {}
    for turn in Turn.objects.filter(transcript_id__in=list(transcript_ids)).only("transcript_id", "number", "start",
                                                                                 "end", "speaker"):
        turns.setdefault(turn.transcript_id, []).append(turn)
    return {tid: TurnIndex(ts) for tid, ts in turns.items()}


@dataclass(frozen=True)
class SpeakerRow:
    """A speaker of a transcript: how many turns are theirs, and the ¶ of the first."""

    speaker: str
    turns: int
    first: int


def transcript_speakers(*, transcript: Transcript) -> list[SpeakerRow]:
    """The named speakers in order of appearance, each with its turns (changes of speaker,
    as the import counted them, not the paragraphs a Turn row holds) and the ¶ of its
    first one; one query."""
    rows = list(transcript.turns.order_by("number").values_list("speaker", "number", named=True))
    first: dict[str, int] = {}
    for row in rows:
        first.setdefault(row.speaker, row.number)
    return [SpeakerRow(speaker, turns, first[speaker]) for speaker, turns in turns_per_speaker(rows)]


def import_page(*, project: Project) -> dict:
    """The project's expert pseudonyms, and the number the next new expert would get (E<n>)."""
    pseudonyms = list(project.experts.values_list("pseudonym", flat=True))
    numbers = [int(p[1:]) for p in pseudonyms if p[:1] in "Ee" and p[1:].isdigit()]
    return {"experts": pseudonyms, "next_expert": max(numbers, default=0) + 1}
