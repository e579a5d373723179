"""Codings accepted from the suggestion engine in the exports: the appendix (DOCX,
Markdown, CSV) and the REFI-QDA project include them by default, each marked "suggested by
<engine> <version>, accepted by <user>" (in .qdpx a note of the coding), or leave them out
when asked."""
from __future__ import annotations

import csv
import io
import zipfile

import docx
import pytest
from django.core.management import call_command
from django.urls import reverse
from lxml import etree

from apps.coding.services import segment_create, segment_update
from apps.exports.appendix import render_appendix
from apps.exports.refiqda import NS_PROJECT
from apps.exports.refiqda.conventions import SUGGESTION_NOTE_NAME
from apps.exports.refiqda.writer import project_qde
from apps.exports.selectors import AppendixSelection, appendix_data
from apps.suggestions.engines import TfidfEngine
from apps.suggestions.services import suggestion_accept
from tests.conftest import phrase_span

SUGGESTED = "Because Moscow wanted it to."
ORDINARY = "Nobody wanted to fight Azerbaijan."
ONLY_SUGGESTED = "Baku had too many friends in the room."
MARK = f"suggested by {TfidfEngine.name} {TfidfEngine.version}, accepted by olga"


@pytest.fixture
def coded(project, owner, transcript, russian_interest, threat):
    """Russian interest on SUGGESTED and ONLY_SUGGESTED accepted from the engine (the first
    also coded Threat perception by hand afterwards: that coding is no suggestion); on
    ORDINARY coded by hand."""
    start, end = phrase_span(transcript, SUGGESTED)
    accepted = suggestion_accept(code=russian_interest, transcript=transcript, start=start, end=end, actor=owner,
                                 value="high")
    segment_update(segment=accepted, actor=owner, version=accepted.version, codes=[russian_interest, threat],
                   values={russian_interest.pk: "high", threat.pk: "present"})
    start, end = phrase_span(transcript, ONLY_SUGGESTED)
    suggestion_accept(code=russian_interest, transcript=transcript, start=start, end=end, actor=owner, value="low")
    start, end = phrase_span(transcript, ORDINARY)
    segment_create(transcript=transcript, start=start, end=end, coder=owner, codes=[russian_interest],
                   values={russian_interest.pk: "medium"})
    return transcript


def markdown(project, **options) -> str:
    return render_appendix(appendix_data(project=project, selection=AppendixSelection(**options)), "md").decode()


def excerpt_lines(text: str) -> dict[str, str]:
    """Quoted passage -> the line under it (Markdown), per code section."""
    lines = text.splitlines()
    found = {}
    section = ""
    for i, line in enumerate(lines):
        if line.startswith("## "):
            section = line[3:]
        if line.startswith("> "):
            found[(section, line[2:].replace("\\", ""))] = lines[i + 2]
    return found


def test_markdown_appendix_marks_the_suggested_codings_by_default(coded, project):
    text = markdown(project)
    lines = excerpt_lines(text)
    assert lines[("Russian interest", SUGGESTED)].endswith(f"value: high · {MARK}")
    assert lines[("Russian interest", ONLY_SUGGESTED)].endswith(f"value: low · {MARK}")
    assert MARK not in lines[("Russian interest", ORDINARY)]
    assert MARK not in lines[("Threat perception", SUGGESTED)]  # coded by hand on the suggested passage
    assert "Codings accepted from the suggestion engine: included, each marked" in text


def test_markdown_appendix_leaves_the_suggested_codings_out_when_asked(coded, project):
    text = markdown(project, include_suggested=False)
    lines = excerpt_lines(text)
    assert set(lines) == {("Russian interest", ORDINARY), ("Threat perception", SUGGESTED)}
    assert MARK not in text
    assert "Codings accepted from the suggestion engine: left out" in text


def test_docx_and_csv_appendix_mark_them_and_leave_them_out(coded, project):
    data = appendix_data(project=project, selection=AppendixSelection())
    paragraphs = [p.text for p in docx.Document(io.BytesIO(render_appendix(data, "docx"))).paragraphs]
    assert sum(MARK in p for p in paragraphs) == 2
    table = docx.Document(io.BytesIO(render_appendix(data, "docx", table_layout=True))).tables
    assert sum(MARK in cell.text for t in table for row in t.rows for cell in row.cells) == 2
    rows = list(csv.DictReader(io.StringIO(render_appendix(data, "csv").decode("utf-8-sig"))))
    assert sorted((r["code"], r["quote"], r["suggested"]) for r in rows) == sorted([
        ("Russian interest", SUGGESTED, MARK), ("Russian interest", ONLY_SUGGESTED, MARK),
        ("Russian interest", ORDINARY, ""), ("Threat perception", SUGGESTED, "")])

    left_out = appendix_data(project=project, selection=AppendixSelection(include_suggested=False))
    paragraphs = [p.text for p in docx.Document(io.BytesIO(render_appendix(left_out, "docx"))).paragraphs]
    assert not any(MARK in p for p in paragraphs)
    assert not any(ONLY_SUGGESTED in p for p in paragraphs)
    assert any(ORDINARY in p for p in paragraphs)


def qde_tree(project, **options):
    xml, _files = project_qde(project, **options)
    return xml, etree.fromstring(xml)


def q(tag: str) -> str:
    return f"{{{NS_PROJECT}}}{tag}"


def test_qdpx_coding_of_an_accepted_suggestion_refers_to_a_note_that_says_so(coded, project, project_schema,
                                                                              russian_interest):
    xml, root = qde_tree(project)
    project_schema.validate(xml.decode("utf-8"))
    notes = {n.get("guid"): n for n in root.iter(q("Note"))}
    code_guid = next(c.get("guid") for c in root.iter(q("Code")) if c.get("name") == "Russian interest")
    marked = {}
    for selection in root.iter(q("PlainTextSelection")):
        quote = coded.text[int(selection.get("startPosition")):int(selection.get("endPosition"))]
        for coding in selection.iter(q("Coding")):
            referred = [notes[r.get("targetGUID")] for r in coding.iter(q("NoteRef"))]
            names = [(note.get("name"), note.findtext(q("PlainTextContent"))) for note in referred]
            if any(name == SUGGESTION_NOTE_NAME for name, _ in names):
                assert coding.find(q("CodeRef")).get("targetGUID") == code_guid
                marked[quote] = dict(names)[SUGGESTION_NOTE_NAME]
    assert marked == {SUGGESTED: MARK, ONLY_SUGGESTED: MARK}


def test_qdpx_without_suggested_codings_keeps_the_hand_coded_ones(coded, project, project_schema):
    xml, root = qde_tree(project, include_suggested=False)
    project_schema.validate(xml.decode("utf-8"))
    assert SUGGESTION_NOTE_NAME.encode() not in xml
    coded_here = {}
    for selection in root.iter(q("PlainTextSelection")):
        quote = coded.text[int(selection.get("startPosition")):int(selection.get("endPosition"))]
        coded_here[quote] = len(list(selection.iter(q("Coding"))))
    # The passage coded only by an accepted suggestion is gone; the one also coded by hand keeps that coding.
    assert coded_here == {SUGGESTED: 1, ORDINARY: 1}


def test_the_download_views_take_the_option(coded, project, client_for, reviewer, django_assert_max_num_queries):
    client = client_for(reviewer)
    with django_assert_max_num_queries(40):
        page = client.get(reverse("exports_appendix", args=[project.slug]), {"format": "md", "omit_suggested": "on"})
    assert page.status_code == 200
    assert ONLY_SUGGESTED not in page.content.decode() and ORDINARY in page.content.decode()
    assert MARK in client.get(reverse("exports_appendix", args=[project.slug]), {"format": "md"}).content.decode()
    for query, expected in (({}, True), ({"omit_suggested": "on"}, False)):
        page = client.get(reverse("exports_qdpx", args=[project.slug]), query)
        assert page.status_code == 200
        with zipfile.ZipFile(io.BytesIO(page.content)) as archive:
            assert (SUGGESTION_NOTE_NAME.encode() in archive.read("project.qde")) is expected


def test_the_export_commands_take_the_option(coded, project, tmp_path):
    for flags, expected in (([], True), (["--omit-suggested"], False)):
        md = tmp_path / f"appendix{len(flags)}.md"
        qdpx = tmp_path / f"project{len(flags)}.qdpx"
        call_command("export_appendix", str(md), "--project", project.slug, *flags, stdout=io.StringIO(),
                     stderr=io.StringIO())
        call_command("export_qdpx", str(qdpx), "--project", project.slug, *flags, stdout=io.StringIO(),
                     stderr=io.StringIO())
        assert (MARK in md.read_text()) is expected
        with zipfile.ZipFile(qdpx) as archive:
            assert (SUGGESTION_NOTE_NAME.encode() in archive.read("project.qde")) is expected


def test_an_export_made_by_the_task_worker_takes_the_option_too(coded, project, client_for, reviewer):
    client = client_for(reviewer)
    for query, expected in (({}, True), ({"omit_suggested": "on"}, False)):
        job_page = client.get(reverse("exports_qdpx", args=[project.slug]), {**query, "background": "1"})
        job_id = int(job_page["Location"].rstrip("/").split("/")[-1])
        file = client.get(reverse("export_job_file", args=[job_id]))
        with zipfile.ZipFile(io.BytesIO(file.content)) as archive:
            assert (SUGGESTION_NOTE_NAME.encode() in archive.read("project.qde")) is expected
    job_page = client.get(reverse("exports_appendix", args=[project.slug]),
                          {"format": "md", "omit_suggested": "on", "background": "1"})
    text = client.get(reverse("export_job_file", args=[int(job_page["Location"].rstrip("/").split("/")[-1])]))
    assert ONLY_SUGGESTED not in text.content.decode() and ORDINARY in text.content.decode()
