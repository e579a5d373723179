"""Reads of transcripts and their turns."""
from __future__ import annotations

from bisect import bisect_right

from django.db.models import Count, Q, QuerySet

from apps.projects.models import Project

from .models import Transcript, Turn


def transcripts_for_project(*, project: Project) -> QuerySet[Transcript]:
    return (
        project.transcripts.select_related("expert")
        .annotate(n_segments=Count("segments", filter=Q(segments__deleted_at__isnull=True), distinct=True),
                  n_turns=Count("turns", distinct=True))
        .order_by("title")
    )


class TurnIndex:
    """Finds the paragraph (turn number) of an offset, for citations like "E3, ¶12"."""

    def __init__(self, turns):
        self.turns = sorted(turns, key=lambda t: t.start)
        self.starts = [t.start for t in self.turns]

    def number_at(self, offset: int) -> int | None:
        i = bisect_right(self.starts, offset) - 1
        if i < 0:
            return self.turns[0].number if self.turns else None
        return self.turns[i].number

    def span(self, start: int, end: int) -> tuple[int | None, int | None]:
        return self.number_at(start), self.number_at(max(start, end - 1))


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
