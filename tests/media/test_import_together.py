"""A recording imported together with its transcript on the Import page: interview3.mp3
beside interview3.vtt (or a text with timestamps) becomes one transcript with its recording
and its turns' timings, all or nothing per pair; the other files go on as without recordings.
The recordings are real speech, made in the test (tests/media/conftest.py)."""
from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.media.models import Recording
from apps.media.pairing import pair
from apps.media.importing import transcripts_import_with_recordings
from apps.media.timings import Timeline
from apps.projects.models import Activity
from apps.transcripts.models import Expert, Transcript
from apps.transcripts.services import ImportFile, ImportStatus, transcript_import_files
from tests.coding.test_views import PAGE_QUERY_BOUND, workspace_data

VTT = """WEBVTT

00:00:00.000 --> 00:00:01.500
<v Interviewer>Why did the alliance act?

00:00:01.500 --> 00:00:04.000
<v E3>It sent its peacekeepers to Kazakhstan within a day.
"""

TIMED_TXT = ("[00:00:00] Interviewer: Why did the alliance act?\n\n"
             "[00:00:02] E4: It sent its peacekeepers to Kazakhstan within a day.\n")

PLAIN_TXT = "Interviewer: And in 2010?\n\nE5: It was an internal matter, said Moscow.\n"


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def sound(recording_file, fmt: str = "mp3") -> bytes:
    return Path(recording_file(fmt)).read_bytes()


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def import_url(project) -> str:
    return reverse("transcript_import", args=[project.slug])


def post(client, project, files, action="import", **data):
    return client.post(import_url(project), {"files": files, "action": action, **data})


def statuses(response) -> dict[str, str]:
    """{file name: status} of the result list, transcripts and recordings alike."""
    import re

    return dict(re.findall(r'data-file="([^"]+)" data-status="([^"]+)"', response.content.decode()))


# --- pairs ------------------------------------------------------------------------------------

def test_a_recording_and_a_vtt_of_its_name_become_one_transcript_with_timings_and_recording(
        client_for, coder, project, recording_file):
    made = sound(recording_file, "mp3")
    response = post(client_for(coder), project, [upload("interview3.mp3", made), upload("interview3.vtt", VTT.encode())])
    assert response.status_code == 200
    assert statuses(response) == {"interview3.vtt": "stored", "interview3.mp3": "stored"}

    transcript = Transcript.objects.get(title="interview3")
    recording = transcript.recording
    assert (recording.format, recording.kind, recording.original_name) == ("mp3", "audio", "interview3.mp3")
    assert recording.file.read() == made and recording.uploaded_by == coder
    turns = list(transcript.turns.order_by("number"))
    assert [(t.speaker, t.meta["start"], t.meta["end"]) for t in turns] == [
        ("Interviewer", 0.0, 1.5), ("E3", 1.5, 4.0)]
    page = client_for(coder).get(reverse("transcript_detail", args=[project.slug, transcript.pk]))
    player = workspace_data(page)["recording"]
    assert player["kind"] == "audio" and [row[3:] for row in player["turns"]] == [[0.0, 1.5], [1.5, 4.0]]


def test_a_recording_and_a_timestamped_text_pair_and_the_timestamps_time_the_turns(
        client_for, coder, project, recording_file):
    response = post(client_for(coder), project, [upload("E4 interview.txt", TIMED_TXT.encode()),
                                                 upload("E4 Interview.WAV", sound(recording_file, "wav"))])
    assert statuses(response) == {"E4 interview.txt": "stored", "E4 Interview.WAV": "stored"}  # capitals do not matter
    transcript = Transcript.objects.get()
    assert transcript.recording.format == "wav" and transcript.expert.pseudonym == "E4"
    line = Timeline(transcript.turns.all(), duration=transcript.recording.duration)
    assert [(t.number, t.begins) for t in line.turns] == [(1, 0.0), (2, 2.0)]


def test_a_word_transcript_with_timecodes_pairs_with_its_video(client_for, coder, project, recording_file):
    """Transcription tools write Word files as "[00:00:02] Name: words" paragraphs or a
    time | speaker | words table; either way the timecodes time the turns."""
    import docx

    from tests.transcripts.test_importers import docx_bytes

    document = docx.Document()
    table = document.add_table(rows=0, cols=3)
    for time, speaker, words in [("00:00:00", "Interviewer", "Why did the alliance act?"),
                                 ("00:00:02", "E7", "It sent its peacekeepers within a day.")]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = time, speaker, words
    response = post(client_for(coder), project, [upload("E7.docx", docx_bytes(document)),
                                                 upload("E7.mp4", sound(recording_file, "mp4"))])
    assert statuses(response) == {"E7.docx": "stored", "E7.mp4": "stored"}
    transcript = Transcript.objects.get()
    assert transcript.recording.kind == "video"
    line = Timeline(transcript.turns.all(), duration=transcript.recording.duration)
    assert [(t.number, t.begins) for t in line.turns] == [(1, 0.0), (2, 2.0)]


def test_a_fake_mp3_refuses_its_pair_and_stores_nothing_of_it_while_a_good_pair_is_imported(
        client_for, coder, project, recording_file, settings):
    fake = b"Interviewer: this is a transcript, not a recording.\n" * 20
    response = post(client_for(coder), project, [
        upload("interview1.mp3", fake), upload("interview1.vtt", VTT.encode()),
        upload("interview2.ogg", sound(recording_file, "ogg")), upload("interview2.txt", TIMED_TXT.encode()),
        upload("notes.txt", PLAIN_TXT.encode())])
    assert statuses(response) == {"interview1.vtt": "rejected", "interview2.txt": "stored", "notes.txt": "stored",
                                  "interview1.mp3": "rejected", "interview2.ogg": "stored"}
    page = response.content.decode()
    assert "interview1.vtt: its recording interview1.mp3 is refused" in page
    assert "not a recording Casecoder can play" in page
    assert "Recordings attached: 1 of 2." in page

    assert sorted(Transcript.objects.values_list("title", flat=True)) == ["interview2", "notes"]
    assert Recording.objects.get().transcript.title == "interview2"
    assert len(stored_files(settings)) == 1  # the good recording's file, nothing of the refused one
    assert not Activity.objects.filter(summary__contains="interview1").exists()


def test_a_recording_refused_while_its_transcript_is_stored_leaves_nothing_of_either(project, owner, settings):
    """The recording is stored in the transcript's own transaction: when that step refuses
    (here a real refusal of attach, as recording_attach raises it), the transcript, its new
    expert and its activity are rolled back with it."""
    def refuse(transcript):
        assert Transcript.objects.filter(pk=transcript.pk).exists()  # inside the transcript's transaction
        raise ValidationError("its recording E9.mp3 is refused: the file is empty")

    data = PLAIN_TXT.encode()
    [result] = transcript_import_files(project=project, actor=owner, files=[
        ImportFile("E9.txt", len(data), lambda: data, attach=refuse, attached="recording E9.mp3")])
    assert result.status == ImportStatus.REJECTED and result.transcript is None
    assert result.reason == "E9.txt: its recording E9.mp3 is refused: the file is empty"
    assert not Transcript.objects.exists() and not Expert.objects.filter(pseudonym="E9").exists()
    assert not Activity.objects.filter(summary__contains="E9").exists()


def test_a_recording_over_the_size_limit_refuses_its_pair_with_the_reason(client_for, coder, project, recording_file,
                                                                          settings):
    settings.CASECODER_MAX_MEDIA_BYTES = 1000
    response = post(client_for(coder), project, [upload("interview3.mp3", sound(recording_file, "mp3")),
                                                 upload("interview3.vtt", VTT.encode())])
    assert statuses(response)["interview3.vtt"] == "rejected"
    assert "recordings may be at most 1000" in response.content.decode()
    assert not Transcript.objects.exists() and not Recording.objects.exists() and stored_files(settings) == []


def test_a_large_recording_passes_through_a_temporary_file_not_memory(client_for, coder, project, recording_file,
                                                                      settings):
    """Over FILE_UPLOAD_MAX_MEMORY_SIZE Django spools an upload to a temporary file; the
    content check reads it there and the storage copies it in chunks."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    made = recording_file("webm")
    with open(made, "rb") as handle:
        response = post(client_for(coder), project, [handle, upload("speech.vtt", VTT.encode())])
    assert statuses(response) == {"speech.vtt": "stored", "speech.webm": "stored"}
    assert Recording.objects.get().file.read() == made.read_bytes()


# --- what goes with nothing -----------------------------------------------------------------

def test_a_recording_without_a_transcript_of_its_name_is_reported_and_not_stored(client_for, coder, project,
                                                                                 recording_file, settings):
    response = post(client_for(coder), project, [upload("lonely.mp3", sound(recording_file, "mp3")),
                                                 upload("notes.txt", PLAIN_TXT.encode())])
    assert statuses(response) == {"notes.txt": "stored", "lonely.mp3": "unpaired"}
    assert "lonely.mp3: no transcript file of the same name came with it" in response.content.decode()
    assert not Recording.objects.exists() and stored_files(settings) == []


def test_recordings_alone_are_reported_too(client_for, coder, project, recording_file):
    response = post(client_for(coder), project, [upload("lonely.wav", sound(recording_file, "wav"))])
    assert response.status_code == 200 and statuses(response) == {"lonely.wav": "unpaired"}


def test_a_recording_of_a_transcript_that_is_not_imported_is_not_stored_either(client_for, coder, project,
                                                                               recording_file, settings):
    response = post(client_for(coder), project, [upload("E6.mp3", sound(recording_file, "mp3")),
                                                 upload("E6.txt", b"")])
    assert statuses(response) == {"E6.txt": "rejected", "E6.mp3": "rejected"}
    assert "E6.mp3 is not imported either: E6.txt: the file is empty" in response.content.decode()
    assert not Recording.objects.exists() and stored_files(settings) == []


def test_a_recording_waits_with_its_duplicate_transcript_and_goes_in_with_it_when_imported_anyway(
        client_for, coder, project, recording_file):
    made = sound(recording_file, "mp3")
    client = client_for(coder)
    post(client, project, [upload("E3.mp3", made), upload("E3.vtt", VTT.encode())])
    again = post(client, project, [upload("again.mp3", made), upload("again.vtt", VTT.encode())])
    assert statuses(again) == {"again.vtt": "duplicate", "again.mp3": "duplicate"}
    assert "again.mp3: waits for its transcript again.vtt" in again.content.decode()
    assert Recording.objects.count() == 1
    anyway = post(client, project, [upload("again.mp3", made), upload("again.vtt", VTT.encode())],
                  import_anyway=["again.vtt"])
    assert statuses(anyway) == {"again.vtt": "stored", "again.mp3": "stored"}
    assert sorted(Recording.objects.values_list("transcript__title", "original_name")) == [
        ("E3", "E3.mp3"), ("again", "again.mp3")]


def test_pairing_goes_by_the_name_and_leaves_what_is_unclear_unpaired():
    pairs = pair(["a.vtt", "B.txt", "c.txt", "c.docx", "d.srt"], ["A.mp3", "b.wav", "c.ogg", "d.mp3", "d.wav", "e.mp4"])
    assert pairs.recording_of == {0: 0, 1: 1}
    assert "several transcript files have its name (c.txt, c.docx)" in pairs.unpaired[2]
    assert "d.wav has the same name" in pairs.unpaired[3] and "d.mp3 has the same name" in pairs.unpaired[4]
    assert "no transcript file of the same name" in pairs.unpaired[5]


# --- the preview, the experts, the queries -----------------------------------------------------

def test_the_preview_says_which_recording_goes_with_which_transcript_and_stores_nothing(
        client_for, coder, project, recording_file, settings):
    response = post(client_for(coder), project, [upload("interview3.vtt", VTT.encode()),
                                                 upload("interview3.mp3", sound(recording_file, "mp3")),
                                                 upload("fake.mp3", b"not sound" * 50), upload("fake.srt", b"")],
                    action="preview")
    page = response.content.decode()
    assert statuses(response) == {"interview3.vtt": "ready", "interview3.mp3": "ready", "fake.srt": "rejected",
                                  "fake.mp3": "rejected"}
    assert "With its recording interview3.mp3 (MP3 audio, 0:0" in page
    assert "fake.srt: its recording fake.mp3 is refused" in page
    assert "1 of 2 recordings goes with its transcript." in page
    assert not Transcript.objects.exists() and not Recording.objects.exists() and stored_files(settings) == []


def test_the_pages_preview_pairs_recordings_by_name_without_their_content(client_for, coder, project, settings):
    """The page's script previews with the recordings' names alone (a recording may be a
    gigabyte, and each correction previews again); their content is checked on Import."""
    client = client_for(coder)
    response = client.post(import_url(project), {"files": [upload("interview3.vtt", VTT.encode())], "action": "preview",
                                                 "recording_names": ["interview3.mp3", "lonely.wav"]})
    assert statuses(response) == {"interview3.vtt": "ready", "interview3.mp3": "ready", "lonely.wav": "unpaired"}
    assert "With its recording interview3.mp3 (its content is checked when it is imported)" in response.content.decode()
    only_names = client.post(import_url(project), {"action": "preview", "recording_names": ["lonely.wav"]})
    assert statuses(only_names) == {"lonely.wav": "unpaired"}
    nothing = client.post(import_url(project), {"action": "preview"})
    assert nothing.status_code == 400 and "Choose at least one file" in nothing.content.decode()
    ignored = client.post(import_url(project), {"action": "import", "recording_names": ["interview3.mp3"],
                                                "files": [upload("interview3.vtt", VTT.encode())]})
    assert statuses(ignored) == {"interview3.vtt": "stored"}  # an import stores what it was sent, nothing named
    assert not Recording.objects.exists() and stored_files(settings) == []


def test_the_experts_of_the_page_go_with_the_transcript_files_not_the_recordings(client_for, coder, project,
                                                                                 recording_file):
    post(client_for(coder), project, [upload("first.mp3", sound(recording_file, "mp3")),
                                      upload("first.txt", PLAIN_TXT.encode()),
                                      upload("second.txt", TIMED_TXT.encode())], experts=["E11", "E12"])
    assert sorted(Transcript.objects.values_list("title", "expert__pseudonym")) == [("first", "E11"),
                                                                                    ("second", "E12")]


def test_the_recordings_name_is_pseudonymised_like_its_transcripts(client_for, coder, project, recording_file):
    text = "Interviewer: Why?\n\nIvan Petrov: Because Moscow wanted it.\n"
    post(client_for(coder), project, [upload("Ivan Petrov.mp3", sound(recording_file, "mp3")),
                                      upload("Ivan Petrov.txt", text.encode())], pseudonyms="Ivan Petrov -> E3")
    recording = Recording.objects.get()
    assert (recording.transcript.title, recording.original_name) == ("E3", "E3.mp3")
    assert not Activity.objects.filter(summary__contains="Ivan").exists()


def test_a_reviewer_cannot_import_a_pair(client_for, reviewer, project, recording_file):
    response = post(client_for(reviewer), project, [upload("E3.mp3", sound(recording_file, "mp3")),
                                                    upload("E3.vtt", VTT.encode())])
    assert response.status_code == 403
    assert not Transcript.objects.exists() and not Recording.objects.exists()


def test_the_preview_runs_the_same_queries_for_one_pair_as_for_five(project, owner, recording_file,
                                                                    django_assert_num_queries):
    made = sound(recording_file, "wav")

    def preview(n):
        files = [ImportFile.from_bytes(f"i{k}.txt", TIMED_TXT.replace("alliance", f"alliance {k}").encode())
                 for k in range(n)]
        return transcripts_import_with_recordings(project=project, files=files, actor=owner, preview=True,
                                                  recordings=[upload(f"i{k}.wav", made) for k in range(n)])

    with django_assert_num_queries(3):  # checksums, titles, experts: none per file or per recording
        assert all(r.status == "ready" for r in preview(1).recordings)
    with django_assert_num_queries(3):
        assert all(r.status == "ready" for r in preview(5).recordings)


@pytest.mark.parametrize("pairs", [1, 4])
def test_an_import_of_pairs_runs_a_bounded_number_of_queries_per_pair(client_for, coder, project, recording_file,
                                                                      django_assert_max_num_queries, pairs):
    made = sound(recording_file, "mp3")
    files = []
    for k in range(pairs):
        files += [upload(f"E{k + 1}.mp3", made), upload(f"E{k + 1}.txt", TIMED_TXT.replace("act", f"act {k}").encode())]
    client = client_for(coder)
    with django_assert_max_num_queries(8 + 27 * pairs):  # measured: 32, 107 (SQLite); 111 for 4 (PostgreSQL's locks)
        response = post(client, project, files)
    assert set(statuses(response).values()) == {"stored"} and Recording.objects.count() == pairs
    with django_assert_max_num_queries(PAGE_QUERY_BOUND):
        assert client.get(reverse("transcript_detail", args=[project.slug, Transcript.objects.first().pk])
                          ).status_code == 200


# --- the API ------------------------------------------------------------------------------------

def api_import(client, project, files, **form):
    return client.post(f"/api/projects/{project.slug}/transcripts/import", {"files": files, **form})


def test_the_api_imports_a_pair_and_reports_each_recording(client_for, coder, project, recording_file,
                                                            django_assert_max_num_queries):
    made = sound(recording_file, "mp3")
    client = client_for(coder)
    with django_assert_max_num_queries(40):
        response = api_import(client, project, [upload("E3.mp3", made), upload("E3.vtt", VTT.encode()),
                                                upload("E8.wav", b"RIFF....WAVEnothing"), upload("alone.ogg", made)],
                              experts=["E30"])
    assert response.status_code == 200
    body = response.json()
    transcript = Transcript.objects.get()
    assert (body["stored"], body["not_imported"]) == (1, 0)
    assert body["results"][0]["attached"].startswith("recording E3.mp3 (MP3 audio")
    assert body["results"][0]["transcript_id"] == transcript.pk and transcript.expert.pseudonym == "E30"
    by_name = {r["filename"]: r for r in body["recordings"]}
    assert by_name["E3.mp3"] == {"filename": "E3.mp3", "status": "stored", "reason": "", "transcript_file": "E3.vtt",
                                 "format": "mp3", "kind": "audio", "duration": pytest.approx(3.5, abs=2.5),
                                 "transcript_id": transcript.pk, "transcription_job_id": None}
    assert by_name["E8.wav"]["status"] == "unpaired" and by_name["alone.ogg"]["status"] == "unpaired"
    assert Recording.objects.get().transcript == transcript


def test_the_api_preview_refuses_a_fake_recording_with_its_pair(client_for, coder, reviewer, project):
    fake = upload("E3.mp3", b"Interviewer: not sound\n" * 30)
    body = api_import(client_for(coder), project, [fake, upload("E3.vtt", VTT.encode())], preview="true").json()
    assert body["results"][0]["status"] == "rejected" and "its recording E3.mp3 is refused" in body["results"][0]["reason"]
    assert body["recordings"][0]["status"] == "rejected"
    assert api_import(client_for(reviewer), project, [upload("E3.vtt", VTT.encode())]).status_code == 403
    assert not Transcript.objects.exists()


def test_the_import_page_offers_recordings_with_their_limit(client_for, coder, project):
    page = client_for(coder).get(import_url(project)).content.decode()
    assert ".mp3,.m4a,.wav,.ogg,.mp4,.webm" in page  # the file input's accept list and the script's
    assert "at most 20.0 MB per transcript file, 1.0\xa0GB per recording" in page
