"""The management commands: export_appendix, export_codebook, import_codebook,
export_qdpx and import_qdpx."""
from __future__ import annotations

import io
import zipfile

import pytest
from django.core.management import CommandError, call_command
from docx import Document

from apps.coding.models import Code
from apps.projects.models import Project

from .conftest import snapshot


def run(*args) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["docx", "md", "tex", "csv", "xlsx"])
def test_export_appendix_writes_each_format(coded, tmp_path, fmt):
    out = tmp_path / f"appendix.{fmt}"
    message = run("export_appendix", "--project", coded["project"].slug, "--format", fmt, "--all-coders", str(out))
    assert out.stat().st_size > 500 and "excerpts from 5 segments" in message


def test_export_appendix_defaults_to_the_primary_coding(coded, tmp_path):
    out = tmp_path / "appendix.md"
    message = run("export_appendix", "--project", coded["project"].slug, str(out))
    assert "excerpts from 3 segments" in message  # olga's three; cora's two are a second coder's


def test_export_appendix_narrows_by_case_and_groups_by_case(coded, tmp_path, armenia):
    out = tmp_path / "a.docx"
    run("export_appendix", "--project", coded["project"].slug, "--cases", str(armenia.pk), "--grouping",
        "case-code", "--table", str(out))
    document = Document(str(out))
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"][-1] == "Armenia 2022"


def test_export_appendix_of_an_unknown_project_fails_with_a_message(db, tmp_path):
    with pytest.raises(CommandError, match="No project with the slug 'nope'"):
        run("export_appendix", "--project", "nope", "--format", "md", str(tmp_path / "x.md"))


@pytest.mark.parametrize("fmt", ["docx", "md", "csv", "qdc"])
def test_export_codebook_writes_each_format(coded, tmp_path, fmt):
    out = tmp_path / f"codebook.{fmt}"
    assert "Wrote 3 codes" in run("export_codebook", "--project", coded["project"].slug, "--format", fmt, str(out))
    assert out.stat().st_size > 100


def test_import_codebook_merges_into_a_project(coded, other_project, tmp_path):
    out = tmp_path / "codebook.qdc"
    run("export_codebook", "--project", coded["project"].slug, str(out))
    message = run("import_codebook", str(out), "--project", other_project.slug)
    assert "3 codes created" in message
    assert Code.objects.filter(project=other_project).count() == 3


def test_import_codebook_of_a_broken_file_fails_with_the_reason(project, tmp_path):
    bad = tmp_path / "bad.qdc"
    bad.write_text("<CodeBook>")
    with pytest.raises(CommandError, match="not well-formed XML"):
        run("import_codebook", str(bad), "--project", project.slug)


def test_export_then_import_qdpx_prints_the_new_slug(coded, tmp_path, owner):
    out = tmp_path / "study.qdpx"
    run("export_qdpx", "--project", coded["project"].slug, str(out))
    assert "project.qde" in zipfile.ZipFile(out).namelist()
    slug = run("import_qdpx", str(out), "--project-name", "Round trip", "--user", owner.username).strip()
    copy = Project.objects.get(slug=slug)
    assert copy.name == "Round trip" and snapshot(copy) == snapshot(coded["project"])


def test_import_qdpx_of_a_bad_file_fails_and_creates_nothing(owner, tmp_path):
    bad = tmp_path / "bad.qdpx"
    bad.write_bytes(b"not a zip")
    before = Project.objects.count()
    with pytest.raises(CommandError, match="not a zip archive"):
        run("import_qdpx", str(bad), "--user", owner.username)
    assert Project.objects.count() == before
