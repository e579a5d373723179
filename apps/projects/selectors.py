"""Reads for project pages."""
from __future__ import annotations

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
