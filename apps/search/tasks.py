"""Tasks of the search, run by the task worker (Django's tasks framework, DESIGN.md): the
index of a long text, built after its import committed."""
from __future__ import annotations

from django_tasks import task

from apps.projects.models import Job

from .services import passages_index_job_run


@task()
def passages_index_task(*, job_id: int, transcript_id: int) -> None:
    """Index transcript `transcript_id` for Job `job_id` (services.passages_index_later)."""
    job = Job.objects.filter(pk=job_id).first()
    if job is not None:
        passages_index_job_run(job=job, transcript_id=transcript_id)
