"""Reads of transcripts and their turns."""
from __future__ import annotations

import threading
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from apps.projects.compiled import RelatedRead
from apps.projects.models import Project

from .models import Transcript, Turn
from .text import speakers as turns_per_speaker


# Read on every coding click (the transcript the passage is in): written once from the model,
# with the text only if it is not the one this process kept.
_TRANSCRIPT_UNLESS_KEPT = RelatedRead(Transcript, where="t0.id = %s AND t0.project_id = %s", defer=["text"], extra={
    "changed_text": "CASE WHEN t0.version = %s AND t0.checksum = %s THEN NULL ELSE t0.text END"})


class KeptTexts:
    """Texts of transcripts this process read, with the version and checksum they had, the
    least recently used dropped beyond `characters` in all (a text longer than `longest`,
    which would push out many, is not kept). The checksum is the stored text's SHA-256, so
    a row with the kept checksum has the kept text, whoever wrote it."""

    def __init__(self, characters: int, longest: int):
        self.characters, self.longest, self.held = characters, longest, 0
        self.texts: OrderedDict[tuple[str, int], tuple[int, str, str]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[str, int]) -> tuple[int, str, str] | None:
        with self.lock:
            kept = self.texts.get(key)
            if kept is not None:
                self.texts.move_to_end(key)
            return kept

    def put(self, key: tuple[str, int], version: int, checksum: str, text: str) -> None:
        if len(text) > self.longest:
            return
        with self.lock:
            old = self.texts.pop(key, None)
            self.held += len(text) - (len(old[2]) if old else 0)
            self.texts[key] = (version, checksum, text)
            while self.held > self.characters:
                self.held -= len(self.texts.popitem(last=False)[1][2])


_KEPT_TEXTS = KeptTexts(characters=8_000_000, longest=1_000_000)  # 32 MB at most (4 bytes a character)


def transcript_in_project(*, project: Project, pk: int) -> Transcript | None:
    """Transcript `pk` of `project` (the given project set on it), or None; one query.

    The text comes from memory when the row says it is the one this process read before
    (the same version and checksum): reading a long interview's text was most of a coding
    click's read, and grew with the interview (a click in one of 90,000 words 4.2 -> 3.0 ms
    on PostgreSQL, #19)."""
    key = (connection.alias, int(pk))
    version, digest, text = _KEPT_TEXTS.get(key) or (-1, "", None)  # no version is negative: the text is read
    transcript = _TRANSCRIPT_UNLESS_KEPT.first(version, digest, pk, project.pk)
    if transcript is None:
        return None
    changed = transcript.__dict__.pop("changed_text")
    if changed is None:
        transcript.text = text
    else:
        transcript.text = changed
        _KEPT_TEXTS.put(key, transcript.version, transcript.checksum, changed)
    transcript.project = project
    return transcript


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


class TurnPlace(NamedTuple):
    """A turn's paragraph number and range: what a citation needs of it."""

    number: int
    start: int
    end: int


class TurnIndex:
    """Finds the paragraph (turn number) of an offset, for citations like "E3, ¶12", among
    turns (Turn rows or TurnPlaces)."""

    def __init__(self, turns):
        self.turns = sorted(turns, key=lambda t: t.start)
        self.starts = [t.start for t in self.turns]

    def turn_at(self, offset: int) -> Turn | TurnPlace | None:
        """The last turn starting at or before `offset` (the first turn for an offset before
        every turn); None without turns."""
        if not self.turns:
            return None
        return self.turns[max(0, bisect_right(self.starts, offset) - 1)]

    def number_at(self, offset: int) -> int | None:
        turn = self.turn_at(offset)
        return turn.number if turn is not None else None

    def turns_of(self, start: int, end: int) -> tuple[Turn | TurnPlace | None, Turn | TurnPlace | None]:
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
    """A TurnIndex per transcript, in one query (of TurnPlaces: no model instances)."""
    turns: dict[int, list[TurnPlace]] = {}
    for transcript_id, *place in (Turn.objects.filter(transcript_id__in=list(transcript_ids))
                                  .order_by("transcript_id", "number")
                                  .values_list("transcript_id", "number", "start", "end")):
        turns.setdefault(transcript_id, []).append(TurnPlace(*place))
    return {tid: TurnIndex(ts) for tid, ts in turns.items()}


def turn_indexes_and_texts(*, transcript_ids) -> tuple[dict[int, TurnIndex], dict[int, str]]:
    """`turn_indexes` and the transcripts' texts, in one query (a UNION: a text's row has
    no turn number), for citations with the text around them."""
    ids = ", ".join(str(int(i)) for i in transcript_ids)  # integers, written into the SQL
    if not ids:
        return {}, {}
    qn = connection.ops.quote_name
    turns: dict[int, list[TurnPlace]] = {}
    texts: dict[int, str] = {}
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT transcript_id, {qn("number")}, {qn("start")}, {qn("end")}, NULL FROM {qn(Turn._meta.db_table)}
             WHERE transcript_id IN ({ids})
            UNION ALL
            SELECT id, NULL, NULL, NULL, {qn("text")} FROM {qn(Transcript._meta.db_table)} WHERE id IN ({ids})
            ORDER BY 1, 2""")
        for transcript_id, number, start, end, text in cursor.fetchall():
            if number is None:
                texts[transcript_id] = text
            else:
                turns.setdefault(transcript_id, []).append(TurnPlace(number, start, end))
    return {tid: TurnIndex(ts) for tid, ts in turns.items()}, texts


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
