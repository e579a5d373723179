"""A .qdpx import's page in a real browser: the progress bar follows the job (polled from
/api/jobs/<id>) to 100%, and the finished page leads to the new project."""
from __future__ import annotations

import io

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from apps.exports.refiqda.writer import write_qdpx
from apps.exports.services import QDPX_IMPORT
from apps.projects.models import Job, Project
from apps.projects.services import job_create, job_finish, job_progress, job_start
from tests.browser.conftest import assert_no_console_errors

pytestmark = pytest.mark.browser


def test_the_progress_bar_follows_the_job_to_100_percent_and_finds_the_project(page, signed_in, live_server,
                                                                             outsider, other_project):
    job = job_create(user=outsider, kind=QDPX_IMPORT, label="Import of study.qdpx")
    signed_in(page, outsider)
    page.goto(live_server.url + reverse("qdpx_job", args=[job.pk]))
    assert page.locator("[data-job-bar]").get_attribute("value") == "0"
    job_start(job=job)
    job_progress(job=job, step="Reading sources", done=3, total=4)  # outside a transaction: seen at once
    expect(page.locator("[data-job-percent]")).to_have_text("75")
    expect(page.locator("[data-job-step]")).to_have_text("Reading sources: 3 of 4")
    job_finish(job=job, project=other_project,
               result={"summary": "2 transcripts, 6 segments", "notes": [], "skipped": [], "seconds": 1.2})
    page.wait_for_selector("#h-report")  # the page loads again when the job ends
    assert page.locator("progress").get_attribute("value") == "100"
    page.click("text=Open the project")
    page.wait_for_url(f"**/projects/{other_project.slug}/")
    assert_no_console_errors(page)


def test_a_qdpx_uploaded_in_the_browser_is_imported_and_listed_to_find_again(page, signed_in, live_server,
                                                                            outsider, transcript):
    out = io.BytesIO()
    write_qdpx(transcript.project, out)
    signed_in(page, outsider)
    page.goto(live_server.url + reverse("qdpx_import"))
    page.set_input_files("#id_file", {"name": "study.qdpx", "mimeType": "application/zip", "buffer": out.getvalue()})
    page.fill("#id_project_name", "Browser copy")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.wait_for_selector("#h-report")
    assert page.locator("progress").get_attribute("value") == "100"
    project = Project.objects.get(name="Browser copy")
    page.goto(live_server.url + reverse("qdpx_import"))
    assert page.locator(f"a[href='/projects/{project.slug}/']").count() == 1
    assert Job.objects.get(user=outsider).status == Job.Status.DONE
    assert_no_console_errors(page)
