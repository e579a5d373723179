"""A large project's exports are made by the task worker (issue 19): the download answers
with a job page that shows the progress and then the file, the same bytes the page would
have sent; the file is its user's alone. Here tasks run at once (tests/conftest.py), and
?background=1 asks for the worker whatever the size of the project."""
from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse
from docx import Document

from apps.exports.models import ExportFile
from apps.exports.services import APPENDIX, EXPORT, export_job_create
from apps.projects.models import Job

from .test_views import url


def follow_to_the_file(client, response):
    assert response.status_code == 302
    job = Job.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    page = client.get(response["Location"])
    assert page.status_code == 200 and "Download " in page.content.decode()
    return job, client.get(reverse("export_job_file", args=[job.pk]))


def test_the_appendix_of_a_large_project_comes_from_a_job_with_the_same_choices(coded, client_for, owner, armenia):
    client = client_for(owner)
    asked = {"format": "docx", "cases": [armenia.pk]}
    direct = client.get(url("exports_appendix", coded["project"]), asked)
    job, file = follow_to_the_file(client, client.get(url("exports_appendix", coded["project"]),
                                                      {**asked, "background": "1"}))
    assert (job.kind, job.status, job.user, job.project) == (EXPORT, Job.Status.DONE, owner, coded["project"])
    assert file["Content-Disposition"] == 'attachment; filename="csto-requests-appendix.docx"'
    quotes = [p.text for p in Document(io.BytesIO(file.content)).paragraphs if p.style.name == "Quote"]
    assert quotes == ["Nobody wanted to fight Azerbaijan."]
    assert quotes == [p.text for p in Document(io.BytesIO(direct.content)).paragraphs if p.style.name == "Quote"]


def test_the_qdpx_of_a_large_project_comes_from_a_job(coded, client_for, reviewer):
    client = client_for(reviewer)
    job, file = follow_to_the_file(client, client.get(url("exports_qdpx", coded["project"]), {"background": "1"}))
    assert file.status_code == 200 and file["Content-Type"] == "application/zip"
    assert "project.qde" in zipfile.ZipFile(io.BytesIO(file.content)).namelist()


def test_the_file_is_its_users_alone_and_only_while_a_member(coded, client_for, owner, coder, reviewer):
    job = export_job_create(user=reviewer, project=coded["project"], what=APPENDIX, params={"format": ["md"]})
    file_url = reverse("export_job_file", args=[job.pk])
    assert client_for(coder).get(file_url).status_code == 404
    assert client_for(coder).get(reverse("export_job", args=[job.pk])).status_code == 404
    assert client_for(reviewer).get(file_url).status_code == 200
    coded["project"].memberships.filter(user=reviewer).delete()
    assert client_for(reviewer).get(file_url).status_code == 404


def test_choices_that_are_no_longer_valid_fail_the_job_with_the_reason(coded, client_for, owner):
    job = export_job_create(user=owner, project=coded["project"], what=APPENDIX,
                            params={"format": ["docx"], "codes": ["987654"]})
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "987654" in job.reason
    assert not ExportFile.objects.filter(job=job).exists()
    page = client_for(owner).get(reverse("export_job", args=[job.pk])).content.decode()
    assert "Not exported" in page and "987654" in page


def test_an_unknown_export_is_refused(coded, owner):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        export_job_create(user=owner, project=coded["project"], what="pdf")
    assert not Job.objects.filter(kind=EXPORT).exists()


def test_the_job_page_and_the_file_run_a_bounded_number_of_queries(coded, client_for, owner,
                                                                   django_assert_max_num_queries):
    job = export_job_create(user=owner, project=coded["project"], what=APPENDIX, params={"format": ["md"]})
    client = client_for(owner)
    with django_assert_max_num_queries(4):
        assert client.get(reverse("export_job", args=[job.pk])).status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get(reverse("export_job_file", args=[job.pk])).status_code == 200
