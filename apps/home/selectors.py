"""Reads for the project home and the history of one object: they gather what every app
holds, which is why they live on the top floor."""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, F, Value

from apps.cases.models import Case
from apps.coding.models import Code, Coding, Comment, Segment
from apps.coding.selectors import NOT_SEGMENT_WRITES, code_tree
from apps.comparison.tour import method_tour, tour_writes
from apps.projects.history import TARGET_TYPES, target_history
from apps.projects.compiled import CompiledRead
from apps.projects.models import Activity, Project
from apps.projects.state import (CACHE_SECONDS, cached_by_state, cached_many_by_state, project_state,
                                 text_aggregate)
from apps.transcripts.selectors import transcripts_for_project


def project_home(*, project: Project) -> dict:
    """What the project home page shows, kept for the project's state, each part under the
    stamp of the writes that can change it (every write records an Activity): the
    transcripts, codebook, open comments and cases until a write that is not a segment's;
    each transcript's numbers of segments until a write of its segments (or one that is not
    a segment's); the tour until one `tour_writes` names. The numbers of the transcript
    written last since this process's last read of the home are counted again in the
    state's query (`_recounted_since`). So a home read right after a passage is coded or
    trashed is that one query, whatever the project's size; a second one counts what that
    did not (other transcripts written since, a write that is not a segment's)."""
    seen_key = f"project-home-seen:{project.pk}"
    seen = cache.get(seen_key, 0)
    state = project_state(project, kinds={"listing": NOT_SEGMENT_WRITES, "tour": tour_writes(project)}, recent=8,
                          along={"counts": _recounted_since(project.pk, seen)})
    latest = max((activity.pk for activity in state.recent), default=seen)
    if latest > seen:
        cache.set(seen_key, latest, CACHE_SECONDS)
    recounted = _transcript_counts(state.along["counts"])
    listing = cached_by_state(project, ("project-home",), lambda: _listing(project), stamp=state.of["listing"])
    counted = cached_many_by_state(
        {t["pk"]: (("project-home-counts", t["pk"]), state.of_transcript(t["pk"])) for t in listing["transcripts"]},
        lambda transcripts: {**_segment_counts(project.pk, [t for t in transcripts if t not in recounted]),
                             **{t: recounted[t] for t in transcripts if t in recounted}})
    per_transcript = {pk: counts.segments for pk, counts in counted.items()}
    per_code = Counter()
    for counts in counted.values():
        per_code.update(counts.codes)
    return {
        "project": project,
        "transcripts": [{**t, "n_segments": per_transcript.get(t["pk"], 0)} for t in listing["transcripts"]],
        "codes": [{**c, "segments": per_code.get(c["pk"], 0)} for c in listing["codes"]],
        "n_segments": sum(per_transcript.values()),
        "open_comments": listing["open_comments"],
        "cases": listing["cases"],
        "recent": state.recent,
        "tour": method_tour(project=project, stamp=state.of["tour"]),
        # What the page's lists show, for its cached rendering: a write that leaves them as
        # they were (a passage coded, then deleted again) renders nothing anew.
        "shown": hashlib.sha256(repr((state.of["listing"], state.of["tour"], sorted(per_transcript.items()),
                                      sorted(per_code.items()))).encode()).hexdigest(),
    }


def _listing(project: Project) -> dict:
    """The parts of the home that coding, editing or trashing a segment leaves as they are."""
    return {
        "transcripts": list(transcripts_for_project(project=project)
                            .values("pk", "title", expert_pseudonym=F("expert__pseudonym"))),
        "codes": [{"pk": node.code.pk, "name": node.code.name, "colour": node.code.colour, "depth": node.depth}
                  for node in code_tree(project=project, counts=False)],
        "open_comments": Comment.objects.filter(project=project, resolved_at__isnull=True, parent__isnull=True).count(),
        # Plain values: kept in the cache, they are copied on every read.
        "cases": [{"name": case.name, "values": [(v.attribute.name, v.value) for v in case.values.all()]}
                  for case in Case.objects.filter(project=project).prefetch_related("values__attribute")],
    }


@dataclass(frozen=True)
class TranscriptCounts:
    """One transcript's segments not in the trash, and those of each code (by id)."""
    segments: int
    codes: dict[int, int]


def _segment_counts_query(project: int, transcripts: list[int]):
    per_transcript = (Segment.objects.filter(project=project, transcript_id__in=transcripts).order_by()
                      .values("transcript_id").annotate(n=Count("id"), kind=Value("transcript"))
                      .values_list("kind", "transcript_id", "transcript_id", "n"))
    per_code = (Coding.objects.filter(content_object__deleted_at__isnull=True, content_object__project=project,
                                      content_object__transcript_id__in=transcripts)
                .order_by().values("content_object__transcript_id", "tag_id")
                .annotate(n=Count("id"), kind=Value("code"))
                .values_list("kind", "content_object__transcript_id", "tag_id", "n"))
    return per_transcript.union(per_code, all=True)


_SEGMENT_COUNTS = CompiledRead(_segment_counts_query)


def _segment_counts(project_id: int, transcripts: list[int]) -> dict[int, TranscriptCounts]:
    """The segments (not in the trash) of each of these transcripts and of each code in
    it, in one query (compiled once); none for no transcripts."""
    if not transcripts:
        return {}
    segments, codes = dict.fromkeys(transcripts, 0), {pk: {} for pk in transcripts}
    for kind, transcript, pk, n in _SEGMENT_COUNTS.rows(project=project_id, transcripts=list(transcripts)):
        if kind == "transcript":
            segments[transcript] = n
        else:
            codes[transcript][pk] = n
    return {pk: TranscriptCounts(segments=segments[pk], codes=codes[pk]) for pk in transcripts}


def _recounted_since(project_id: int, seen: int) -> tuple[str, list]:
    """SQL for `project_state(along=...)`: the counts of `_segment_counts` for the
    transcript of the latest segment's write after `seen` (an activity id), if any, as one
    text: "transcript:segments:code=segments code=segments". Written SQL, to ride in the
    state's query; counted from the index of the live segments. One transcript, not every
    one written since: with a bound the planner can see, the statement keeps one plan
    (with "id > seen" alone PostgreSQL planned it anew on every run, 1.2 ms)."""
    activity, segment, coding = Activity._meta.db_table, Segment._meta.db_table, Coding._meta.db_table
    live = "s.project_id = %s AND s.deleted_at IS NULL AND s.transcript_id = written.transcript"
    per_code = (f"SELECT c.tag_id, COUNT(*) AS n FROM {segment} s JOIN {coding} c ON c.content_object_id = s.id "
                f"WHERE {live} GROUP BY c.tag_id")
    codes = text_aggregate("k.tag_id || '=' || k.n", " ")
    each = (f"written.transcript || ':' || (SELECT COUNT(*) FROM {segment} s WHERE {live}) || ':' || "
            f"(SELECT {codes} FROM ({per_code}) k)")
    latest = (f"SELECT a.segment_transcript AS transcript FROM {activity} a WHERE a.project_id = %s AND a.id > %s "
              "AND a.segment_transcript IS NOT NULL ORDER BY a.id DESC LIMIT 1")
    return (f"SELECT {text_aggregate(each)} FROM ({latest}) written",
            [project_id, project_id, project_id, seen])


def _transcript_counts(text: str) -> dict[int, TranscriptCounts]:
    """The counts that `_recounted_since` read, by transcript."""
    counted = {}
    for row in filter(None, text.split(",")):
        transcript, segments, codes = row.split(":")
        counted[int(transcript)] = TranscriptCounts(segments=int(segments), codes={
            int(code): int(n) for code, n in (pair.split("=") for pair in codes.split())})
    return counted


def target_history_page(*, project: Project, target_type: str, target_id: int) -> dict | None:
    """The recorded changes of one segment, code, case ... (`target_type`: a key of
    TARGET_TYPES) and, for a segment or a code, the object as it is now (a segment also from
    the trash). None when nothing of it is known in this project."""
    entries = target_history(project=project, target_type=target_type, target_id=target_id)
    segment = code = None
    if target_type == "segment":
        segment = (Segment.all_objects.filter(project=project, pk=target_id)
                   .select_related("transcript", "coder").prefetch_related("codings__tag").first())
    elif target_type == "code":
        code = Code.objects.filter(project=project, pk=target_id).first()
    if not entries and segment is None and code is None:
        return None
    return {"entries": entries, "target_type": target_type, "target_label": TARGET_TYPES[target_type],
            "target_id": target_id, "segment": segment, "code": code}
