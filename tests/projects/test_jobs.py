"""Jobs: long work a task worker runs, with its progress for the page that polls it
(GET /api/jobs/<id>). The worker itself is tested in tests/exports/test_worker.py."""
from __future__ import annotations

from apps.projects.models import Job
from apps.projects.services import job_create, job_fail, job_finish, job_progress, job_start


def test_the_owner_of_a_job_reads_its_progress(client_for, owner, django_assert_max_num_queries):
    job = job_create(user=owner, kind="qdpx_import", label="Import of study.qdpx")
    assert job_start(job=job)
    Job.objects.filter(pk=job.pk).update(step="Reading sources", done=3, total=4)
    client = client_for(owner)
    with django_assert_max_num_queries(3):  # the session, the user, the job with its project
        response = client.get(f"/api/jobs/{job.pk}")
    assert response.status_code == 200
    body = response.json()
    assert isinstance(body.pop("seconds_left"), int)  # 3 of 4 done just now: about no time left
    assert body == {"id": job.pk, "kind": "qdpx_import", "label": "Import of study.qdpx",
                    "status": "running", "step": "Reading sources", "done": 3, "total": 4,
                    "percent": 75, "reason": "", "finished": False, "project": None}


def test_a_finished_job_is_at_100_percent_and_names_its_project(client_for, owner, project):
    job = job_create(user=owner, kind="qdpx_import", label="Import")
    job_start(job=job)
    job_finish(job=job, project=project, result={"summary": "nothing"})
    body = client_for(owner).get(f"/api/jobs/{job.pk}").json()
    assert (body["status"], body["percent"], body["finished"], body["project"]) == ("done", 100, True, project.slug)


def test_a_failed_job_says_why(client_for, owner):
    job = job_create(user=owner, kind="qdpx_import", label="Import")
    job_start(job=job)
    job_fail(job=job, reason="The file is not a zip archive.")
    body = client_for(owner).get(f"/api/jobs/{job.pk}").json()
    assert (body["status"], body["reason"], body["finished"]) == ("failed", "The file is not a zip archive.", True)


def test_another_users_job_is_not_found(client_for, owner, outsider):
    job = job_create(user=owner, kind="qdpx_import", label="Import")
    response = client_for(outsider).get(f"/api/jobs/{job.pk}")
    assert response.status_code == 404 and "detail" in response.json()


def test_a_job_id_out_of_range_is_a_422(client_for, owner):
    assert client_for(owner).get(f"/api/jobs/{2**64}").status_code == 422


def test_a_job_that_ended_is_not_started_again(owner):
    job = job_create(user=owner, kind="qdpx_import", label="Import")
    assert job_start(job=job)
    job_fail(job=job, reason="No.")
    assert not job_start(job=job)
    assert Job.objects.get(pk=job.pk).attempts == 1


def test_progress_outside_a_transaction_is_stored_at_once(transactional_db, owner):
    job = job_create(user=owner, kind="qdpx_import", label="Import")
    job_start(job=job)
    job_progress(job=job, step="Reading sources", done=2, total=7)
    assert Job.objects.values_list("step", "done", "total").get(pk=job.pk) == ("Reading sources", 2, 7)


def test_the_time_left_is_estimated_from_the_pace_of_the_running_step(owner):
    from datetime import timedelta

    from apps.projects.selectors import job_seconds_left

    job = job_create(user=owner, kind="qdpx_import", label="Import")
    job_start(job=job)
    job_progress(job=job, step="Storing segments", done=0, total=400)
    assert job_seconds_left(job) is None  # no pace yet
    began = job.step_started_at
    job_progress(job=job, step="Storing segments", done=100, total=400)
    assert job.step_started_at == began  # the same step goes on
    assert job_seconds_left(job, now=began + timedelta(seconds=10)) == 30  # 100 in 10 s, 300 to go
    job_progress(job=job, step="Refreshing case memberships", done=1, total=4)
    assert job.step_started_at > began  # a new step, a new pace
    job_finish(job=job, result={})
    assert job_seconds_left(job) is None


def test_an_unexpected_error_in_a_jobs_work_fails_it_with_a_readable_reason_and_is_raised_again(owner):
    import pytest

    from apps.projects.services import job_work

    job = job_create(user=owner, kind="export", label="Export")
    job_start(job=job)
    with pytest.raises(ZeroDivisionError), job_work(job, what="The export", after_failure="Try once more."):
        job_progress(job=job, step="Writing", done=1, total=2)
        1 / 0
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.reason == "The export stopped on an unexpected error (it was logged). Try once more."
