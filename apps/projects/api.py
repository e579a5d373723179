"""JSON API of the projects app, mounted under /api/: a job's progress, which the page
that started the job polls until it ends."""
from ninja import Router, Schema

from .inputs import Id
from .responses import ErrorOut
from .selectors import job_for_user, job_json

router = Router(tags=["jobs"])


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
    finished: bool
    project: str | None  # the slug of the project it works on or made


@router.get("/jobs/{job_id}", response={200: JobOut, 404: ErrorOut})
def job_detail(request, job_id: Id):
    """How far one of the user's jobs got (two queries: the session's user, the job)."""
    job = job_for_user(user=request.user, job_id=job_id)
    return job_json(job)
