"""Reads for the project home and the history of one object: they gather what every app
holds, which is why they live on the top floor."""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.db.models import F

from apps.cases.models import Case
from apps.coding.models import Code, Coding, Comment, Segment
from apps.coding.selectors import NOT_SEGMENT_WRITES, code_tree
from apps.comparison.tour import method_tour, tour_writes
from apps.projects.history import TARGET_TYPES, target_history
from apps.projects.compiled import execute_prepared
from apps.projects.models import Activity, Project
from apps.projects.state import (CACHE_SECONDS, cached_by_state, cached_many_by_state, project_state,
                                 state_prefix, text_aggregate)
from apps.transcripts.models import Transcript
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
    seen_key = f"project-home-seen:{state_prefix(project)}"
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


def _counts_sql(project_id: int, transcripts_sql: str, params: list) -> tuple[str, list]:
    """SQL giving, as one text, the segments (not in the trash) of each transcript that
    `transcripts_sql` names (one column, `transcript`; with `params`) and those of each code in it:
    "transcript:segments:code=segments code=segments,..." (`_transcript_counts` reads it).
    Each transcript is counted on its own from the index of the live segments. Written SQL,
    so that it can ride in the state's query (`_recounted_since`)."""
    segment, coding = Segment._meta.db_table, Coding._meta.db_table
    live = "s.project_id = %s AND s.deleted_at IS NULL AND s.transcript_id = named.transcript"
    per_code = (f"SELECT c.tag_id, COUNT(*) AS n FROM {segment} s JOIN {coding} c ON c.content_object_id = s.id "
                f"WHERE {live} GROUP BY c.tag_id")
    codes = text_aggregate("k.tag_id || '=' || k.n", " ")
    each = (f"named.transcript || ':' || (SELECT COUNT(*) FROM {segment} s WHERE {live}) || ':' || "
            f"(SELECT {codes} FROM ({per_code}) k)")
    return f"SELECT {text_aggregate(each)} FROM ({transcripts_sql}) named", [project_id, project_id, *params]


def _segment_counts(project_id: int, transcripts: list[int]) -> dict[int, TranscriptCounts]:
    """The numbers of `_counts_sql` for these transcripts, in one query; none for none."""
    if not transcripts:
        return {}
    named = (f"SELECT id AS transcript FROM {Transcript._meta.db_table} WHERE project_id = %s "
             f"AND id IN ({', '.join(['%s'] * len(transcripts))})")
    sql, params = _counts_sql(project_id, named, [project_id, *transcripts])
    with connection.cursor() as cursor:
        execute_prepared(cursor, sql, params)
        counted = _transcript_counts(cursor.fetchone()[0])
    return {pk: counted.get(pk, TranscriptCounts(segments=0, codes={})) for pk in transcripts}


def _recounted_since(project_id: int, seen: int) -> tuple[str, list]:
    """`_counts_sql` for `project_state(along=...)`: the transcript of the latest segment's
    write after `seen` (an activity id), if any. One transcript, not every one written
    since: with a bound the planner can see, the statement keeps one plan (with "id > seen"
    alone PostgreSQL planned it anew on every run, 1.2 ms)."""
    latest = (f"SELECT a.segment_transcript AS transcript FROM {Activity._meta.db_table} a WHERE a.project_id = %s "
              "AND a.id > %s AND a.segment_transcript IS NOT NULL ORDER BY a.id DESC LIMIT 1")
    return _counts_sql(project_id, latest, [project_id, seen])


def _transcript_counts(text: str) -> dict[int, TranscriptCounts]:
    """The numbers that `_counts_sql` read, by transcript."""
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
