"""Reads for project pages."""
from __future__ import annotations

from django.db.models import Case as DbCase
from django.db.models import Count, Q, QuerySet, When

from .models import Membership, Project, Role


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


CODING_ROLES = (Role.OWNER, Role.CODER)


def primary_coder(*, project: Project) -> tuple[int, str] | None:
    """(user id, username) of the coder whose codings the appendix, the matrix and the
    comparison use by default: the project's primary-coder setting while that user is still
    a member who can code, else the project's first owner. One query; the one place this
    rule lives (the coding filter built on it is apps.coding.selectors.primary_codings)."""
    owners = Q(role=Role.OWNER)
    chosen = Q(user_id=project.primary_coder_id, role__in=CODING_ROLES) if project.primary_coder_id else Q(pk=None)
    return (Membership.objects.filter(owners | chosen, project=project)
            .annotate(rank=DbCase(When(chosen, then=0), default=1))
            .order_by("rank", "created_at", "id").values_list("user_id", "user__username").first())


def coding_members(*, project: Project) -> list[tuple[int, str]]:
    """The members who can code (owners and coders), (id, username) by name: whom the
    primary-coder setting may name. One query."""
    return list(Membership.objects.filter(project=project, role__in=CODING_ROLES)
                .order_by("user__username").values_list("user_id", "user__username"))
