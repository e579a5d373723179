"""The codebook: DOCX, Markdown, CSV and .qdc out (valid against Codebook.xsd); .qdc and
CSV in, merged by name and tree, with what was skipped reported."""
from __future__ import annotations

import csv
import io

import pytest
from docx import Document

from apps.coding.models import Code
from apps.coding.services import code_create
from apps.exports.codebook import read_codebook, render_codebook
from apps.exports.refiqda.safe import ImportRejected
from apps.exports.selectors import codebook_entries
from apps.exports.services import codebook_import

from .conftest import FILES


def export(project, fmt: str) -> bytes:
    return render_codebook(project, codebook_entries(project=project), fmt)


def merge(project, owner, data: bytes, name: str):
    plans, report = read_codebook(data, name)
    return codebook_import(project=project, plans=plans, report=report, actor=owner)


def test_qdc_export_is_valid_against_the_codebook_schema(coded, codebook_schema):
    codebook_schema.validate(export(coded["project"], "qdc").decode("utf-8"))


def test_empty_codebook_cannot_be_exported_as_qdc(project):
    with pytest.raises(Exception, match="empty"):
        export(project, "qdc")


def test_csv_export_lists_name_path_texts_and_counts(coded):
    rows = list(csv.DictReader(io.StringIO(export(coded["project"], "csv").decode("utf-8-sig"))))
    spill = next(r for r in rows if r["name"] == "Spill-over")
    assert spill["path"] == "Threat perception > Spill-over"
    assert (spill["description"], spill["inclusion"], spill["exclusion"], spill["example"]) == (
        "Fear of contagion.", "Refugees, militants.", "Domestic effects.", "The same crowds at home.")
    assert (spill["segments"], spill["experts"]) == ("2", "2")
    threat = next(r for r in rows if r["name"] == "Threat perception")
    assert threat["scale"] == "presence" and threat["segments"] == "3"


def test_the_counts_leave_out_the_trash_other_projects_and_transcripts_without_an_expert(
        project, owner, coder, transcript, threat, other_project, outsider):
    """A trashed passage counts nowhere; one of a transcript without an expert counts as a
    segment but names no expert; another project's codings of a code of the same name are
    its own."""
    from apps.coding.services import segment_create, segment_delete
    from apps.transcripts.services import transcript_create

    from tests.conftest import phrase_span

    segment_create(transcript=transcript, **dict(zip(("start", "end"), phrase_span(transcript, "Moscow wanted it to"))),
                   coder=coder, codes=[threat])
    trashed = segment_create(transcript=transcript, **dict(zip(("start", "end"), phrase_span(
        transcript, "The members feared"))), coder=coder, codes=[threat])
    segment_delete(segment=trashed, actor=coder)
    anonymous = transcript_create(project=project, title="Unattributed", text="Nobody said who spoke here.",
                                  created_by=owner)
    segment_create(transcript=anonymous, start=0, end=6, coder=owner, codes=[threat])
    theirs = code_create(project=other_project, name=threat.name, actor=outsider)
    elsewhere = transcript_create(project=other_project, title="Theirs", text="Their own words here.",
                                  created_by=outsider)
    segment_create(transcript=elsewhere, start=0, end=5, coder=outsider, codes=[theirs])
    [entry] = [e for e in codebook_entries(project=project) if e.id == threat.pk]
    assert (entry.segments, entry.experts) == (2, 1)
    [entry] = [e for e in codebook_entries(project=other_project) if e.id == theirs.pk]
    assert (entry.segments, entry.experts) == (1, 0)


def test_docx_and_markdown_export_show_the_tree(coded):
    document = Document(io.BytesIO(export(coded["project"], "docx")))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert ("Heading 1", "Threat perception") in headings and ("Heading 2", "Spill-over") in headings
    markdown = export(coded["project"], "md").decode()
    assert "## Threat perception" in markdown and "### Spill-over" in markdown and "Fear of contagion." in markdown


def test_qdc_round_trip_into_an_empty_project_rebuilds_the_tree(coded, other_project, outsider):
    report = merge(other_project, outsider, export(coded["project"], "qdc"), "codes.qdc")
    assert report.created["codes created"] == 3
    spill = Code.objects.get(project=other_project, name="Spill-over")
    assert spill.parent.name == "Threat perception" and spill.colour == "#e06377"
    assert spill.inclusion == "Refugees, militants." and spill.example == "The same crowds at home."
    assert Code.objects.get(project=other_project, name="Russian interest").levels == ["low", "medium", "high"]


def test_qdc_import_merges_by_name_and_tree_without_duplicates(coded, owner):
    before = Code.objects.filter(project=coded["project"]).count()
    report = merge(coded["project"], owner, export(coded["project"], "qdc"), "codes.qdc")
    assert Code.objects.filter(project=coded["project"]).count() == before
    assert report.created == {"codes already there": 3}


def test_qdc_import_fills_empty_texts_of_existing_codes_and_adds_new_children(project, owner):
    motives = code_create(project=project, name="Motives", actor=owner)
    colour = motives.colour
    report = merge(project, owner, (FILES / "nvivo_codebook.qdc").read_bytes(), "nvivo_codebook.qdc")
    motives.refresh_from_db()
    assert motives.description == "Why states act." and motives.colour == colour  # kept, completed
    assert Code.objects.get(project=project, name="Öl und Gas").parent.name == "Economy"
    assert report.created == {"codes completed": 1, "codes created": 3}


def test_csv_import_builds_the_tree_from_paths_and_reports_problems(project, owner):
    data = ("name;path;description;colour;scale;levels\n"
            "Security;Motives > Security;Safety first;#123456;ordinal;low | high\n"
            "Oil;Motives > Economy > Oil;;red;;\n"
            ";;no name;;;\n"
            "Trade;;;#abcdef;sometimes;\n").encode("utf-8")
    report = merge(project, owner, data, "codes.csv")
    security = Code.objects.get(project=project, name="Security")
    assert security.parent.name == "Motives" and security.colour == "#123456"
    assert security.scale == "ordinal" and security.levels == ["low", "high"]
    assert Code.objects.get(project=project, name="Oil").parent.name == "Economy"
    assert Code.objects.get(project=project, name="Trade").scale == "none"
    skipped = " ".join(report.skipped)
    assert "row 4: no name" in skipped and "'red' is not a colour" in skipped and "unknown scale" in skipped


def test_csv_export_imports_back_unchanged(coded, other_project, outsider):
    merge(other_project, outsider, export(coded["project"], "csv"), "codebook.csv")
    original = {(e.path, e.colour, e.description, e.inclusion, e.exclusion, e.example, e.scale, tuple(e.levels))
                for e in codebook_entries(project=coded["project"])}
    copy = {(e.path, e.colour, e.description, e.inclusion, e.exclusion, e.example, e.scale, tuple(e.levels))
            for e in codebook_entries(project=other_project)}
    assert copy == original


def test_the_entries_carry_each_codes_fields_as_the_orm_reads_them(coded):
    """The export reads the codes as plain rows (not models): the same values, levels too."""
    project = coded["project"]
    entries = {e.id: e for e in codebook_entries(project=project)}
    codes = Code.objects.filter(project=project)
    assert set(entries) == {c.pk for c in codes} and any(c.levels for c in codes)
    for code in codes:
        entry = entries[code.pk]
        assert (entry.name, entry.parent_id, entry.colour, entry.description, entry.inclusion, entry.exclusion,
                entry.example, entry.scale, entry.levels) == (
            code.name, code.parent_id, code.colour, code.description, code.inclusion, code.exclusion, code.example,
            code.scale, list(code.levels or []))


def test_codebook_import_of_hostile_or_broken_files_changes_nothing(project, owner):
    before = Code.objects.count()
    for data, name, reason in [
        (b'<?xml version="1.0"?><!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]><CodeBook>&x;</CodeBook>',
         "x.qdc", "DTD or entities"),
        (b"<CodeBook><Codes>", "x.qdc", "not well-formed"),
        (b"<Project/>", "x.qdc", "without a codebook"),
        (b"colour,scale\n#fff,none\n", "x.csv", "'name' or 'path' column"),
    ]:
        with pytest.raises(ImportRejected, match=reason):
            merge(project, owner, data, name)
    assert Code.objects.count() == before


# --- the CSV codebooks of other tools --------------------------------------------------------------

def test_taguette_codebook_csv_imports_tags_and_descriptions(project, owner):
    # Taguette's codebook export before 1.0: tag, description, number of highlights.
    data = ("tag,description,number of highlights\r\n"
            "interesting,Passages worth quoting,12\r\n"
            '"threat, shared",\"Members saw the same danger, said so\",3\r\n'
            "russia,,0\r\n").encode("utf-8")
    report = merge(project, owner, data, "codebook.csv")
    codes = {c.name: c for c in Code.objects.filter(project=project)}
    assert set(codes) == {"interesting", "threat, shared", "russia"}
    assert codes["threat, shared"].description == "Members saw the same danger, said so"
    assert all(c.parent is None for c in codes.values())
    assert report.created == {"codes created": 3} and report.skipped == [] and report.notes == []


def test_taguette_codebook_csv_with_parents_builds_the_tree(project, owner):
    # Since Taguette 1.0: tag, parent, description, number of highlights (the parent may come later).
    data = ("tag,parent,description,number of highlights\n"
            "spill-over,threat,Fear of contagion,2\n"
            "threat,,Threat perception,5\n"
            "refugees,spill-over,,1\n"
            "a,b,,0\nb,a,,0\n").encode("utf-8")
    report = merge(project, owner, data, "taguette.csv")
    refugees = Code.objects.get(project=project, name="refugees")
    assert refugees.parent.name == "spill-over" and refugees.parent.parent.name == "threat"
    assert refugees.parent.description == "Fear of contagion"
    assert Code.objects.get(project=project, name="threat").parent is None
    assert sum("lead back to it" in line for line in report.skipped) == 2


def test_maxqda_code_list_csv_imports_codes_memos_and_subcodes(project, owner):
    # MAXQDA's code list: Code and Memo; sub-codes written with a backslash or ">".
    data = ("Code;Memo;Author\n"
            "Motives;Why states act;anna\n"
            "Motives\\Security;Safety first;anna\n"
            "Motives > Economy > Oil;;anna\n").encode("cp1252")
    report = merge(project, owner, data, "codes.csv")
    assert Code.objects.get(project=project, name="Security").parent.name == "Motives"
    assert Code.objects.get(project=project, name="Security").description == "Safety first"
    assert Code.objects.get(project=project, name="Oil").parent.parent.name == "Motives"
    assert Code.objects.get(project=project, name="Motives").description == "Why states act"
    assert report.notes[-1] == "Column 'author' of codes.csv is not read: Casecoder has no field for it."


def test_the_download_reads_the_codes_with_their_counts_in_one_query(coded, owner, client_for,
                                                                      django_assert_num_queries):
    client = client_for(owner)
    url = f"/projects/{coded['project'].slug}/exports/codebook/?format=csv"
    with django_assert_num_queries(2):  # the session with the membership; the codes with their counts
        answer = client.get(url)
    assert answer.status_code == 200 and b"Spill-over" in answer.content
