"""JSON API of the projects app: a project's settings under /api/projects/{slug}/ (the
primary coder), and a job's progress under /api/jobs/, which the page that started the job
polls until it ends.

Members read the primary coder; owners change it. A user who is not an owner or coder of
the project is refused with a 422 and the reason (apps.projects.services.project_primary_coder_set).
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from ninja import Field, Router, Schema

from .access import OWN, READ, project_for
from .inputs import Id
from .responses import WRITE_ERRORS, ErrorOut
from .selectors import job_for_user, job_json, primary_coder
from .services import project_primary_coder_set

router = Router(tags=["projects"])
jobs_router = Router(tags=["jobs"])


class PrimaryCoderOut(Schema):
    user_id: int | None = Field(description="The primary coder; null only in a project without an owner.")
    username: str
    chosen: bool = Field(description="False while nobody is named and the first owner counts.")


class PrimaryCoderIn(Schema):
    user_id: Id | None = Field(description="An owner or coder of the project; null: the first owner again.")


class JobOut(Schema):
    id: int
    kind: str
    label: str
    status: str  # queued | running | done | failed
    step: str  # what is being done now
    done: int
    total: int
    percent: int
    reason: str  # why it failed, for the user
    seconds_left: int | None = Field(description="An estimate of the running step's time left, from its pace so far; "
                                                 "null until there is a pace.")
    finished: bool
    project: str | None  # the slug of the project it works on or made


def _primary_out(project) -> PrimaryCoderOut:
    primary = primary_coder(project=project)
    return PrimaryCoderOut(user_id=primary[0] if primary else None, username=primary[1] if primary else "",
                           chosen=bool(primary and primary[0] == project.primary_coder_id))


@router.get("{slug}/primary-coder", response={200: PrimaryCoderOut, 404: ErrorOut})
def primary_coder_get(request, slug: str):
    """Whose codings the appendix, the matrix and the comparison use by default."""
    return _primary_out(project_for(request.user, slug, READ))


@router.put("{slug}/primary-coder", response={200: PrimaryCoderOut, **WRITE_ERRORS})
def primary_coder_put(request, slug: str, payload: PrimaryCoderIn):
    """Name the primary coder (owners only)."""
    project = project_for(request.user, slug, OWN)
    user = None
    if payload.user_id is not None:
        user = get_user_model().objects.filter(pk=payload.user_id, memberships__project=project).first()
        if user is None:
            raise ValidationError({"user_id": "No such user in this project."})
    project_primary_coder_set(project=project, user=user, actor=request.user)
    return _primary_out(project)


@jobs_router.get("/jobs/{job_id}", response={200: JobOut, 404: ErrorOut})
def job_detail(request, job_id: Id):
    """How far one of the user's jobs got (two queries: the session's user, the job)."""
    job = job_for_user(user=request.user, job_id=job_id)
    return job_json(job)
