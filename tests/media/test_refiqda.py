"""A recording in REFI-QDA: exported as an AudioSource (or VideoSource) with its Transcript and
SyncPoints, valid against the schema, and imported back with its timings."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import xmlschema
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.coding.services import segment_create
from apps.exports.refiqda.writer import write_qdpx
from apps.exports.services import qdpx_import_or_reject
from apps.media.models import Recording
from apps.media.selectors import timelines
from apps.media.services import recording_attach
from apps.transcripts.importers.subtitles import parse
from apps.transcripts.services import transcript_create
from tests.conftest import phrase_span

SCHEMA = Path(__file__).resolve().parents[1] / "exports" / "schemas" / "Project-mrt2019.xsd"
VTT = """WEBVTT

00:00:00.500 --> 00:00:02.000
<v Interviewer>Why did the alliance act in Kazakhstan?

00:00:02.400 --> 00:00:05.250
<v E1>The alliance sent its peacekeepers within a day.

00:00:06.000 --> 00:00:07.500
<v Interviewer>Thank you.
"""


@pytest.fixture
def recorded(project, owner, expert, threat, recording_file):
    """A transcript imported from subtitles (turn timings with starts and ends), coded, with
    the synthesised sentence as its recording."""
    parsed = parse("e1.vtt", VTT.encode(), vtt=True)
    transcript = transcript_create(project=project, title="Interview E1", text=parsed.text, turns=parsed.turns,
                                   expert=expert, created_by=owner, source_format="vtt")
    start, end = phrase_span(transcript, "sent its peacekeepers")
    segment_create(transcript=transcript, start=start, end=end, coder=owner, codes=[threat])
    data = recording_file("ogg").read_bytes()
    recording_attach(transcript=transcript, upload=SimpleUploadedFile("e1.ogg", data), actor=owner)
    return transcript, data


def export(project) -> bytes:
    out = io.BytesIO()
    write_qdpx(project, out)
    return out.getvalue()


def test_the_export_carries_the_audio_source_with_its_sync_points_valid_against_the_schema(recorded):
    transcript, data = recorded
    package = export(transcript.project)
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        qde = archive.read("project.qde").decode("utf-8")
        media = [n for n in archive.namelist() if n.endswith(".ogg")]
        assert len(media) == 1 and archive.read(media[0]) == data
    xmlschema.XMLSchema(str(SCHEMA)).validate(qde)
    assert "<AudioSource " in qde and "<SyncPoint " in qde
    turn = transcript.turns.get(number=2)
    assert f'timeStamp="2400" position="{turn.start}"' in qde
    assert f'timeStamp="5250" position="{turn.end}"' in qde
    assert export(transcript.project) == package  # deterministic, recordings too


def test_a_recording_and_its_timings_round_trip(recorded, owner):
    transcript, data = recorded
    copy, report = qdpx_import_or_reject(data=export(transcript.project), user=owner, project_name="Copy")
    imported = copy.transcripts.get(title="Interview E1")
    recording = Recording.objects.get(transcript=imported)
    assert recording.file.read() == data and recording.format == "ogg"
    before = timelines(transcript_ids=[transcript.pk])[transcript.pk].rows()
    after = timelines(transcript_ids=[imported.pk])[imported.pk].rows()
    assert after == before
    assert report.skipped == []
    assert imported.segments.get().quote == "sent its peacekeepers"


def test_a_media_source_whose_transcript_is_not_a_text_source_is_reported(recorded, owner):
    transcript, _ = recorded
    package = export(transcript.project)
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    qde = files["project.qde"].decode("utf-8")
    start = qde.index("<Transcript ")
    path_start = qde.index('plainTextPath="', start) + len('plainTextPath="')
    files["project.qde"] = (qde[:path_start] + "internal://elsewhere.txt" + qde[qde.index('"', path_start):]).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    copy, report = qdpx_import_or_reject(data=out.getvalue(), user=owner, project_name="Copy")
    assert not Recording.objects.filter(transcript__project=copy).exists()
    assert any("AudioSource" in line and "not one of the text sources" in line for line in report.skipped)
