"""Reads for the project home and the history of one object: they gather what every app
holds, which is why they live on the top floor."""
from __future__ import annotations

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from apps.cases.models import Case
from apps.coding.models import Code, Comment, Segment
from apps.coding.selectors import code_tree
from apps.comparison.tour import method_tour
from apps.projects.history import TARGET_TYPES, target_history
from apps.projects.models import Activity, Project
from apps.projects.state import analysis_stamp, cached_by_state
from apps.transcripts.selectors import transcripts_for_project


def project_home(*, project: Project) -> dict:
    """What the project home page shows. Everything but the cases' own rows is kept in the
    analysis cache for the project's state (`analysis_stamp`, one query: every write records
    an Activity, which is what the analysis cache rests on already), so a home page of an
    unchanged project reads the state and the cases only, whatever the project's size. The
    cases and their attribute values are read each time: those change without an Activity."""
    stamp = analysis_stamp(project)
    return {
        "project": project,
        **cached_by_state(project, ("project-home",), lambda: _project_contents(project, stamp), stamp=stamp),
        "cases": list(Case.objects.filter(project=project).prefetch_related("values__attribute")),
    }


def _project_contents(project: Project, stamp: str) -> dict:
    segments = (Segment.objects.filter(transcript=OuterRef("pk")).order_by().values("transcript")
                .annotate(n=Count("pk")).values("n"))
    transcripts = list(transcripts_for_project(project=project)
                       .annotate(n_segments=Coalesce(Subquery(segments), 0)))
    return {
        "transcripts": transcripts,
        "codes": code_tree(project=project),
        "n_segments": sum(t.n_segments for t in transcripts),  # every segment stands in one of them
        "open_comments": Comment.objects.filter(project=project, resolved_at__isnull=True, parent__isnull=True).count(),
        "recent": list(Activity.objects.filter(project=project).select_related("actor")[:8]),
        "members": list(project.memberships.select_related("user")),
        "tour": method_tour(project=project, stamp=stamp),
    }


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
