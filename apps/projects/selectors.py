"""Reads for project pages."""
from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from .models import Membership, Project


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


def members_page(*, project: Project) -> list[Membership]:
    """The team, each member with the number of segments they coded here (one query)."""
    return list(
        project.memberships.select_related("user")
        .annotate(n_segments=Count("user__segments", distinct=True,
                                   filter=Q(user__segments__project=project,
                                            user__segments__deleted_at__isnull=True)))
        .order_by("user__username")
    )
