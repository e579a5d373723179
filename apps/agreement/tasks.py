"""Tasks of the agreement app, run by the task worker (Django's tasks framework, DESIGN.md):
the suggestion engine judged as a coder, off the request, with its progress in a Job."""
from __future__ import annotations

from django_tasks import task

from apps.projects.models import Job

from .services import engine_agreement_job_run


@task()
def engine_agreement_task(*, job_id: int) -> None:
    job = Job.objects.filter(pk=job_id).select_related("project").first()
    if job is not None:
        engine_agreement_job_run(job=job)
