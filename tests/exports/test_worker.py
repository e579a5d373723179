"""The task queue with a real worker process (`manage.py db_worker`, as `make run` and a
deployment start it) against the test database, on both databases: on SQLite the test
database is a file the worker opens too (tests/conftest.py), as `make run`'s worker opens
var/casecoder.sqlite3. A worker killed inside an import's transaction is caught there by a
lock on PostgreSQL and stopped while it holds the write lock on SQLite. Elsewhere tasks run
in the process that queues them (tasks_run_at_once)."""
from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from apps.coding.models import Segment
from apps.exports.refiqda.writer import write_qdpx
from apps.exports.services import QDPX_IMPORT, qdpx_job_create, qdpx_jobs_requeue_abandoned
from apps.projects.models import Job, Project

from tests.test_production import database_url

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


def killed_at_its_first_write_on_postgresql(job: Job, worker) -> None:
    """Another session holds the projects table, so the import waits inside its transaction
    at its first write, the new project; the worker is killed there."""
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


def sqlite_write_lock_held(path: str) -> bool:
    """Whether a connection holds the SQLite database's one write lock (a write transaction
    is open): a probe that may not wait cannot take it."""
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return True
    else:
        probe.execute("ROLLBACK")
        return False
    finally:
        probe.close()


def stopped_inside_its_transaction_on_sqlite(job: Job, process: subprocess.Popen, path: str) -> bool:
    """Stop the worker (SIGSTOP) once it holds the write lock after it said "Storing the
    project", and check that it still holds it, stopped: it is inside the import's
    transaction (its progress there is kept in memory, so nothing else of it writes). False
    if the import ended first. A transaction takes SQLite's write lock when it begins, so no
    other session can hold the worker at a write inside it, as on PostgreSQL."""
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            step, status = reader.execute(f"SELECT step, status FROM {Job._meta.db_table} WHERE id = ?",
                                          [job.pk]).fetchone()
            if status in (Job.Status.DONE, Job.Status.FAILED):
                return False
            if step == "Storing the project" and sqlite_write_lock_held(path):
                process.send_signal(signal.SIGSTOP)
                if sqlite_write_lock_held(path):
                    return True
                process.send_signal(signal.SIGCONT)  # it committed in between: look again
            time.sleep(0.0005)
        raise AssertionError("gave up waiting for the import's transaction")
    finally:
        reader.close()


def test_an_import_killed_mid_way_stores_nothing_and_succeeds_when_run_again(transactional_db, queued_in_database,
                                                                             worker, coded, outsider):
    data = qdpx(coded["project"])
    if connection.vendor == "postgresql":
        name = "Killed"
        job = qdpx_job_create(user=outsider, data=data, filename="study.qdpx", project_name=name)
        killed_at_its_first_write_on_postgresql(job, worker)
    else:
        process = worker()
        for attempt in range(1, 6):  # an import may end before the worker is caught inside it
            name = f"Killed {attempt}"
            job = qdpx_job_create(user=outsider, data=data, filename="study.qdpx", project_name=name)
            if stopped_inside_its_transaction_on_sqlite(job, process, connection.settings_dict["NAME"]):
                break
        else:
            raise AssertionError("the worker was never caught inside an import's transaction")
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and not Project.objects.filter(name=name).exists()

    requeued = qdpx_jobs_requeue_abandoned(older_than=timedelta(0))
    assert [j.pk for j in requeued] == [job.pk]
    worker()
    job = wait_for(lambda: ended(job))
    assert job.status == Job.Status.DONE and job.attempts == 2, job.reason
    assert Project.objects.filter(name=name).count() == 1 and job.project.name == name
    segments = Segment.objects.filter(project=coded["project"]).count()
    assert Segment.objects.filter(project=job.project).count() == segments  # once, not twice
    assert f"{segments} segments" in job.result["summary"]


def test_a_failed_import_shows_its_reason(transactional_db, queued_in_database, worker, outsider, client_for):
    job = qdpx_job_create(user=outsider, data=b"not a zip", filename="broken.qdpx")
    worker()
    job = wait_for(lambda: ended(job))
    assert job.status == Job.Status.FAILED and "not a zip archive" in job.reason
    page = client_for(outsider).get(reverse("qdpx_job", args=[job.pk])).content.decode()
    assert "Not imported" in page and "not a zip archive" in page


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
