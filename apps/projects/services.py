"""Writes for projects and memberships, and the activity record every service keeps."""
from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import timedelta
from threading import local

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.utils import timezone
from django.utils.text import slugify

from .limits import DESCRIPTION, check_limits
from .models import Activity, Job, Membership, Project, Role

logger = logging.getLogger(__name__)


def activity_build(*, project: Project, actor, verb: str, target=None, target_type: str = "",
                   summary: str = "", before=None, after=None, segment_transcript: int | None = None) -> Activity:
    """The Activity that `activity_record` stores, unsaved: for `activities_record`.
    `segment_transcript`: the transcript of the one segment the write changed, and nothing
    else (Activity.segment_transcript)."""
    return Activity(
        project=project,
        actor=actor if actor is not None and actor.is_authenticated else None,
        verb=verb,
        target_type=target_type or (target._meta.model_name if target is not None else "project"),
        target_id=getattr(target, "pk", None),
        segment_transcript=segment_transcript,
        summary=summary[:300],
        before=before,
        after=after,
    )


def activity_record(**kwargs) -> Activity:
    """Record who did what; `before`/`after` are JSON snapshots for the history view.
    Takes the keywords of `activity_build`."""
    activity = activity_build(**kwargs)
    activity.save()
    return activity


def activities_record(activities: list[Activity]) -> list[Activity]:
    """Store many built activities in a few statements (a bulk write's history)."""
    return Activity.objects.bulk_create(activities, batch_size=1000)


@transaction.atomic
def project_create(*, name: str, owner, slug: str = "", description: str = "") -> Project:
    """A new project with its creator as owner."""
    check_limits(description=(description, DESCRIPTION))
    name = name.strip()
    if not name:
        raise ValidationError({"name": "A project needs a name."})
    if len(name) > Project._meta.get_field("name").max_length:
        raise ValidationError({"name": "A project name has at most 200 characters."})
    slug = slugify(slug or name)[:80]
    if not slug:
        raise ValidationError({"slug": "The name must contain letters or digits to make a web address."})
    if Project.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"A project with the address '{slug}' exists already."})
    try:
        with transaction.atomic():
            project = Project.objects.create(name=name, slug=slug, description=description, created_by=owner)
    except IntegrityError:  # created by someone else between the check and here
        raise ValidationError({"slug": f"A project with the address '{slug}' exists already."})
    Membership.objects.create(project=project, user=owner, role=Role.OWNER)
    activity_record(project=project, actor=owner, verb="created", target=project, summary=name)
    return project


@transaction.atomic
def membership_set(*, project: Project, user, role: str, actor) -> Membership:
    """Add a member or change their role; a project always keeps at least one owner."""
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}; choose one of {', '.join(Role.values)}."})
    # Lock the project: two owners demoting each other at once must not leave it without one.
    Project.objects.select_for_update().filter(pk=project.pk).first()
    membership = Membership.objects.select_for_update().filter(project=project, user=user).first()
    if membership and membership.role == Role.OWNER and role != Role.OWNER:
        if not project.memberships.filter(role=Role.OWNER).exclude(pk=membership.pk).exists():
            raise ValidationError({"role": "A project needs at least one owner."})
    before = membership.role if membership else None
    if membership is None:
        membership = Membership.objects.create(project=project, user=user, role=role)
    else:
        membership.role = role
        membership.save(update_fields=["role"])
    activity_record(project=project, actor=actor, verb="set role", target=membership,
                    summary=f"{user.username}: {role}", before={"role": before}, after={"role": role})
    return membership


@transaction.atomic
def membership_remove(*, project: Project, user, actor) -> None:
    Project.objects.select_for_update().filter(pk=project.pk).first()
    membership = Membership.objects.filter(project=project, user=user).first()
    if membership is None:
        raise ValidationError({"user": f"{user.username} is not a member of this project."})
    if membership.role == Role.OWNER and not project.memberships.filter(role=Role.OWNER).exclude(pk=membership.pk).exists():
        raise ValidationError({"user": "A project needs at least one owner."})
    membership.delete()
    activity_record(project=project, actor=actor, verb="removed member", target_type="membership",
                    summary=user.username, before={"role": membership.role})


def user_by_login(login: str):
    """A user by username or e-mail, for invitations."""
    User = get_user_model()
    login = login.strip()
    user = User.objects.filter(username=login).first() or User.objects.filter(email__iexact=login).first()
    if user is None:
        raise ValidationError({"user": f"No user with the name or e-mail {login!r}."})
    return user


@transaction.atomic
def project_settings_update(*, project: Project, actor, independent_coding: bool) -> Project:
    """Change how the team works: with independent coding on, coders change and delete
    only their own segments (enforced in apps.coding.services)."""
    locked = Project.objects.select_for_update().get(pk=project.pk)
    before = {"independent_coding": locked.independent_coding}
    locked.independent_coding = bool(independent_coding)
    locked.save(update_fields=["independent_coding", "updated_at"])
    activity_record(project=locked, actor=actor, verb="changed settings", target=locked,
                    summary=f"independent coding {'on' if locked.independent_coding else 'off'}",
                    before=before, after={"independent_coding": locked.independent_coding})
    project.independent_coding = locked.independent_coding
    return locked


@transaction.atomic
def project_primary_coder_set(*, project: Project, user, actor) -> Project:
    """Name whose codings count by default (None: the first owner again). Only a member who
    can code may be named: a reviewer's or a stranger's codings are no finding."""
    if user is not None and not project.memberships.filter(user=user, role__in=(Role.OWNER, Role.CODER)).exists():
        raise ValidationError({"primary_coder": f"{user.username} is not an owner or coder of this project."})
    locked = Project.objects.select_for_update().get(pk=project.pk)
    before = {"primary_coder": locked.primary_coder_id}
    locked.primary_coder = user
    locked.save(update_fields=["primary_coder", "updated_at"])
    activity_record(project=locked, actor=actor, verb="changed settings", target=locked,
                    summary=f"primary coder: {user.username if user else 'the first owner'}",
                    before=before, after={"primary_coder": locked.primary_coder_id})
    project.primary_coder = user
    return locked


# --- jobs: long work run by a task worker --------------------------------------------------------

def job_create(*, user, kind: str, label: str, project: Project | None = None) -> Job:
    """A job waiting for a worker; the caller enqueues the task that runs it."""
    return Job.objects.create(user=user, kind=kind, label=label[:200], project=project)


def job_start(*, job: Job) -> bool:
    """Mark a job running for one more attempt; False if it has already ended (a task run
    again after it finished does nothing). Committed at once, outside the job's own work."""
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if locked.status in (Job.Status.DONE, Job.Status.FAILED):
            return False
        locked.status, locked.attempts, locked.reason = Job.Status.RUNNING, locked.attempts + 1, ""
        locked.step, locked.done, locked.total, locked.step_started_at = "Starting", 0, 0, timezone.now()
        locked.save(update_fields=["status", "attempts", "reason", "step", "done", "total", "step_started_at",
                                   "updated_at"])
    job.status, job.attempts, job.step, job.step_started_at = locked.status, locked.attempts, locked.step, \
        locked.step_started_at
    return True


_progress_connections = local()


def _progress_connection():
    """A connection of this thread's own, so that progress written while the job's
    all-or-nothing transaction is open is seen at once by the page that polls it."""
    side = getattr(_progress_connections, "connection", None)
    if side is None:
        side = _progress_connections.connection = connections.create_connection(DEFAULT_DB_ALIAS)
    return side


def job_progress(*, job: Job, step: str, done: int = 0, total: int = 0) -> None:
    """Say how far a job got. Inside a transaction, PostgreSQL gets the row through a
    connection of its own (the job's work commits at the end, its progress at once);
    SQLite lets one writer at a time, so there the progress inside the work is kept in
    memory until the job ends (the step before the work opened its transaction stays shown)."""
    now = timezone.now()
    if step[:200] != job.step or job.step_started_at is None:
        job.step_started_at = now
    job.step, job.done, job.total = step[:200], max(0, int(done)), max(0, int(total))
    if not connection.in_atomic_block:
        Job.objects.filter(pk=job.pk).update(step=job.step, done=job.done, total=job.total,
                                             step_started_at=job.step_started_at, updated_at=now)
    elif connection.vendor == "postgresql":
        side = _progress_connection()
        with side.cursor() as cursor:
            cursor.execute(f"UPDATE {side.ops.quote_name(Job._meta.db_table)} SET step = %s, done = %s, total = %s, "
                           "step_started_at = %s, updated_at = %s WHERE id = %s",
                           [job.step, job.done, job.total, job.step_started_at, now, job.pk])


def job_progress_close() -> None:
    """Close this thread's progress connection (at the end of a job), so that no idle
    session outlives the work."""
    side = getattr(_progress_connections, "connection", None)
    if side is not None:
        side.close()
        _progress_connections.connection = None


@contextmanager
def job_work(job: Job, *, what: str, after_failure: str = "Try again, or tell the administrator."):
    """Around a job's work: an unexpected error is logged, ends the job as failed with a
    reason its user can read ("<what> stopped on an unexpected error …") and is raised again
    for the worker's record; the progress connection is closed in every case. Refusals the
    work expects are the caller's to catch inside."""
    try:
        yield
    except Exception:
        logger.exception("%s (job %s) failed unexpectedly", what, job.pk)
        job_fail(job=job, reason=f"{what} stopped on an unexpected error (it was logged). {after_failure}")
        raise
    finally:
        job_progress_close()


def job_finish(*, job: Job, result: dict, project: Project | None = None) -> Job:
    """The job is done; `result` is what its page shows (JSON). Call it inside the job's
    transaction, so that the work and its being done commit together (run again, it does
    nothing)."""
    job.status, job.result, job.finished_at = Job.Status.DONE, result, timezone.now()
    job.step, job.done = "Done", job.total or 1
    job.total = job.total or 1
    if project is not None:
        job.project = project
    job.save(update_fields=["status", "result", "finished_at", "step", "done", "total", "project", "updated_at"])
    return job


def job_fail(*, job: Job, reason: str, result: dict | None = None) -> Job:
    """The job failed and stored nothing; `reason` says why, for the user."""
    job.status, job.reason, job.finished_at = Job.Status.FAILED, reason, timezone.now()
    job.result = result or {}
    job.save(update_fields=["status", "reason", "result", "finished_at", "updated_at"])
    return job


def jobs_requeue_abandoned(*, older_than: timedelta, kind: str) -> list[Job]:
    """Jobs left running by a worker that died (no progress for `older_than`), set waiting
    again; the caller enqueues their tasks again. Safe: a job's work is all or nothing."""
    cutoff = timezone.now() - older_than
    with transaction.atomic():
        jobs = list(Job.objects.select_for_update(skip_locked=True)
                    .filter(kind=kind, status=Job.Status.RUNNING, updated_at__lt=cutoff))
        Job.objects.filter(pk__in=[j.pk for j in jobs]).update(status=Job.Status.QUEUED, step="Waiting to run again")
    return jobs
