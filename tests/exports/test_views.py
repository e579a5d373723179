"""The Exports page, its downloads and uploads, the .qdpx import page and the preview API:
who may do what, bad input, and a bounded number of queries."""
from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document

from apps.coding.models import Code
from apps.projects.models import Job, Project

from .conftest import FILES

FORMATS = ["docx", "md", "tex", "csv", "xlsx", "html"]


def url(name, project, **kwargs):
    return reverse(name, kwargs={"slug": project.slug, **kwargs})


def test_exports_page_shows_the_choices_and_the_nav_link(coded, client_for, reviewer):
    response = client_for(reviewer).get(url("exports", coded["project"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-current="page">Exports</a>' in html
    assert "Spill-over" in html and "Kazakhstan 2022" in html and "E2" in html and "cora" in html
    assert "Import a codebook" not in html  # reviewers do not change the codebook


@pytest.mark.parametrize("fmt", FORMATS)
def test_reviewer_downloads_the_appendix_in_every_format(coded, client_for, reviewer, fmt):
    response = client_for(reviewer).get(url("exports_appendix", coded["project"]), {"format": fmt, "memos": "on",
                                                                                      "all_coders": "on"})
    assert response.status_code == 200
    if fmt == "html":
        assert b"Because Moscow wanted it to." in response.content
        return
    assert response["Content-Disposition"] == f'attachment; filename="csto-requests-appendix.{fmt}"'
    assert len(response.content) > 500


def test_appendix_download_follows_the_choice(coded, client_for, owner, armenia):
    response = client_for(owner).get(url("exports_appendix", coded["project"]),
                                     {"format": "docx", "cases": [armenia.pk]})
    texts = [p.text for p in Document(io.BytesIO(response.content)).paragraphs if p.style.name == "Quote"]
    assert texts == ["Nobody wanted to fight Azerbaijan."]


def test_print_view_escapes_user_text(coded, client_for, owner, threat):
    from apps.coding.services import segment_create
    from tests.conftest import phrase_span

    transcript = coded["segments"][0].transcript
    start, end = phrase_span(transcript, "Baku had too many friends in the room.")
    segment_create(transcript=transcript, start=start, end=end, coder=owner, codes=[threat],
                   memo="<script>alert(1)</script>")
    response = client_for(owner).get(url("exports_appendix", coded["project"]), {"format": "html", "memos": "on"})
    assert b"<script>alert(1)" not in response.content and b"&lt;script&gt;alert(1)" in response.content


def test_appendix_with_a_code_of_another_project_is_a_400_with_the_reason(coded, client_for, owner,
                                                                        other_project_code):
    response = client_for(owner).get(url("exports_appendix", coded["project"]),
                                     {"format": "docx", "codes": [other_project_code.pk]})
    assert response.status_code == 400
    assert b"is not one of the available choices" in response.content


@pytest.mark.parametrize("codes, reason", [(["x"], b"is not a valid value"), (["999999"], b"999999 is not one of")])
def test_appendix_with_a_code_that_is_not_one_is_a_400_with_the_reason(coded, client_for, owner, codes, reason):
    response = client_for(owner).get(url("exports_appendix", coded["project"]), {"format": "csv", "codes": codes})
    assert response.status_code == 400
    assert reason in response.content


def test_unknown_format_is_a_400(coded, client_for, owner):
    response = client_for(owner).get(url("exports_appendix", coded["project"]), {"format": "pdf"})
    assert response.status_code == 400
    assert client_for(owner).get(url("exports_codebook", coded["project"]), {"format": "pdf"}).status_code == 400


@pytest.mark.parametrize("name", ["exports", "exports_appendix", "exports_codebook", "exports_qdpx"])
def test_another_projects_member_gets_404(coded, client_for, outsider, name):
    response = client_for(outsider).get(url(name, coded["project"]), {"format": "md"})
    assert response.status_code == 404


def test_anonymous_user_is_sent_to_login(coded, client):
    response = client.get(url("exports", coded["project"]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("fmt", ["docx", "md", "csv", "qdc"])
def test_codebook_downloads(coded, client_for, reviewer, fmt):
    response = client_for(reviewer).get(url("exports_codebook", coded["project"]), {"format": fmt})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'codebook.{fmt}"')


def test_qdpx_download_is_a_zip_with_project_qde(coded, client_for, reviewer):
    response = client_for(reviewer).get(url("exports_qdpx", coded["project"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "project.qde" in zipfile.ZipFile(io.BytesIO(response.content)).namelist()


def test_coder_imports_a_codebook(coded, client_for, coder):
    upload = SimpleUploadedFile("nvivo.qdc", (FILES / "nvivo_codebook.qdc").read_bytes())
    response = client_for(coder).post(url("exports_codebook_import", coded["project"]), {"file": upload},
                                      follow=True)
    assert response.status_code == 200
    assert Code.objects.filter(project=coded["project"], name="Öl und Gas").exists()
    assert "4 codes created" in response.content.decode() and "1 code set" not in response.content.decode()


def test_reviewer_may_not_import_a_codebook(coded, client_for, reviewer):
    upload = SimpleUploadedFile("nvivo.qdc", (FILES / "nvivo_codebook.qdc").read_bytes())
    response = client_for(reviewer).post(url("exports_codebook_import", coded["project"]), {"file": upload})
    assert response.status_code == 403
    assert not Code.objects.filter(name="Öl und Gas").exists()


def test_codebook_import_of_a_broken_file_is_a_400_with_the_reason(coded, client_for, coder):
    upload = SimpleUploadedFile("broken.qdc", b"<CodeBook><Codes>")
    response = client_for(coder).post(url("exports_codebook_import", coded["project"]), {"file": upload})
    assert response.status_code == 400 and b"not well-formed XML" in response.content


def test_codebook_import_refuses_other_file_types(coded, client_for, coder):
    upload = SimpleUploadedFile("codes.exe", b"MZ")
    response = client_for(coder).post(url("exports_codebook_import", coded["project"]), {"file": upload})
    assert response.status_code == 400 and b"Choose a .qdc or .csv or .xml file" in response.content


def test_qdpx_import_page_creates_a_project_owned_by_the_importer(coded, client_for, outsider, client):
    export = client_for(outsider).get(reverse("qdpx_import"))
    assert export.status_code == 200
    client.force_login(coded["project"].created_by)
    data = client.get(url("exports_qdpx", coded["project"])).content
    client.force_login(outsider)
    response = client.post(reverse("qdpx_import"), {"file": SimpleUploadedFile("study.qdpx", data),
                                                    "project_name": "My copy"})
    assert response.status_code == 302  # to the job's page; the task ran at once (tasks_run_at_once)
    response = client.get(response["Location"])
    assert response.status_code == 200
    project = Project.objects.get(name="My copy")
    assert project.memberships.get().user == outsider
    page = response.content.decode()
    assert f'href="/projects/{project.slug}/"' in page and "Imported as" in page


def test_qdpx_import_of_a_bad_file_shows_its_reason_and_creates_nothing(client_for, outsider):
    before = Project.objects.count()
    response = client_for(outsider).post(reverse("qdpx_import"), {"file": SimpleUploadedFile("x.qdpx", b"nope")},
                                         follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and "Not imported" in page and "not a zip archive" in page
    assert Project.objects.count() == before
    job = Job.objects.get(user=outsider)
    assert job.status == Job.Status.FAILED and "not a zip archive" in job.reason


def test_the_import_page_lists_the_users_own_imports_to_find_them_again(client_for, outsider, coder,
                                                                       django_assert_max_num_queries):
    client = client_for(outsider)
    client.post(reverse("qdpx_import"), {"file": SimpleUploadedFile("mine.qdpx", b"nope")})
    with django_assert_max_num_queries(4):  # the session, the user, the jobs with their projects
        mine = client.get(reverse("qdpx_import")).content.decode()
    job = Job.objects.get(user=outsider)
    assert "Import of mine.qdpx" in mine and reverse("qdpx_job", args=[job.pk]) in mine
    assert "mine.qdpx" not in client_for(coder).get(reverse("qdpx_import")).content.decode()
    assert client_for(coder).get(reverse("qdpx_job", args=[job.pk])).status_code == 404


def test_qdpx_import_refuses_files_over_the_upload_limit(client_for, outsider, settings):
    settings.CASECODER_MAX_UPLOAD_BYTES = 10
    response = client_for(outsider).post(reverse("qdpx_import"),
                                         {"file": SimpleUploadedFile("x.qdpx", b"x" * 11)})
    assert response.status_code == 400 and b"can be uploaded" in response.content


def test_qdpx_import_needs_a_login(client):
    assert client.get(reverse("qdpx_import")).status_code == 302


# --- the preview API -------------------------------------------------------------------------------

def preview_url(project):
    return f"/api/projects/{project.slug}/exports/appendix/preview"


def test_preview_counts_the_chosen_excerpts(coded, client_for, reviewer, armenia):
    response = client_for(reviewer).get(preview_url(coded["project"]), {"cases": [armenia.pk]})
    assert response.status_code == 200
    assert response.json() == {"excerpts": 1, "segments": 1, "codes": 1, "experts": 1}


def test_preview_with_a_foreign_case_is_a_422_with_the_reason(coded, client_for, owner, other_project, outsider):
    from apps.cases.services import case_create

    foreign = case_create(project=other_project, name="Elsewhere", actor=outsider)
    response = client_for(owner).get(preview_url(coded["project"]), {"cases": [foreign.pk]})
    assert response.status_code == 422 and "cases" in response.json()["errors"]


def test_preview_of_another_projects_member_is_a_404(coded, client_for, outsider):
    assert client_for(outsider).get(preview_url(coded["project"])).status_code == 404


# --- bounded queries: the same bound for the small project and the demo study ---------------------

@pytest.mark.parametrize("name,params", [
    ("exports", {}), ("exports_appendix", {"format": "docx"}), ("exports_appendix", {"format": "html"}),
    ("exports_appendix", {"format": "xlsx"}), ("exports_codebook", {"format": "csv"}), ("exports_qdpx", {}),
])
def test_export_views_run_a_bounded_number_of_queries(coded, demo, client, name, params,
                                                      django_assert_max_num_queries):
    for project in (coded["project"], demo):
        client.force_login(project.created_by)
        with django_assert_max_num_queries(24):
            assert client.get(url(name, project), params).status_code == 200


def test_appendix_csv_of_one_code_runs_a_bounded_number_of_queries(coded, demo, client,
                                                                   django_assert_max_num_queries):
    """Session, user, access; the codebook (read once, for the form's check too), the
    project's size (made here or by the worker), the passages with their codings and
    suggestions, cases, memberships, attributes, case values, expert values, turns (not the
    experts nor the primary coder's name: the CSV has no introduction)."""
    for project in (coded["project"], demo):
        client.force_login(project.created_by)
        code = project.codes.order_by("id").first()
        with django_assert_max_num_queries(12):
            response = client.get(url("exports_appendix", project), {"format": "csv", "codes": code.pk})
        assert response.status_code == 200 and response.content.count(b"\n") > 1


def test_preview_runs_a_bounded_number_of_queries(coded, demo, client, django_assert_max_num_queries):
    for project in (coded["project"], demo):
        client.force_login(project.created_by)
        with django_assert_max_num_queries(22):
            assert client.get(preview_url(project)).status_code == 200
