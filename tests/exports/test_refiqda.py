"""REFI-QDA project exchange: .qdpx export valid against the official schema, stable GUIDs,
the round trip of every object, files from other tools, and every kind of bad input."""
from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.coding.models import CaseMembership, Code, Coding, Memo, Segment
from apps.coding.services import case_membership_refresh
from apps.exports.refiqda.reader import normalise_with_offsets
from apps.exports.refiqda.safe import ImportRejected
from apps.exports.refiqda.writer import codebook_qdc, project_qde, write_qdpx
from apps.exports.services import qdpx_import_or_reject
from apps.projects.models import Activity, Project
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


def test_import_writes_segments_codings_and_case_links_in_batches_not_one_by_one(demo, owner):
    data = export(demo)
    segments = Segment.objects.filter(project=demo).count()
    with CaptureQueriesContext(connection) as queries:
        copy, _ = qdpx_import_or_reject(data=data, user=owner, project_name="Demo copy")
    assert Segment.objects.filter(project=copy).count() == segments >= 290
    for table in (Segment._meta.db_table, Coding._meta.db_table, Segment.cases.through._meta.db_table):
        writes = [q for q in queries.captured_queries if q["sql"].startswith(f'INSERT INTO "{table}"')]
        assert 1 <= len(writes) <= segments // 40, table  # a few batches (SQLite takes ~999 parameters each)


def test_imported_case_memberships_are_those_the_rule_gives(demo, owner):
    copy, _ = qdpx_import_or_reject(data=export(demo), user=owner, project_name="Demo copy")

    def stored():
        return sorted(CaseMembership.objects.filter(project=copy).values_list("segment_id", "case_id"))

    imported = stored()
    case_membership_refresh(project_id=copy.pk)
    assert imported == stored() and len(imported) > 0


def test_every_imported_segment_has_its_coded_entry_in_the_history(coded, owner):
    project, _ = qdpx_import_or_reject(data=export(coded["project"]), user=owner, project_name="Copy")
    segments = {s.pk: s for s in Segment.objects.filter(project=project).prefetch_related("codings__tag")}
    coded_entries = Activity.objects.filter(project=project, verb="coded", target_type="segment")
    assert sorted(a.target_id for a in coded_entries) == sorted(segments)
    for entry in coded_entries:
        segment = segments[entry.target_id]
        assert entry.after["codes"] == {c.tag.name: c.value for c in segment.codings.all()}
        assert entry.after["quote"] == segment.quote[:200]


def test_a_selection_that_fails_the_segment_rules_stores_nothing(coded, owner):
    """The segments are checked before any is written: a memo over the limit leaves no
    project, no transcript and no segment behind, and the reason names the limit."""
    files = members(export(coded["project"]))
    qde = files.pop("project.qde").decode("utf-8")
    assert "Clear statement of Russian will." in qde
    qde = qde.replace("Clear statement of Russian will.", "long " * 4001)
    counts = Project.objects.count(), Transcript.objects.count(), Segment.objects.count()
    with pytest.raises(ImportRejected, match="memo takes at most 20,000 characters"):
        qdpx_import_or_reject(data=qdpx_bytes(qde, files), user=owner, project_name="Broken")
    assert (Project.objects.count(), Transcript.objects.count(), Segment.objects.count()) == counts


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


# --- text positions in the unit the file was written in -------------------------------------------

# An interview as NVivo, ATLAS.ti or MAXQDA would hold it: CRLF line ends, and characters
# outside the BMP (emoji, a Fraktur letter, a flag of two regional indicators) before the
# coded passages, where UTF-16 code units and code points part ways.
TOOL_TEXT = ("Interviewer: How did the CSTO answer? 😀\r\n\r\n"
             "E1: Moscow wanted it 🙂🙂. The members feared the same crowds at home. 𝔄 new era began, and "
             "nobody wanted to fight Azerbaijan 🇦🇲. Baku had too many friends in the room.\r\n")
TOOL_PHRASES = ["Moscow wanted it", "The members feared", "the same crowds at home", "new era began",
                "nobody wanted to fight Azerbaijan", "Baku had too many friends", "in the room"]
THREAT, INTEREST = "c0000000-0000-4000-8000-000000000001", "c0000000-0000-4000-8000-000000000002"
SOURCE_GUID = "5a000000-0000-4000-8000-000000000001"


def utf16(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


def tool_selections(*, unit: str = "code points", inclusive: bool = False, names: bool = False,
                    phrases=TOOL_PHRASES) -> list[tuple[int, int, str]]:
    """(startPosition, endPosition, name) of each phrase, as a tool writing `unit` would."""
    out = []
    for phrase in phrases:
        start, end = TOOL_TEXT.index(phrase), TOOL_TEXT.index(phrase) + len(phrase)
        if unit == "utf16":
            start, end = utf16(TOOL_TEXT, start), utf16(TOOL_TEXT, end)
        out.append((start, end - 1 if inclusive else end, phrase if names else ""))
    return out


def tool_project(selections, *, origin: str, extra_sources: str = "") -> bytes:
    """A .qdpx as another tool writes it: one text source with coded selections."""
    rows = "".join(
        f'<PlainTextSelection guid="e{n:07d}-0000-4000-8000-000000000000" name="{name}" startPosition="{start}" '
        f'endPosition="{end}"><Coding guid="f{n:07d}-0000-4000-8000-000000000000"><CodeRef targetGUID='
        f'"{THREAT if n % 2 else INTEREST}"/></Coding></PlainTextSelection>'
        for n, (start, end, name) in enumerate(selections, start=1))
    qde = (f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="Study" '
           f'origin="{origin}"><CodeBook><Codes><Code guid="{THREAT}" name="Threat" isCodable="true"/>'
           f'<Code guid="{INTEREST}" name="Interest" isCodable="true"/></Codes></CodeBook><Sources>'
           f'<TextSource guid="{SOURCE_GUID}" name="Interview 1" plainTextPath="internal://{SOURCE_GUID}.txt">'
           f'{rows}</TextSource>{extra_sources}</Sources></Project>')
    return qdpx_bytes(qde, {f"Sources/{SOURCE_GUID}.txt": TOOL_TEXT})


def quotes(project) -> set[str]:
    return set(Segment.objects.filter(project=project).values_list("quote", flat=True))


def test_nvivo_project_with_empty_names_is_read_in_utf16_units(owner):
    project, report = qdpx_import_or_reject(data=tool_project(tool_selections(unit="utf16"),
                                                              origin="NVivo 12 (12.6.1.970)"), user=owner)
    assert quotes(project) == set(TOOL_PHRASES)
    positions = next(line for line in report.notes if line.startswith("Text positions"))
    assert "read as UTF-16 code units (NVivo's unit; the standard counts code points)" in positions
    assert "7 of 7 selections start and 7 end at a word boundary" in positions
    assert "written by NVivo 12 (12.6.1.970), which writes UTF-16 code units" in positions
    assert report.unplaced == []


def test_code_point_positions_after_emoji_stay_code_points_whatever_the_origin(owner):
    project, report = qdpx_import_or_reject(data=tool_project(tool_selections(), origin="NVivo 14"), user=owner)
    assert quotes(project) == set(TOOL_PHRASES)
    assert any("read as code points (the standard's unit)" in line and "although that software usually writes "
               "UTF-16 code units" in line for line in report.notes)


def test_inclusive_ends_with_names_that_give_the_text(owner):
    data = tool_project(tool_selections(inclusive=True, names=True), origin="ATLAS.ti 23.2.1")
    project, report = qdpx_import_or_reject(data=data, user=owner)
    assert quotes(project) == set(TOOL_PHRASES)
    assert any("with inclusive ends (endPosition is the last selected character)" in line and
               "names give their text: 7 of 7 match" in line for line in report.notes)


def unplaceable_project() -> bytes:
    selections = tool_selections(names=True)
    start, end, _ = selections[0]
    selections[0] = (start, end, "Nobody in Minsk cared")  # the name says one thing, the text another
    selections.append((900, 920, "Azerbaijan had friends"))  # past the end of the text
    return tool_project(selections, origin="MAXQDA 24")


def test_selections_that_cannot_be_placed_stop_the_import_with_their_source_and_text(owner):
    projects = Project.objects.count()
    with pytest.raises(ImportRejected) as caught:
        qdpx_import_or_reject(data=unplaceable_project(), user=owner, filename="study.qdpx")
    assert Project.objects.count() == projects and not Transcript.objects.filter(source_format="qdpx").exists()
    unplaced = caught.value.report.unplaced
    assert len(unplaced) == 2
    assert unplaced[0].startswith("'Interview 1', selection ") and "“Nobody in Minsk cared”" in unplaced[0]
    assert "coded 'Threat'" in unplaced[0]
    assert "the text at those positions is “Moscow wanted it”, not what its name says" in unplaced[0]
    assert "“Azerbaijan had friends”" in unplaced[1] and "points outside its text: 900-920" in unplaced[1]
    assert "2 selections of the file could not be placed exactly" in caught.value.reason


def test_the_user_may_import_without_the_selections_that_cannot_be_placed(owner):
    project, report = qdpx_import_or_reject(data=unplaceable_project(), user=owner, skip_unplaced=True)
    assert quotes(project) == set(TOOL_PHRASES) - {"Moscow wanted it"}
    skipped = [line for line in report.skipped if line.startswith("a selection not placed exactly")]
    assert len(skipped) == 2 and "Nobody in Minsk cared" in skipped[0]


def test_import_page_shows_unplaced_selections_and_lets_the_user_cancel(client_for, outsider,
                                                                         django_assert_max_num_queries):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from apps.exports.models import PendingQdpxImport

    client = client_for(outsider)
    projects = Project.objects.count()
    response = client.post(reverse("qdpx_import"), {"file": SimpleUploadedFile("study.qdpx", unplaceable_project())})
    assert response.status_code == 302  # to the import's job, run here at once (tasks_run_at_once)
    with django_assert_max_num_queries(6):  # the session, the user, the job, the waiting upload
        response = client.get(response["Location"])
    page = response.content.decode()
    assert response.status_code == 200 and "cannot be placed exactly" in page
    assert "Nobody in Minsk cared" in page and "Import without them" in page and "Cancel" in page
    pending = PendingQdpxImport.objects.get(user=outsider)
    assert Project.objects.count() == projects
    with django_assert_max_num_queries(8):
        response = client.post(reverse("qdpx_confirm"), {"pending": pending.pk, "action": "cancel"})
    response = client.get(response["Location"])
    assert "nothing of study.qdpx was imported" in response.content.decode()
    assert Project.objects.count() == projects and not PendingQdpxImport.objects.exists()


def test_import_page_imports_without_the_unplaced_selections_when_asked(client_for, outsider, coder):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from apps.exports.models import PendingQdpxImport

    client = client_for(outsider)
    client.post(reverse("qdpx_import"), {"file": SimpleUploadedFile("study.qdpx", unplaceable_project()),
                                         "project_name": "Checked"})
    pending = PendingQdpxImport.objects.get(user=outsider)
    confirm = reverse("qdpx_confirm")
    assert client_for(coder).post(confirm, {"pending": pending.pk, "action": "import"}).status_code == 404
    assert client_for(outsider).post(confirm, {"pending": pending.pk, "action": "?"}).status_code == 400
    assert PendingQdpxImport.objects.filter(pk=pending.pk).exists()
    response = client_for(outsider).post(confirm, {"pending": pending.pk, "action": "import"}, follow=True)
    project = Project.objects.get(name="Checked")
    assert response.status_code == 200 and project.memberships.get().user == outsider
    assert quotes(project) == set(TOOL_PHRASES) - {"Moscow wanted it"}
    assert "a selection not placed exactly" in response.content.decode()
    assert not PendingQdpxImport.objects.exists()


def test_import_command_stops_on_unplaced_selections_unless_told_to_skip_them(owner, tmp_path):
    import io as _io

    from django.core.management import CommandError, call_command

    path = tmp_path / "study.qdpx"
    path.write_bytes(unplaceable_project())
    err = _io.StringIO()
    with pytest.raises(CommandError, match="Run again with --skip-unplaced"):
        call_command("import_qdpx", str(path), "--user", owner.username, stdout=_io.StringIO(), stderr=err)
    assert "Not placed exactly: 'Interview 1'" in err.getvalue()
    assert not Project.objects.filter(name="Study").exists()
    out = _io.StringIO()
    call_command("import_qdpx", str(path), "--user", owner.username, "--skip-unplaced", stdout=out,
                 stderr=_io.StringIO())
    assert quotes(Project.objects.get(slug=out.getvalue().strip())) == set(TOOL_PHRASES) - {"Moscow wanted it"}


# --- codings on sources Casecoder does not hold -------------------------------------------------

OTHER_SOURCES = (
    '<PDFSource guid="5a000000-0000-4000-8000-000000000002" name="Report.pdf" path="internal://r.pdf">'
    '<PDFSelection guid="e9000000-0000-4000-8000-000000000001" page="1" firstX="1" firstY="1" secondX="9" '
    f'secondY="9"><Coding guid="f9000000-0000-4000-8000-000000000001"><CodeRef targetGUID="{THREAT}"/></Coding>'
    f'<Coding guid="f9000000-0000-4000-8000-000000000002"><CodeRef targetGUID="{INTEREST}"/></Coding></PDFSelection>'
    '<Representation guid="5a000000-0000-4000-8000-000000000003" name="Report text"><PlainTextContent>The report '
    'says little.</PlainTextContent></Representation></PDFSource>'
    '<PictureSource guid="5a000000-0000-4000-8000-000000000004" name="Map" path="internal://map.png">'
    '<PictureSelection guid="e9000000-0000-4000-8000-000000000002" firstX="1" firstY="1" secondX="5" secondY="5">'
    f'<Coding guid="f9000000-0000-4000-8000-000000000003"><CodeRef targetGUID="{THREAT}"/></Coding>'
    '</PictureSelection></PictureSource>'
    '<AudioSource guid="5a000000-0000-4000-8000-000000000005" name="Call" path="internal://call.mp3">'
    '<Transcript guid="5a000000-0000-4000-8000-000000000006"><TranscriptSelection '
    'guid="e9000000-0000-4000-8000-000000000003" fromSyncPoint="5a000000-0000-4000-8000-000000000007" '
    'toSyncPoint="5a000000-0000-4000-8000-000000000008"><Coding guid="f9000000-0000-4000-8000-000000000004">'
    f'<CodeRef targetGUID="{THREAT}"/></Coding></TranscriptSelection></Transcript>'
    '<AudioSelection guid="e9000000-0000-4000-8000-000000000004" begin="0" end="10"><Coding '
    f'guid="f9000000-0000-4000-8000-000000000005"><CodeRef targetGUID="{INTEREST}"/></Coding></AudioSelection>'
    '</AudioSource>'
    '<VideoSource guid="5a000000-0000-4000-8000-000000000009" name="Clip" path="internal://clip.mp4"/>'
)


def test_codings_on_pdf_picture_audio_and_video_sources_are_listed_with_counts(owner):
    project, report = qdpx_import_or_reject(data=tool_project(tool_selections(), origin="QualCoder 3.5",
                                                              extra_sources=OTHER_SOURCES), user=owner)
    assert set(project.transcripts.values_list("title", flat=True)) == {"Interview 1", "Report.pdf"}
    skipped = "\n".join(report.skipped)
    assert "PDFSource 'Report.pdf': the codings of its pages, with its 2 codings on 1 selection, not imported" in skipped
    assert "PictureSource 'Map', with its 1 coding on 1 selection, not imported" in skipped
    assert "AudioSource 'Call', with its 2 codings on 2 selections, not imported" in skipped
    assert "VideoSource 'Clip': Casecoder imports text sources only, not video sources." in skipped
    assert any(line.startswith("5 codings on sources Casecoder does not hold") for line in report.notes)


# --- hostile archives -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["../evil.txt", "Sources/../../evil.txt", "/etc/cron.d/evil", "C:/evil.txt"])
def test_a_qdpx_with_entries_named_outside_the_archive_is_refused(owner, name):
    data = qdpx_bytes((FILES / "qualcoder_project.qde").read_text(encoding="utf-8"),
                      {SOURCE_PATH: QUALCODER_SOURCE, name: "x"})
    assert_rejected(data, owner, f"a part named '{name}', a path outside the archive")


def test_a_qdpx_whose_header_understates_a_member_is_refused_within_bounded_memory(owner, tmp_path):
    from tests.forged_zip import peak_memory_of, understated_zip

    data = understated_zip({}, "project.qde", b'<Project xmlns="urn:QDA-XML:project:1.0" name="x"/>', megabytes=1100)
    assert_rejected(data, owner, "unpacks to more than 100.0 MB")
    path = tmp_path / "lying.qdpx"
    path.write_bytes(data)
    result = peak_memory_of(
        "import sys\nfrom apps.exports.refiqda.safe import ImportRejected, Package\n"
        "package = Package(open(sys.argv[1], 'rb').read(), label='lying.qdpx')\n"
        "try:\n    package.read(package.project_member())\n    RESULT = {'reason': None}\n"
        "except ImportRejected as error:\n    RESULT = {'reason': error.reason}", path)
    assert "zip bomb" in result["reason"] and result["peak_mb"] < 300


def test_xml_errors_are_described_without_the_parsers_words(owner):
    with pytest.raises(ImportRejected) as caught:
        qdpx_import_or_reject(data=qdpx_bytes('<Project xmlns="urn:QDA-XML:project:1.0"><Sources></Project>'),
                              user=owner)
    assert "not well-formed XML (the first error is on line 1, column" in caught.value.reason
    assert "mismatched tag" not in caught.value.reason


# --- the expert speaker ------------------------------------------------------------------------------

def test_the_expert_speaker_survives_a_round_trip(coded, owner, project_schema):
    from apps.transcripts.services import transcript_speakers_update

    interview = coded["project"].transcripts.get(title="Interview E1")
    transcript_speakers_update(transcript=interview, actor=owner, expert_speaker="E1")
    data = export(coded["project"])
    project_schema.validate(members(data)["project.qde"].decode("utf-8"))
    copy, report = qdpx_import_or_reject(data=data, user=owner, project_name="Copy")
    assert dict(copy.transcripts.values_list("title", "expert_speaker")) == {"Interview E1": "E1", "Interview E2": ""}
    assert report.skipped == []


def test_an_expert_speaker_who_does_not_speak_is_reported_not_set(coded, owner):
    Transcript.objects.filter(project=coded["project"], title="Interview E1").update(expert_speaker="Ghost")
    copy, report = qdpx_import_or_reject(data=export(coded["project"]), user=owner, project_name="Copy")
    assert copy.transcripts.get(title="Interview E1").expert_speaker == ""
    assert any("the expert speaker 'Ghost' of 'Interview E1'" in line for line in report.skipped)
