"""Tasks of the media app, run by the task worker (Django's tasks framework, DESIGN.md): the
transcription of a recording, with its progress in a Job."""
from __future__ import annotations

from django_tasks import task

from apps.projects.models import Job

from .services import transcription_job_run


@task()
def transcription_task(*, job_id: int, transcript_id: int, engine: str, language: str, version: int) -> None:
    job = Job.objects.filter(pk=job_id).select_related("user").first()
    if job is not None:
        transcription_job_run(job=job, transcript_id=transcript_id, engine=engine, language=language,
                              version=version)
