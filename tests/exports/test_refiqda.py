"""REFI-QDA project exchange: .qdpx export valid against the official schema, stable GUIDs,
the round trip of every object, files from other tools, and every kind of bad input."""
from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from apps.coding.models import Code, Memo, Segment
from apps.exports.refiqda.reader import normalise_with_offsets
from apps.exports.refiqda.safe import ImportRejected
from apps.exports.refiqda.writer import codebook_qdc, project_qde, write_qdpx
from apps.exports.services import qdpx_import_or_reject
from apps.projects.models import Project
from apps.transcripts.models import Transcript
from apps.transcripts.text import normalise_text

from .conftest import FILES, qdpx_bytes, snapshot


def export(project) -> bytes:
    out = io.BytesIO()
    write_qdpx(project, out)
    return out.getvalue()


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


# --- export ------------------------------------------------------------------------------

def test_exported_project_is_valid_against_the_refi_qda_schema(coded, project_schema):
    files = members(export(coded["project"]))
    project_schema.validate(files["project.qde"].decode("utf-8"))


def test_demo_export_is_valid_against_the_refi_qda_schema(demo, project_schema, codebook_schema):
    xml, _ = project_qde(demo)
    project_schema.validate(xml.decode("utf-8"))
    codebook_schema.validate(codebook_qdc(demo).decode("utf-8"))


def test_qdpx_holds_each_transcript_as_an_internal_plain_text_file(coded):
    files = members(export(coded["project"]))
    qde = files["project.qde"].decode("utf-8")
    for transcript in Transcript.objects.filter(project=coded["project"]):
        paths = [p for p, data in files.items() if p.startswith("Sources/") and data.decode("utf-8") == transcript.text]
        assert len(paths) == 1
        guid = paths[0][len("Sources/"):-len(".txt")]
        assert f'plainTextPath="internal://{guid}.txt"' in qde


def test_selection_positions_are_code_points_into_the_source_text(coded):
    files = members(export(coded["project"]))
    qde = files["project.qde"].decode("utf-8")
    segment = coded["segments"][3]  # in the Russian transcript: Cyrillic before it
    assert f'startPosition="{segment.start}" endPosition="{segment.end}"' in qde
    assert segment.transcript.text[segment.start:segment.end] == segment.quote


def test_exporting_twice_gives_the_same_guids_and_bytes(coded):
    assert export(coded["project"]) == export(coded["project"])


def test_experts_real_names_are_never_in_the_qdpx(coded):
    data = b"".join(members(export(coded["project"])).values())
    assert b"Secretname" not in data and b"Hiddenname" not in data


def test_export_runs_a_bounded_number_of_queries(coded, django_assert_max_num_queries):
    with django_assert_max_num_queries(16):
        project_qde(coded["project"])


# --- round trip ------------------------------------------------------------------------------

def test_round_trip_of_the_small_project_keeps_every_object(coded, owner):
    project, report = qdpx_import_or_reject(data=export(coded["project"]), user=owner, project_name="Copy")
    assert snapshot(project) == snapshot(coded["project"])
    assert report.skipped == []


def test_round_trip_of_the_demo_study_keeps_every_object(demo):
    owner = demo.created_by
    segment = Segment.objects.filter(project=demo, codings__isnull=False).first()
    code = Code.objects.filter(project=demo).first()
    case = demo.cases.first()
    transcript = demo.transcripts.first()
    for target in ({}, {"code": code}, {"case": case}, {"transcript": transcript}, {"segment": segment}):
        Memo.objects.create(project=demo, author=owner, title="A memo", text=f"On {target or 'the project'}.",
                            **target)
    before = snapshot(demo)
    copy, report = qdpx_import_or_reject(data=export(demo), user=owner, project_name="Demo copy")
    after = snapshot(copy)
    for part in before:
        assert after[part] == before[part], part
    assert copy.slug != demo.slug and copy.memberships.get().user == owner
    assert len(before["segments"]) >= 290 and len(before["memos"]) == 5


def test_import_prints_a_fresh_slug_when_the_name_is_taken(coded, owner):
    first, _ = qdpx_import_or_reject(data=export(coded["project"]), user=owner)
    second, _ = qdpx_import_or_reject(data=export(coded["project"]), user=owner)
    assert first.slug != second.slug and first.name == second.name == coded["project"].name


def test_import_attributes_work_of_unknown_users_to_the_importer(coded, outsider):
    project, report = qdpx_import_or_reject(data=export(coded["project"]), user=outsider)
    assert set(Segment.objects.filter(project=project).values_list("coder__username", flat=True)) == {"otto"}
    assert any("attributed to you (otto)" in line for line in report.notes)


# --- files of other tools ------------------------------------------------------------------------

# The text QualCoder wrote for files/qualcoder_project.qde: CRLF line ends and trailing
# spaces, which Casecoder normalises away, so the selections' offsets must be mapped.
QUALCODER_SOURCE = ("Interviewer: Why did they act?  \r\nE1: Moscow wanted it, and the crowds at home scared "
                    "everyone.   \r\n\r\nE1: Я не знаю.\r\n")
SOURCE_PATH = "Sources/9b3a1d7e-0c43-4c8e-9a51-1f1f3c2b7a01.txt"


def qualcoder_package(qde: str | None = None) -> bytes:
    qde = qde or (FILES / "qualcoder_project.qde").read_text(encoding="utf-8")
    return qdpx_bytes(qde, {SOURCE_PATH: QUALCODER_SOURCE})


def test_qualcoder_file_imports_sources_codes_selections_cases_variables_and_notes(owner):
    project, report = qdpx_import_or_reject(data=qualcoder_package(), user=owner)
    transcript = project.transcripts.get()
    assert transcript.text == normalise_text(QUALCODER_SOURCE) != QUALCODER_SOURCE
    codes = {c.name: c for c in Code.objects.filter(project=project)}
    assert set(codes) == {"Threat", "Contagion", "Interest"}
    assert codes["Contagion"].parent == codes["Threat"] and codes["Threat"].colour == "#aa3344"
    assert codes["Interest"].colour == "#33aa77"  # from the short form #3a7
    segments = {s.quote: s for s in Segment.objects.filter(project=project)}
    # the selections were written against CRLF text with trailing spaces: they land on the same words
    assert set(segments) == {"Moscow wanted it", "the crowds at home", "Я не знаю"}
    assert [c.tag.name for c in segments["the crowds at home"].codings.all()] == ["Contagion"]
    assert segments["Moscow wanted it"].memo == "Strong claim."
    case = project.cases.get()
    assert case.name == "Kazakhstan 2022" and list(case.transcripts.all()) == [transcript]
    assert {v.attribute.name: v.value for v in case.values.all()} == {"year": 2022, "granted": True}
    assert transcript.expert.pseudonym == "Interview 1"
    assert {v.attribute.name: v.value for v in transcript.expert.values.all()} == {"gender": "f"}
    assert set(Memo.objects.filter(project=project).values_list("text", flat=True)) == {
        "Code memo on threat.", "A loose note.", "Memo on the selection."}
    skipped = " ".join(report.skipped)
    assert "PictureSource 'Map'" in skipped and "1 graph(s)" in skipped
    assert "<Extra> in the Project" in skipped


def test_codebook_file_with_an_empty_sets_element_still_imports(project, owner):
    from apps.exports.codebook import read_codebook
    from apps.exports.services import codebook_import

    plans, report = read_codebook((FILES / "nvivo_codebook.qdc").read_bytes(), "nvivo_codebook.qdc")
    codebook_import(project=project, plans=plans, report=report, actor=owner)
    names = set(Code.objects.filter(project=project).values_list("name", flat=True))
    assert names == {"Motives", "Security", "Economy", "Öl und Gas"}


def test_normalised_offsets_land_on_the_same_characters():
    raw = "\ufeff\nLine one  \r\nCafe\u0301 crowd\t\r\n\r\nEnd \n\n"
    text, mapping = normalise_with_offsets(raw)
    assert text == normalise_text(raw)
    assert text[mapping[raw.index("crowd")]:mapping[raw.index("crowd") + 5]] == "crowd"
    assert text[mapping[raw.index("End")]:mapping[len(raw)]] == "End"


# --- bad input: a clear message, nothing imported ------------------------------------------------

def assert_rejected(data: bytes, owner, match: str):
    projects = Project.objects.count()
    with pytest.raises(ImportRejected, match=match):
        qdpx_import_or_reject(data=data, user=owner, filename="bad.qdpx")
    assert Project.objects.count() == projects
    assert not Transcript.objects.filter(source_format="qdpx").exists()


def test_a_file_that_is_not_a_zip_is_rejected(owner):
    assert_rejected(b"%PDF-1.4 not a zip", owner, "not a zip archive")


def test_an_empty_file_is_rejected(owner):
    assert_rejected(b"", owner, "empty")


def test_a_zip_without_project_qde_is_rejected(owner):
    assert_rejected(qdpx_bytes("hello", name="readme.txt"), owner, "holds no project.qde")


def test_xml_that_is_not_well_formed_is_rejected(owner):
    assert_rejected(qdpx_bytes('<Project xmlns="urn:QDA-XML:project:1.0" name="x"><Sources>'), owner,
                    "not well-formed XML")


def test_entity_expansion_is_refused(owner):
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
              '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><Project xmlns="urn:QDA-XML:project:1.0" name="&lol3;"/>')
    assert_rejected(qdpx_bytes(laughs), owner, "declares a DTD or entities")


def test_external_entities_are_refused(owner):
    xxe = ('<?xml version="1.0"?><!DOCTYPE p [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           '<Project xmlns="urn:QDA-XML:project:1.0" name="&xxe;"/>')
    assert_rejected(qdpx_bytes(xxe), owner, "declares a DTD or entities")


def test_a_selection_outside_its_source_is_rejected(owner):
    qde = (FILES / "qualcoder_project.qde").read_text(encoding="utf-8")
    assert 'startPosition="38" endPosition="54"' in qde
    bad = qde.replace('startPosition="38" endPosition="54"', 'startPosition="38" endPosition="99999"')
    assert_rejected(qualcoder_package(bad), owner, "points outside its text")


def test_a_missing_source_text_is_rejected(owner):
    assert_rejected(qdpx_bytes((FILES / "qualcoder_project.qde").read_bytes()), owner, "missing from the archive")


def test_a_zip_bomb_is_refused(owner):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", b"<" + b" " * (60 * 1024 * 1024))
    assert len(out.getvalue()) < 200_000
    assert_rejected(out.getvalue(), owner, "zip bomb")


def test_a_root_element_other_than_project_is_rejected(owner):
    assert_rejected(qdpx_bytes('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>'), owner,
                    "root element is <CodeBook>")


def test_rejection_is_a_validation_error_with_the_reason(owner):
    with pytest.raises(ValidationError) as caught:
        qdpx_import_or_reject(data=b"junk", user=owner)
    assert "not a zip archive" in caught.value.message_dict["file"][0]
