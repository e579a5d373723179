"""Tasks of the exports app, run by the task worker (Django's tasks framework, DESIGN.md):
the .qdpx import and the exports of large projects, off the request, with their progress in a Job."""
from __future__ import annotations

from django_tasks import task

from apps.projects.models import Job

from .services import export_job_run, qdpx_job_run


@task()
def qdpx_import_task(*, job_id: int, pending_id: int, skip_unplaced: bool = False) -> None:
    """Import the upload kept as PendingQdpxImport `pending_id` for Job `job_id`; run again
    (a worker died), it does the import once."""
    job = Job.objects.filter(pk=job_id).first()
    if job is not None:
        qdpx_job_run(job=job, pending_id=pending_id, skip_unplaced=skip_unplaced)


@task()
def export_task(*, job_id: int) -> None:
    """Make the file of export Job `job_id` (services.export_job_create)."""
    job = Job.objects.filter(pk=job_id).select_related("project", "user").first()
    if job is not None:
        export_job_run(job=job)
