"""The task queue with a real worker process (`manage.py db_worker`, as `make run` and a
deployment start it) against the test database: PostgreSQL only, since the worker and this
process need one database server (on SQLite the same code paths run in-process, through
the tasks_run_at_once fixture of tests/conftest.py)."""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.urls import reverse

from apps.coding.models import Segment
from apps.exports.refiqda.writer import write_qdpx
from apps.exports.services import QDPX_IMPORT, qdpx_job_create, qdpx_jobs_requeue_abandoned
from apps.projects.models import Job, Project

from tests.test_production import database_url, on_postgres

BASE_DIR = Path(settings.BASE_DIR)


@pytest.fixture
def queued_in_database(settings):
    """Tasks go to the database queue, for the worker process to run."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def start_worker() -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "CASECODER_TASKS_BACKEND"}
    env.update(DATABASE_URL=database_url(), CONN_MAX_AGE="0", DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.Popen([sys.executable, "manage.py", "db_worker", "--interval", "0.1", "--no-startup-delay",
                             "--no-reload"],
                            cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture
def worker():
    processes = []

    def start():
        processes.append(start_worker())
        return processes[-1]

    yield start
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait(10)


def wait_for(condition, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("gave up waiting")


def ended(job: Job) -> Job | None:
    job.refresh_from_db()
    return job if job.status in (Job.Status.DONE, Job.Status.FAILED) else None


def qdpx(project) -> bytes:
    out = io.BytesIO()
    write_qdpx(project, out)
    return out.getvalue()


@on_postgres
def test_an_import_killed_mid_way_stores_nothing_and_succeeds_when_run_again(transactional_db, queued_in_database,
                                                                             worker, coded, outsider):
    job = qdpx_job_create(user=outsider, data=qdpx(coded["project"]), filename="study.qdpx", project_name="Killed")
    # Another session holds the projects table, so the import waits inside its transaction
    # at its first write, the new project; the worker is killed there.
    blocker = psycopg.connect(database_url().replace("postgres://", "postgresql://"))
    blocker.execute("LOCK TABLE projects_project IN SHARE MODE")
    process = worker()
    wait_for(lambda: Job.objects.filter(pk=job.pk, step="Storing the project").exists())
    time.sleep(0.5)
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    # The server ends the dead worker's session (as it does when it notices the closed
    # socket), which rolls its transaction back.
    blocker.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'")
    blocker.rollback()
    blocker.close()
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and not Project.objects.filter(name="Killed").exists()

    requeued = qdpx_jobs_requeue_abandoned(older_than=timedelta(0))
    assert [j.pk for j in requeued] == [job.pk]
    worker()
    job = wait_for(lambda: ended(job))
    assert job.status == Job.Status.DONE and job.attempts == 2, job.reason
    assert Project.objects.filter(name="Killed").count() == 1 and job.project.name == "Killed"
    segments = Segment.objects.filter(project=coded["project"]).count()
    assert Segment.objects.filter(project=job.project).count() == segments  # once, not twice
    assert f"{segments} segments" in job.result["summary"]


@on_postgres
def test_a_failed_import_shows_its_reason(transactional_db, queued_in_database, worker, outsider, client_for):
    job = qdpx_job_create(user=outsider, data=b"not a zip", filename="broken.qdpx")
    worker()
    job = wait_for(lambda: ended(job))
    assert job.status == Job.Status.FAILED and "not a zip archive" in job.reason
    page = client_for(outsider).get(reverse("qdpx_job", args=[job.pk])).content.decode()
    assert "Not imported" in page and "not a zip archive" in page


@on_postgres
def test_two_imports_queued_together_run_one_after_the_other(transactional_db, queued_in_database, worker, coded,
                                                            outsider):
    data = qdpx(coded["project"])
    first = qdpx_job_create(user=outsider, data=data, filename="study.qdpx", project_name="Twice")
    second = qdpx_job_create(user=outsider, data=data, filename="study.qdpx", project_name="Twice")
    worker()
    first, second = wait_for(lambda: ended(first)), wait_for(lambda: ended(second))
    assert (first.status, second.status) == (Job.Status.DONE, Job.Status.DONE), (first.reason, second.reason)
    assert first.project != second.project and first.finished_at <= second.finished_at
    assert Project.objects.filter(name="Twice").count() == 2
    assert Job.objects.filter(kind=QDPX_IMPORT, user=outsider).count() == 2


@on_postgres
def test_a_long_text_is_indexed_for_the_search_by_the_worker(transactional_db, queued_in_database, worker, project,
                                                            owner):
    from apps.search.selectors import SEARCH_INDEX, SearchParams, search_hits, texts_being_indexed
    from tests.search.test_long_texts import hearing

    long = hearing(project, owner)  # committed: this test runs outside a transaction
    assert texts_being_indexed(project=project) == ["Hearing of 2022"]
    worker()
    job = wait_for(lambda: ended(Job.objects.get(kind=SEARCH_INDEX)))
    assert job.status == Job.Status.DONE, job.reason
    [hit] = search_hits(project=project, params=SearchParams(q="Nazarbayev")).hits
    assert (hit.transcript_id, long.text[hit.start:hit.end]) == (long.pk, "Nazarbayev")
    assert texts_being_indexed(project=project) == []


@on_postgres
def test_a_large_projects_qdpx_is_made_by_the_worker(transactional_db, queued_in_database, worker, coded, owner,
                                                     client_for):
    from apps.exports.services import EXPORT

    client = client_for(owner)
    response = client.get(reverse("exports_qdpx", args=[coded["project"].slug]), {"background": "1"})
    assert response.status_code == 302
    job = Job.objects.get(kind=EXPORT)
    assert "Being prepared" in client.get(response["Location"]).content.decode()  # no worker yet
    worker()
    job = wait_for(lambda: ended(job))
    assert job.status == Job.Status.DONE, job.reason
    file = client.get(reverse("export_job_file", args=[job.pk]))
    assert file.status_code == 200 and file.content[:2] == b"PK"
