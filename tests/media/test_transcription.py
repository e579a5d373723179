"""Transcription on the server: speech made in the test (flite, word by word, with known
pauses, so that every word's true start is known), recognised by pocketsphinx from the
model its wheel carries, and made into the transcript's text and timed turns by a job.

Without flite, ffmpeg or pocketsphinx the tests that need them are skipped with the reason;
with CASECODER_REQUIRE_MEDIA=1 (CI) they fail instead."""
from __future__ import annotations

import difflib
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.coding.models import Segment
from apps.coding.services import segment_create
from apps.media.services import (TRANSCRIPTION, recording_attach, transcription_job_create,
                                 transcription_jobs_requeue_abandoned)
from apps.media.timings import Timeline
from apps.media.transcription import Word, engine_offers
from apps.media.transcription.sphinx import PocketsphinxEngine
from apps.media.transcription.turns import text_and_turns
from apps.projects.models import Job
from apps.transcripts.models import Transcript

from tests.conftest import phrase_span
from tests.exports.test_worker import BASE_DIR, ended, queued_in_database, wait_for  # noqa: F401 (a fixture)
from tests.media.speech import speak_words, speech_tools_or_skip
from tests.test_production import database_url, on_postgres

FIRST = "the president asked for help in january"
SECOND = "the army did not send any soldiers to the border"
SHARE = 0.85   # of the words said that come back, in order; measured: 17 of 17 with flite's awb voice
CLOSE = 0.5    # seconds between a word's synthesised start and the start pocketsphinx gives it


@pytest.fixture
def speech(tmp_path):
    """Returns a maker: speech(pause) is a wav of FIRST, `pause` seconds of silence, then
    SECOND, with each word's (text, true start)."""
    speech_tools_or_skip()

    def make(pause: float = 0.8, name: str = "speech.wav"):
        path = tmp_path / name
        return path, speak_words(path, [(FIRST, pause), (SECOND, 0.5)])
    return make


def heard_in_order(said: list[tuple[str, float]], heard: list[Word]) -> list[tuple[tuple[str, float], Word]]:
    """The words said that were heard, paired in order (the longest common subsequence)."""
    matcher = difflib.SequenceMatcher(None, [w for w, _ in said], [w.text for w in heard], autojunk=False)
    return [(said[block.a + i], heard[block.b + i]) for block in matcher.get_matching_blocks()
            for i in range(block.size)]


def test_pocketsphinx_hears_the_sentences_and_places_each_word_within_half_a_second(speech):
    path, said = speech()
    progress = []
    recognised = PocketsphinxEngine().transcribe(str(path), language="en",
                                                 progress=lambda done, total: progress.append((done, total)))
    pairs = heard_in_order(said, recognised.words)
    assert len(pairs) >= SHARE * len(said), " ".join(w.text for w in recognised.words)
    late = [(word, start, round(w.start, 2)) for (word, start), w in pairs if abs(w.start - start) > CLOSE]
    assert not late, late
    assert recognised.language == "en" and recognised.duration == pytest.approx(said[-1][1] + 1.5, abs=1.0)
    assert progress[-1][0] == progress[-1][1] == pytest.approx(recognised.duration)  # progress reaches the end
    assert [d for d, _ in progress] == sorted(d for d, _ in progress)


def test_any_format_ffmpeg_reads_is_transcribed_alike(speech, tmp_path):
    path, said = speech()
    mp3 = tmp_path / "speech.mp3"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(path), "-c:a", "libmp3lame", str(mp3)], check=True)
    recognised = PocketsphinxEngine().transcribe(str(mp3), language="en")
    assert len(heard_in_order(said, recognised.words)) >= SHARE * len(said)


def test_words_become_turns_at_long_pauses_with_their_times():
    words = [Word("we", 0.5, 0.7), Word("asked", 0.8, 1.2), Word("them", 1.3, 1.6),    # 1.4 s pause: same turn
             Word("twice", 3.0, 3.5), Word("no", 5.2, 5.5), Word("answer", 5.6, 6.2)]  # 1.7 s pause: new turn
    text, turns = text_and_turns(words)
    assert text == "we asked them twice\n\nno answer"
    assert [(t.start, t.end) for t in turns] == [(0, 19), (21, 30)]
    assert turns[0].meta == {"start": 0.5, "end": 3.5, "length": 19, "words": [[0, 0.5], [3, 0.8], [9, 1.3], [14, 3.0]]}
    assert turns[1].meta["start"] == 5.2 and turns[1].meta["end"] == 6.2
    # a turn that has run a minute ends at the next word, pause or not
    steady = [Word(f"w{i}", i * 0.5, i * 0.5 + 0.4) for i in range(150)]
    assert [len(t.meta["words"]) for t in text_and_turns(steady)[1]] == [120, 30]


def test_a_transcribed_turn_places_a_passage_by_its_words_until_an_edit_changes_its_length():
    meta = {"start": 10.0, "end": 20.0, "length": 30, "words": [[0, 10.0], [10, 18.0], [20, 19.0]]}
    line = Timeline([SimpleNamespace(number=1, start=100, end=130, meta=meta)])
    assert line.at(100) == 10.0
    assert line.at(105) == 14.0     # half-way from the first word (10 s) to the second (18 s), not 11.67
    assert line.at(115) == 18.5
    assert line.at(125) == 19.5
    assert line.rows() == [[1, 100, 130, 10.0, 20.0, [[110, 18.0], [120, 19.0]]]]
    edited = Timeline([SimpleNamespace(number=1, start=100, end=131, meta=meta)])  # one character more
    assert edited.at(115.5) == pytest.approx(10 + 10 * 15.5 / 31) and len(edited.rows()[0]) == 5
    backwards = {**meta, "words": [[0, 10.0], [10, 19.0], [20, 18.0]]}
    assert Timeline([SimpleNamespace(number=1, start=100, end=130, meta=backwards)]).at(115) == 15.0


def attach(transcript, owner, path: Path):
    return recording_attach(transcript=transcript, upload=SimpleUploadedFile(path.name, path.read_bytes()),
                            actor=owner)


def test_transcribing_replaces_the_text_with_timed_turns_and_flags_the_coded_passages(
        transcript, owner, coder, threat, client_for, speech, django_assert_max_num_queries):
    path, said = speech(pause=2.5)  # longer than the 1.5 s that starts a new turn
    attach(transcript, owner, path)
    start, end = phrase_span(transcript, "Because Moscow wanted it to.")
    segment = segment_create(transcript=transcript, start=start, end=end, coder=coder, codes=[threat])
    client = client_for(coder)
    page = client.get(reverse("recording_page", args=[transcript.project.slug, transcript.pk]))
    assert b"PocketSphinx (English, built in)</strong>: available" in page.content
    assert b"Whisper (faster-whisper, local model): not available: no model folder is set" in page.content

    response = client.post(reverse("recording_transcribe", args=[transcript.project.slug, transcript.pk]),
                           {"engine": "pocketsphinx", "language": "en", "replace": "on"})
    job = Job.objects.get(kind=TRANSCRIPTION)
    assert response.status_code == 302 and response["Location"] == reverse(
        "transcription_job", args=[transcript.project.slug, job.pk])
    assert job.status == Job.Status.DONE, job.reason
    transcript = Transcript.objects.get(pk=transcript.pk)
    first, second = transcript.text.split("\n\n")
    assert len(heard_in_order(said[:7], [Word(w, 0, 0) for w in first.split()])) >= 6
    assert len(heard_in_order(said[7:], [Word(w, 0, 0) for w in second.split()])) >= 8
    turns = list(transcript.turns.order_by("number"))
    assert [(t.speaker, t.start, t.end) for t in turns] == [("", 0, len(first)),
                                                            ("", len(first) + 2, len(transcript.text))]
    assert turns[0].meta["start"] == pytest.approx(said[0][1], abs=CLOSE)
    assert turns[1].meta["start"] == pytest.approx(said[7][1], abs=CLOSE)
    assert turns[0].meta["end"] < turns[1].meta["start"] - 1.5
    assert job.result["words"] == len(transcript.text.split()) and job.result["turns"] == 2
    assert Segment.objects.get(pk=segment.pk).needs_review  # its words are gone: flagged, kept

    with django_assert_max_num_queries(8):
        done = client.get(response["Location"]).content.decode()
    speakers = reverse("transcript_speakers", args=[transcript.project.slug, transcript.pk])
    assert "Transcribed" in done and speakers in done
    with django_assert_max_num_queries(10):
        listed = client.get(reverse("recording_page", args=[transcript.project.slug, transcript.pk])).content.decode()
    assert response["Location"] in listed and job.result["summary"] in listed  # the way back to the job
    player = client.get(reverse("transcript_detail", args=[transcript.project.slug, transcript.pk])).content.decode()
    assert f"[1, 0, {len(first)}, {turns[0].meta['start']}" in player.replace('"', "")  # the player gets the timings


def test_transcribing_is_refused_without_the_tick_while_the_transcript_has_a_text(transcript, owner, coder,
                                                                                    client_for, speech):
    path, _ = speech()
    attach(transcript, owner, path)
    before = transcript.text
    response = client_for(coder).post(reverse("recording_transcribe", args=[transcript.project.slug, transcript.pk]),
                                      {"engine": "pocketsphinx", "language": "en"})
    assert response.status_code == 400
    assert "already has a text. Tick “replace the text”" in response.content.decode()
    assert not Job.objects.exists() and Transcript.objects.get(pk=transcript.pk).text == before


def test_an_engine_that_cannot_run_is_not_offered_and_says_why(transcript, owner, coder, client_for, settings,
                                                               tmp_path):
    settings.CASECODER_WHISPER_MODEL_DIR = str(tmp_path)
    whisper = next(o for o in engine_offers() if o.name == "whisper")
    assert not whisper.available and "holds no faster-whisper model (model.bin is missing)" in whisper.why_not
    (tmp_path / "model.bin").write_bytes(b"not a model")  # a folder that looks right; the tests lack the extra
    whisper = next(o for o in engine_offers() if o.name == "whisper")
    assert not whisper.available and whisper.why_not == ("the faster-whisper package is not installed "
                                                         "(pip install -e '.[whisper]').")
    attach(transcript, owner, _silence(tmp_path))
    response = client_for(coder).post(reverse("recording_transcribe", args=[transcript.project.slug, transcript.pk]),
                                      {"engine": "whisper", "language": "ru", "replace": "on"})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not Job.objects.exists()


def test_a_recording_that_cannot_be_decoded_stores_nothing_and_the_job_says_why(transcript, owner, coder,
                                                                                client_for, speech, tmp_path):
    path, _ = speech()
    ogg = tmp_path / "speech.ogg"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(path), "-c:a", "libvorbis", str(ogg)], check=True)
    recording = attach(transcript, owner, ogg)
    stored = Path(recording.file.path)
    stored.write_bytes(stored.read_bytes()[:3000])  # the file was damaged on disk since its upload
    before = (transcript.text, list(transcript.turns.values_list("start", "end", "meta")))
    job = transcription_job_create(recording=recording, user=coder, engine="pocketsphinx", language="en",
                                   replace=True)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "could not be decoded (End of file); it may be truncated or damaged. Nothing was changed." in job.reason
    assert str(stored) not in job.reason  # no server path in what the user reads
    transcript = Transcript.objects.get(pk=transcript.pk)
    assert (transcript.text, list(transcript.turns.values_list("start", "end", "meta"))) == before
    page = client_for(coder).get(reverse("transcription_job", args=[transcript.project.slug, job.pk])).content.decode()
    assert "Not transcribed" in page and "End of file" in page
    assert reverse("recording_page", args=[transcript.project.slug, transcript.pk]) in page


def test_a_reviewer_cannot_transcribe_and_nobody_sees_anothers_job(transcript, owner, reviewer, coder, client_for,
                                                                   tmp_path):
    attach(transcript, owner, _silence(tmp_path))
    url = reverse("recording_transcribe", args=[transcript.project.slug, transcript.pk])
    assert client_for(reviewer).post(url, {"engine": "pocketsphinx", "language": "en", "replace": "on"}
                                     ).status_code in (403, 404)
    job = Job.objects.create(user=coder, kind=TRANSCRIPTION, label="x", project=transcript.project)
    page = reverse("transcription_job", args=[transcript.project.slug, job.pk])
    assert client_for(owner).get(page).status_code == 404 and client_for(coder).get(page).status_code == 200
    assert not Job.objects.exclude(pk=job.pk).exists()


@on_postgres
def test_a_real_worker_transcribes_and_the_page_follows_its_progress(transactional_db, queued_in_database, settings,
                                                                     transcript, owner, coder, client_for, speech):
    """`manage.py db_worker`, as `make run` starts it, runs the queued job against the same
    database and media folder; the job page polls it to the end."""
    path, said = speech(pause=2.5)
    recording = attach(transcript, owner, path)
    response = client_for(coder).post(reverse("recording_transcribe", args=[transcript.project.slug, transcript.pk]),
                                      {"engine": "pocketsphinx", "language": "en", "replace": "on"})
    job = Job.objects.get(kind=TRANSCRIPTION)
    assert response.status_code == 302 and job.status == Job.Status.QUEUED
    env = {k: v for k, v in os.environ.items() if k != "CASECODER_TASKS_BACKEND"}
    env.update(DATABASE_URL=database_url(), CONN_MAX_AGE="0", DJANGO_SETTINGS_MODULE="config.settings",
               CASECODER_MEDIA_ROOT=str(settings.MEDIA_ROOT))
    worker = subprocess.Popen([sys.executable, "manage.py", "db_worker", "--interval", "0.1", "--no-startup-delay",
                               "--no-reload"], cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        steps = set()

        def watch():
            job.refresh_from_db()
            steps.add(job.step.split(" (")[0])
            return ended(job)
        wait_for(watch, seconds=120)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    assert job.status == Job.Status.DONE, job.reason
    assert "Recognising speech" in steps  # progress committed while it ran
    transcript = Transcript.objects.get(pk=transcript.pk)
    assert transcript.turns.count() == 2 and transcript.text.count("\n\n") == 1
    assert all(t.meta["start"] < t.meta["end"] for t in transcript.turns.all())
    assert len(heard_in_order(said, [Word(w, 0, 0) for w in transcript.text.split()])) >= SHARE * len(said)
    assert recording.pk == transcript.recording.pk


def test_a_transcription_left_running_by_a_dead_worker_is_queued_again_as_asked(transcript, owner, coder, speech,
                                                                               settings):
    path, _ = speech()
    recording = attach(transcript, owner, path)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # queued, not run
    job = transcription_job_create(recording=recording, user=coder, engine="pocketsphinx", language="en",
                                   replace=True)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, step="Recognising speech")  # then it died
    assert transcription_jobs_requeue_abandoned(older_than=timedelta(minutes=10)) == []  # not abandoned yet
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    assert [j.pk for j in transcription_jobs_requeue_abandoned(older_than=timedelta(0))] == [job.pk]
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.reason
    assert Transcript.objects.get(pk=transcript.pk).text.startswith("the president")


def _silence(folder: Path) -> Path:
    from tests.media.conftest import silent_wav_upload

    path = folder / "silence.wav"
    path.write_bytes(silent_wav_upload(0.5).read())
    return path
