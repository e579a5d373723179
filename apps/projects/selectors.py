"""Reads for project pages."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet

from apps.cases.models import Case
from apps.coding.models import Comment, Segment
from apps.coding.selectors import code_tree
from apps.transcripts.selectors import transcripts_for_project

from .models import Activity, Membership, Project


def projects_for_user(*, user) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user)
        .select_related("project")
        .annotate(
            n_transcripts=Count("project__transcripts", distinct=True),
            n_codes=Count("project__codes", filter=Q(project__codes__deleted_at__isnull=True), distinct=True),
            n_cases=Count("project__cases", distinct=True),
        )
        .order_by("project__name")
    )


def project_home(*, project: Project) -> dict:
    """What the project home page shows, in a fixed number of queries."""
    transcripts = list(transcripts_for_project(project=project))
    cases = list(
        Case.objects.filter(project=project)
        .annotate(n_direct=Count("segments", filter=Q(segments__deleted_at__isnull=True), distinct=True))
        .prefetch_related("values__attribute")
    )
    return {
        "project": project,
        "transcripts": transcripts,
        "codes": code_tree(project=project),
        "cases": cases,
        "n_segments": Segment.objects.filter(project=project).count(),
        "open_comments": Comment.objects.filter(project=project, resolved_at__isnull=True, parent__isnull=True).count(),
        "recent": list(Activity.objects.filter(project=project).select_related("actor")[:8]),
        "members": list(project.memberships.select_related("user")),
    }


def members_page(*, project: Project) -> list[Membership]:
    """The team, each member with the number of segments they coded here (one query)."""
    return list(
        project.memberships.select_related("user")
        .annotate(n_segments=Count("user__segments", distinct=True,
                                   filter=Q(user__segments__project=project,
                                            user__segments__deleted_at__isnull=True)))
        .order_by("user__username")
    )


def project_coders(*, project: Project) -> list:
    """Everyone who coded segments in the project (members or former members), with
    `n_segments`, ordered by name: the choices of a "show coders" filter (one query)."""
    return list(
        get_user_model().objects.filter(segments__project=project, segments__deleted_at__isnull=True)
        .annotate(n_segments=Count("segments", filter=Q(segments__project=project,
                                                        segments__deleted_at__isnull=True)))
        .order_by("username")
    )


def segments_by_coders(segments: QuerySet[Segment], coder_ids=None) -> QuerySet[Segment]:
    """Only the segments of the given coders (user ids); None or empty: everyone's.

    For the workspace's "show one coder, several or all" filter and the agreement page:
    `segments_by_coders(segment_rows(project), [3, 5])`.
    """
    ids = [int(i) for i in coder_ids or ()]
    return segments.filter(coder_id__in=ids) if ids else segments
