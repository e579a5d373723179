"""Reads for project pages."""
from __future__ import annotations

from django.db.models import Case as DbCase
from django.db.models import Count, Q, QuerySet, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .compiled import CompiledRead
from .models import Job, Membership, Project, Role


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


def _primary_coder_query(*, project: int, chosen: int | None = None) -> QuerySet:
    owners = Q(role=Role.OWNER)
    picked = Q(user_id=chosen, role__in=CODING_ROLES) if chosen is not None else Q(pk=None)
    return (Membership.objects.filter(owners | picked, project_id=project)
            .annotate(rank=DbCase(When(picked, then=0), default=1))
            .order_by("rank", "created_at", "id").values_list("user_id", "user__username")[:1])


# Compiled once per shape (with a chosen coder's id or without: CompiledRead compiles once per
# set of values given): compiling it took longer than running it, on every appendix export
# and agreement page (#19).
_PRIMARY_CODER = CompiledRead(_primary_coder_query)


def primary_coder(*, project: Project) -> tuple[int, str] | None:
    """(user id, username) of the coder whose codings the appendix, the matrix and the
    comparison use by default: the project's primary-coder setting while that user is still
    a member who can code, else the project's first owner. One query; the one place this
    rule lives (the coding filter built on it is apps.coding.selectors.primary_codings)."""
    chosen = project.primary_coder_id
    rows = _PRIMARY_CODER.rows(project=project.pk, **({"chosen": chosen} if chosen else {}))
    return rows[0] if rows else None


def coding_members(*, project: Project) -> list[tuple[int, str]]:
    """The members who can code (owners and coders), (id, username) by name: whom the
    primary-coder setting may name. One query."""
    return list(Membership.objects.filter(project=project, role__in=CODING_ROLES)
                .order_by("user__username").values_list("user_id", "user__username"))


def job_for_user(*, user, job_id: int) -> Job:
    """The user's own job (404 for anyone else's: a job's file and reason are theirs)."""
    return get_object_or_404(Job.objects.select_related("project"), pk=job_id, user=user)


def jobs_for_user(*, user, kind: str, limit: int = 10) -> list[Job]:
    """The user's latest jobs of a kind, newest first, with their projects (one query)."""
    return list(Job.objects.filter(user=user, kind=kind).select_related("project")[:limit])


def job_seconds_left(job: Job, now=None) -> int | None:
    """The time the running step still needs, at the pace of its part done so far; None
    before there is a pace to go by (nothing done yet, no count, or a job not running)."""
    if job.status != Job.Status.RUNNING or not job.total or not job.done or job.step_started_at is None:
        return None
    elapsed = ((now or timezone.now()) - job.step_started_at).total_seconds()
    return max(0, round(elapsed * (job.total - job.done) / job.done))


def job_json(job: Job) -> dict:
    """What the polling page reads: where the job is, and how it ended."""
    percent = 100 if job.status == Job.Status.DONE else (round(100 * job.done / job.total) if job.total else 0)
    return {"id": job.pk, "kind": job.kind, "label": job.label, "status": job.status, "step": job.step,
            "done": job.done, "total": job.total, "percent": min(percent, 100), "reason": job.reason,
            "seconds_left": job_seconds_left(job),
            "finished": job.status in (Job.Status.DONE, Job.Status.FAILED),
            "project": job.project.slug if job.project_id and job.project else None}
