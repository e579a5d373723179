"""A recording with a transcript: checked by its content, stored through the storage API,
attached on the transcript's Recording page by coders and owners."""
from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.media.formats import sniff
from apps.media.models import Recording
from apps.media.services import recording_attach, recording_remove


def upload_of(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize("fmt, content_type, kind", [
    ("mp3", "audio/mpeg", "audio"), ("wav", "audio/wav", "audio"), ("ogg", "audio/ogg", "audio"),
    ("m4a", "audio/mp4", "audio"), ("webm", "audio/webm", "audio"), ("mp4", "video/mp4", "video"),
])
def test_each_format_is_recognised_by_its_content(transcript, owner, recording_file, fmt, content_type, kind, settings):
    made = recording_file(fmt)
    recording = recording_attach(transcript=transcript, upload=upload_of(made, f"interview-{fmt}.bin"), actor=owner)
    assert (recording.format, recording.content_type, recording.kind) == (fmt, content_type, kind)
    assert recording.size == made.stat().st_size
    assert recording.duration == pytest.approx(3.5, abs=2.5)  # the sentence takes a few seconds
    assert recording.original_name == f"interview-{fmt}.bin"
    assert recording.file.read() == made.read_bytes()
    assert recording.file.name.endswith(f".{fmt}")
    assert [p.name for p in stored_files(settings)] == [Path(recording.file.name).name]


def test_a_text_file_named_mp3_is_refused_and_nothing_is_stored(transcript, owner, settings):
    fake = SimpleUploadedFile("interview.mp3", b"E1: this is a transcript, not a recording.\n" * 20)
    with pytest.raises(ValidationError, match="not a recording Casecoder can play"):
        recording_attach(transcript=transcript, upload=fake, actor=owner)
    assert not Recording.objects.exists()
    assert stored_files(settings) == []


def test_a_damaged_file_with_media_magic_bytes_is_refused(transcript, owner, recording_file, settings):
    """The first bytes of an mp3 and garbage after them: ffprobe finds nothing to play."""
    made = recording_file("wav")
    damaged = SimpleUploadedFile("x.wav", made.read_bytes()[:12] + b"\x00" * 4000)
    with pytest.raises(ValidationError, match="cannot be played|no audio or video"):
        recording_attach(transcript=transcript, upload=damaged, actor=owner)
    assert not Recording.objects.exists() and stored_files(settings) == []


def test_a_file_over_the_size_limit_is_refused(transcript, owner, recording_file, settings):
    settings.CASECODER_MAX_MEDIA_BYTES = 1000
    with pytest.raises(ValidationError, match="at most 1000"):
        recording_attach(transcript=transcript, upload=upload_of(recording_file("wav")), actor=owner)
    assert not Recording.objects.exists()


def test_a_new_recording_replaces_the_old_one_and_its_file(transcript, owner, recording_file, settings,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = recording_attach(transcript=transcript, upload=upload_of(recording_file("wav")), actor=owner)
    with django_capture_on_commit_callbacks(execute=True):
        second = recording_attach(transcript=transcript, upload=upload_of(recording_file("mp3")), actor=owner)
    assert list(Recording.objects.values_list("pk", flat=True)) == [second.pk]
    assert [p.name for p in stored_files(settings)] == [Path(second.file.name).name]
    assert first.file.name != second.file.name


def test_removing_a_recording_or_its_transcript_removes_the_file(transcript, owner, recording_file, settings,
                                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        recording = recording_attach(transcript=transcript, upload=upload_of(recording_file("wav")), actor=owner)
    with django_capture_on_commit_callbacks(execute=True):
        recording_remove(recording=recording, actor=owner)
    assert stored_files(settings) == []
    with django_capture_on_commit_callbacks(execute=True):
        recording_attach(transcript=transcript, upload=upload_of(recording_file("wav")), actor=owner)
    with django_capture_on_commit_callbacks(execute=True):
        transcript.delete()
    assert stored_files(settings) == []


def test_sniffing_reads_magic_bytes_not_names():
    assert sniff(b"ID3\x04\x00") .format == "mp3"
    assert sniff(b"\xff\xfb\x90\x00").format == "mp3"
    assert sniff(b"\xff\xf1\x50\x80") is None  # ADTS AAC is not an mp3 frame
    assert sniff(b"RIFF\x00\x00\x00\x00WAVEfmt ").format == "wav"
    assert sniff(b"%PDF-1.7") is None and sniff(b"PK\x03\x04") is None


# --- the page --------------------------------------------------------------------------------

def page(transcript):
    return reverse("recording_page", args=[transcript.project.slug, transcript.pk])


def test_a_coder_attaches_a_recording_on_the_page(client_for, coder, transcript, recording_file,
                                                  django_assert_max_num_queries):
    client = client_for(coder)
    with open(recording_file("mp3"), "rb") as handle:
        response = client.post(page(transcript), {"file": handle})
    assert response.status_code == 302
    recording = Recording.objects.get()
    assert recording.transcript == transcript and recording.uploaded_by == coder
    with django_assert_max_num_queries(8):
        shown = client.get(page(transcript))
    assert shown.status_code == 200
    assert b"<audio controls" in shown.content
    assert reverse("recording_file", args=[transcript.project.slug, transcript.pk]).encode() in shown.content


def test_a_recording_larger_than_the_memory_limit_passes_through_a_temporary_file(client_for, coder, transcript,
                                                                                   recording_file, settings):
    """Django spools an upload over FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file; ffprobe
    reads that file where it is."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    made = recording_file("ogg")
    with open(made, "rb") as handle:
        assert client_for(coder).post(page(transcript), {"file": handle}).status_code == 302
    recording = Recording.objects.get()
    assert recording.format == "ogg" and recording.file.read() == made.read_bytes()


def test_the_page_refuses_a_non_media_file_with_the_reason(client_for, coder, transcript, settings):
    client = client_for(coder)
    fake = SimpleUploadedFile("interview.mp3", b"<html>not audio</html>" * 10, "audio/mpeg")
    response = client.post(page(transcript), {"file": fake})
    assert response.status_code == 400
    assert "not a recording Casecoder can play" in response.content.decode()
    assert not Recording.objects.exists() and stored_files(settings) == []


def test_a_reviewer_reads_the_page_but_cannot_attach(client_for, reviewer, transcript, recording_file):
    client = client_for(reviewer)
    shown = client.get(page(transcript))
    assert shown.status_code == 200 and b'type="file"' not in shown.content
    with open(recording_file("wav"), "rb") as handle:
        assert client.post(page(transcript), {"file": handle}).status_code == 403
    assert not Recording.objects.exists()


def test_an_outsider_gets_404(client_for, outsider, transcript):
    assert client_for(outsider).get(page(transcript)).status_code == 404


def test_the_transcript_page_links_to_the_recording_page(client_for, coder, transcript):
    response = client_for(coder).get(reverse("transcript_detail", args=[transcript.project.slug, transcript.pk]))
    assert page(transcript).encode() in response.content


# --- the transcript page's player ------------------------------------------------------------

TIMED_TEXT = ("[00:00:00] Interviewer: Why did the alliance act?\n\n"
              "[00:12:04] E1: Because Moscow wanted it to.\n\n"
              "E1: And the members feared the same crowds.")


def test_the_transcript_page_gives_the_player_its_file_and_the_turns_timings(
        client_for, coder, project, owner, expert, recording_file, django_assert_max_num_queries):
    from apps.transcripts.services import transcript_create
    from tests.coding.test_views import PAGE_QUERY_BOUND, workspace_data

    timed = transcript_create(project=project, title="Timed", text=TIMED_TEXT, expert=expert, created_by=owner)
    recording = recording_attach(transcript=timed, upload=upload_of(recording_file("wav")), actor=owner)
    client = client_for(coder)
    with django_assert_max_num_queries(PAGE_QUERY_BOUND):
        response = client.get(reverse("transcript_detail", args=[project.slug, timed.pk]))
    player = workspace_data(response)["recording"]
    assert player["url"] == reverse("recording_file", args=[project.slug, timed.pk]) + f"?v={recording.pk}"
    assert player["kind"] == "audio"
    # ¶1 from 0 s to 12:04 (the next timed turn); ¶2 from 12:04 to the recording's end, which is
    # before it (the recording is short): it ends where it begins. ¶3 has no timestamp.
    assert [row[0] for row in player["turns"]] == [1, 2]
    assert player["turns"][0][3:] == [0.0, 724.0]
    assert player["turns"][1][3] == 724.0
    assert b"data-player" in response.content and b"Alt+K" in response.content


def test_a_transcript_without_a_recording_sends_no_player(client_for, coder, transcript):
    from tests.coding.test_views import workspace_data

    response = client_for(coder).get(reverse("transcript_detail", args=[transcript.project.slug, transcript.pk]))
    assert workspace_data(response)["recording"] is None and b"data-player" not in response.content

