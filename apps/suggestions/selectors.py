"""Reads of the suggestions: the passages an engine ranks, the suggestions for a code,
and the engine judged as a coder, transcript by transcript.

A passage is a sentence of the expert's speech (every speaker's, when a transcript does
not say who the expert is). A sentence counts as coded with a code when a segment of
the code covers at least half of it (or it holds at least half of the segment): that is
the unit the engine learns from, proposes and is evaluated on.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from apps.coding.models import Code, Coding
from apps.projects.models import Project
from apps.transcripts.models import Transcript, Turn
from apps.transcripts.sentences import sentences_in

from .engines import Passage, Suggestion, SuggestionEngine, Training, engine as default_engine
from .models import SuggestionRejection

Range = tuple[int, int]


def passages(*, project: Project, transcript_ids=None) -> list[Passage]:
    """The sentences of the expert's speech in the project's transcripts (two queries)."""
    transcripts = Transcript.objects.filter(project=project)
    if transcript_ids is not None:
        transcripts = transcripts.filter(pk__in=transcript_ids)
    texts = {pk: (text, expert) for pk, text, expert in transcripts.values_list("id", "text", "expert_speaker")}
    found = []
    for transcript_id, start, end, speaker in (
            Turn.objects.filter(transcript_id__in=list(texts)).order_by("transcript_id", "number")
            .values_list("transcript_id", "start", "end", "speaker")):
        text, expert = texts[transcript_id]
        if expert and speaker != expert:
            continue
        found.extend(Passage(transcript_id, s, e, text[s:e]) for s, e in sentences_in(text, start, end))
    return found


def _covers(passage: Passage, ranges: list[Range]) -> bool:
    """Whether a segment covers half the sentence, or the sentence holds half the segment."""
    for start, end in ranges:
        shared = min(end, passage.end) - max(start, passage.start)
        if shared > 0 and (2 * shared >= passage.end - passage.start or 2 * shared >= end - start):
            return True
    return False


def _touches(passage: Passage, ranges: list[Range]) -> bool:
    return any(start < passage.end and passage.start < end for start, end in ranges)


def coded_ranges(*, project: Project, code_ids, coder_id: int | None = None) -> dict[int, dict[int, list[Range]]]:
    """code id -> transcript id -> the (start, end) of its live segments (one query)."""
    rows = Coding.objects.filter(tag_id__in=list(code_ids), content_object__project=project,
                                 content_object__deleted_at__isnull=True)
    if coder_id is not None:
        rows = rows.filter(content_object__coder_id=coder_id)
    ranges: dict[int, dict[int, list[Range]]] = defaultdict(lambda: defaultdict(list))
    for code_id, transcript_id, start, end in rows.values_list("tag_id", "content_object__transcript_id",
                                                              "content_object__start", "content_object__end"):
        ranges[code_id][transcript_id].append((start, end))
    return ranges


def coded_transcripts(*, project: Project, coder_id: int | None = None) -> set[int]:
    """The transcripts with at least one live segment (by the coder, when given): only
    there does an uncoded sentence say "not this code"."""
    rows = Coding.objects.filter(content_object__project=project, content_object__deleted_at__isnull=True)
    if coder_id is not None:
        rows = rows.filter(content_object__coder_id=coder_id)
    return set(rows.values_list("content_object__transcript_id", flat=True).distinct())


def code_definition(code: Code) -> str:
    return "\n".join(part for part in (code.description, code.inclusion, code.example) if part.strip())


@dataclass
class Suggestions:
    engine: SuggestionEngine
    suggestions: list[Suggestion]
    examples: int   # the coded sentences the engine learned from


def suggestions_for_code(*, project: Project, code: Code, transcript: Transcript | None = None, limit: int = 20,
                         engine: SuggestionEngine | None = None) -> Suggestions:
    """The sentences likeliest to belong to `code` among those not coded with it yet and
    not rejected for it, best first, each with its reason. Learned from every coder's
    segments of the code; rejected suggestions count as examples of what it is not.
    Nothing is written. A fixed number of queries, whatever the project's size."""
    engine = engine or default_engine()
    every = passages(project=project)
    ranges = coded_ranges(project=project, code_ids=[code.pk])[code.pk]
    coded = coded_transcripts(project=project)
    rejected = {(t, s, e): q for t, s, e, q in SuggestionRejection.objects.filter(code=code)
                .values_list("transcript_id", "start", "end", "quote")}
    positives, negatives, candidates = [], [], []
    for passage in every:
        mine = ranges.get(passage.transcript_id, [])
        if _covers(passage, mine):
            positives.append(passage)
            continue
        if passage.key in rejected:
            negatives.append(passage)
            continue
        if passage.transcript_id in coded and not _touches(passage, mine):
            negatives.append(passage)
        if not _touches(passage, mine) and (transcript is None or passage.transcript_id == transcript.pk):
            candidates.append(passage)
    training = Training(positives=positives, negatives=negatives, definition=code_definition(code),
                        exclusion=code.exclusion)
    ranked = engine.rank(training, candidates)[:limit]
    return Suggestions(engine=engine, suggestions=ranked, examples=len(positives))


@dataclass
class HeldOut:
    """The engine as a coder of one code: its decision on every sentence of every
    transcript the human coded, each transcript held out of the training in turn, beside
    the human's decision, and how the human's passages ranked."""

    code: Code
    examples: int                      # sentences the human coded with the code
    human: list[bool]
    engine: list[bool]
    precision_at_10: float | None      # share of the 10 best-ranked held-out sentences that the human coded,
                                       # averaged over held-out transcripts with any such sentence

    @property
    def counts(self) -> tuple[int, int, int, int]:
        """(both coded, engine only, human only, neither)."""
        both = sum(1 for h, e in zip(self.human, self.engine) if h and e)
        engine_only = sum(1 for h, e in zip(self.human, self.engine) if e and not h)
        human_only = sum(1 for h, e in zip(self.human, self.engine) if h and not e)
        return both, engine_only, human_only, len(self.human) - both - engine_only - human_only

    @property
    def precision(self) -> float | None:
        both, engine_only, _, _ = self.counts
        return both / (both + engine_only) if both + engine_only else None

    @property
    def recall(self) -> float | None:
        both, _, human_only, _ = self.counts
        return both / (both + human_only) if both + human_only else None


def engine_held_out(*, project: Project, coder_id: int, codes=None, engine: SuggestionEngine | None = None,
                    progress=None) -> list[HeldOut]:
    """For each code (all the project's live codes, or those given), hold out one of the
    coder's transcripts at a time, train on the coder's other transcripts and let the
    engine decide every sentence of the held-out one. Five queries for any number of
    codes; the cost is the engine's (one fit per code and transcript).
    `progress(done, total)`, if given, is called after each code."""
    engine = engine or default_engine()
    if codes is None:
        codes = list(Code.objects.filter(project=project, deleted_at__isnull=True).order_by("position", "name"))
    coded = coded_transcripts(project=project, coder_id=coder_id)
    every = passages(project=project, transcript_ids=coded)
    by_transcript: dict[int, list[Passage]] = defaultdict(list)
    for passage in every:
        by_transcript[passage.transcript_id].append(passage)
    ranges = coded_ranges(project=project, code_ids=[c.pk for c in codes], coder_id=coder_id)
    results = []
    for code in codes:
        mine = ranges.get(code.pk, {})
        labels = {p.key: _covers(p, mine.get(p.transcript_id, [])) for p in every}
        human, decided, precisions = [], [], []
        for held in sorted(by_transcript):
            training = Training(
                positives=[p for p in every if p.transcript_id != held and labels[p.key]],
                negatives=[p for p in every if p.transcript_id != held and not labels[p.key]],
                definition=code_definition(code), exclusion=code.exclusion)
            ranked = engine.rank(training, by_transcript[held])
            decision = {s.passage.key: s.score >= engine.threshold for s in ranked}
            for passage in by_transcript[held]:
                human.append(labels[passage.key])
                decided.append(decision[passage.key])
            if any(labels[p.key] for p in by_transcript[held]):
                top = ranked[:10]
                precisions.append(sum(labels[s.passage.key] for s in top) / len(top))
        results.append(HeldOut(code=code, examples=sum(labels.values()), human=human, engine=decided,
                               precision_at_10=sum(precisions) / len(precisions) if precisions else None))
        if progress:
            progress(len(results), len(codes))
    return results
