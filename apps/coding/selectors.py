"""Reads of the codebook and coded passages, each in a bounded number of queries.

`CASE_MEMBERSHIP` is the one case-membership rule of the design: a segment counts for
case C when it is linked to C, or overlaps a segment linked to C in the same transcript
(a case section), or its transcript is linked to C. Everything that asks "which
segments count for which case" builds on it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL

from apps.cases.models import Case
from apps.projects.models import Project
from apps.transcripts.models import Transcript

from .models import Code, Coding, Segment


def case_membership_sql() -> tuple[str, list[str]]:
    """SQL for the rows (segment_id, case_id) of one project; one parameter: the project id.

    The first branch covers direct links too, since a segment overlaps itself.
    """
    qn = connection.ops.quote_name
    seg = qn(Segment._meta.db_table)
    seg_cases = qn(Segment.cases.through._meta.db_table)
    case_transcripts = qn(Case.transcripts.through._meta.db_table)
    start, end = qn("start"), qn("end")
    sql = f"""
        SELECT s.id AS segment_id, sc.case_id AS case_id
          FROM {seg} s
          JOIN {seg} t ON t.transcript_id = s.transcript_id AND t.{start} < s.{end} AND s.{start} < t.{end}
                      AND t.deleted_at IS NULL
          JOIN {seg_cases} sc ON sc.segment_id = t.id
         WHERE s.project_id = %s AND s.deleted_at IS NULL
        UNION
        SELECT s.id AS segment_id, ct.case_id AS case_id
          FROM {seg} s
          JOIN {case_transcripts} ct ON ct.transcript_id = s.transcript_id
         WHERE s.project_id = %s AND s.deleted_at IS NULL
    """
    return sql, ["project_id", "project_id"]


def _membership(project: Project) -> tuple[str, list]:
    sql, params = case_membership_sql()
    return sql, [project.pk for _ in params]


def segment_case_pairs(*, project: Project) -> set[tuple[int, int]]:
    """Every (segment id, case id) pair of the project under the case-membership rule."""
    sql, params = _membership(project)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(row[0], row[1]) for row in cursor.fetchall()}


def segments_in_case(*, project: Project, case: Case) -> QuerySet[Segment]:
    """The segments that count for `case` (one query when evaluated)."""
    sql, params = _membership(project)
    return Segment.objects.filter(
        project=project, id__in=RawSQL(f"SELECT m.segment_id FROM ({sql}) m WHERE m.case_id = %s", [*params, case.pk])
    )


def cases_by_segment(*, project: Project, segment_ids=None) -> dict[int, list[int]]:
    """Case ids per segment id under the membership rule."""
    result: dict[int, list[int]] = {}
    wanted = set(segment_ids) if segment_ids is not None else None
    for segment_id, case_id in segment_case_pairs(project=project):
        if wanted is None or segment_id in wanted:
            result.setdefault(segment_id, []).append(case_id)
    return result


def segment_queryset(project: Project) -> QuerySet[Segment]:
    """Segments with everything a page shows about them, fetched in a fixed number of queries."""
    return (
        Segment.objects.filter(project=project)
        .select_related("coder", "transcript__expert")
        .prefetch_related(Prefetch("codings", queryset=Coding.objects.select_related("tag").order_by("tag__name")),
                          "cases")
    )


def segments_for_transcript(*, transcript: Transcript) -> list[Segment]:
    return list(segment_queryset(transcript.project).filter(transcript=transcript).order_by("start", "end", "id"))


@dataclass
class CodeNode:
    code: Code
    depth: int
    path: str
    segments: int = 0
    segments_here: int = 0
    children: list["CodeNode"] = field(default_factory=list)


def code_tree(*, project: Project, transcript: Transcript | None = None) -> list[CodeNode]:
    """The codebook in tree order (a flat, depth-annotated list), with the number of
    segments per code in the project and, if given, in one transcript."""
    alive = Q(codings__content_object__deleted_at__isnull=True)
    codes = Code.objects.filter(project=project, deleted_at__isnull=True).annotate(
        n_segments=Count("codings__content_object", filter=alive, distinct=True)
    )
    if transcript is not None:
        codes = codes.annotate(n_here=Count("codings__content_object", distinct=True,
                                            filter=alive & Q(codings__content_object__transcript=transcript)))
    codes = list(codes.order_by("position", "name"))
    by_parent: dict[int | None, list[Code]] = {}
    for code in codes:
        by_parent.setdefault(code.parent_id, []).append(code)
    flat: list[CodeNode] = []

    def walk(parent_id, depth, prefix):
        for code in by_parent.get(parent_id, []):
            path = f"{prefix} > {code.name}" if prefix else code.name
            node = CodeNode(code=code, depth=depth, path=path, segments=code.n_segments,
                            segments_here=getattr(code, "n_here", 0))
            flat.append(node)
            walk(code.pk, depth + 1, path)

    walk(None, 0, "")
    return flat


def code_paths(*, project: Project) -> dict[int, str]:
    """'Parent > Child' path of every code, by id."""
    return {node.code.pk: node.path for node in code_tree(project=project)}


def transcript_page(*, transcript: Transcript, project: Project) -> dict:
    """Turns and segments of one transcript, for the reading and coding page."""
    turns = list(transcript.turns.order_by("number"))
    for turn in turns:
        turn.text = transcript.text[turn.start:turn.end]
    return {
        "project": project,
        "transcript": transcript,
        "turns": turns,
        "segments": segments_for_transcript(transcript=transcript),
    }
