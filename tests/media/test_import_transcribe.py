"""A recording without a transcript file becomes a transcript to be transcribed: with the
Import page's choice, interview7.wav alone becomes the transcript "interview7", with its
recording attached, a placeholder text, and a transcription job queued that replaces the
placeholder with the recognised words and their timed turns. Without the choice it is
reported unpaired, as before; a file that is not a recording stores nothing."""
from __future__ import annotations

import html

from django.urls import reverse

from apps.media.models import Recording
from apps.media.importing import awaiting_text, transcripts_import_with_recordings
from apps.media.services import TRANSCRIPTION, Transcription, transcription_job_run
from apps.media.transcription import Word
from apps.projects.models import Activity, Job
from apps.transcripts.models import Transcript
from apps.transcripts.services import ImportFile
from tests.coding.test_views import PAGE_QUERY_BOUND
from tests.exports.test_worker import queued_in_database  # noqa: F401 (a fixture)
from tests.media.conftest import silent_wav_upload
from tests.media.test_import_together import PLAIN_TXT, VTT, import_url, post, sound, statuses, stored_files, upload
from tests.media.test_transcription import SHARE, heard_in_order, speech  # noqa: F401 (a fixture)

POCKETSPHINX = {"transcribe": "on", "engine": "pocketsphinx", "language": "en"}


def recorded(path, name: str):
    return upload(name, path.read_bytes())


def test_a_recording_alone_becomes_a_transcript_awaiting_its_queued_transcription_which_replaces_the_placeholder(
        client_for, coder, project, speech, queued_in_database, settings, django_assert_max_num_queries):
    path, said = speech(pause=2.5)  # two turns
    client = client_for(coder)
    response = post(client, project, [recorded(path, "E7 interview.wav"), upload("notes.txt", PLAIN_TXT.encode())],
                    **POCKETSPHINX)
    assert response.status_code == 200
    assert statuses(response) == {"notes.txt": "stored", "E7 interview.wav": "stored"}

    transcript = Transcript.objects.get(title="E7 interview")
    assert transcript.text.strip() == awaiting_text("E7 interview.wav").strip()
    assert transcript.expert.pseudonym == "E7"  # from the name, as a text file's name gives it
    assert (transcript.source_filename, transcript.source_format) == ("E7 interview.wav", "recording")
    recording = transcript.recording
    assert recording.format == "wav" and recording.file.read() == path.read_bytes()
    job = Job.objects.get(kind=TRANSCRIPTION)
    assert job.status == Job.Status.QUEUED and job.user == coder and recording.transcription == job
    assert job.result["asked"] == {"transcript_id": transcript.pk, "engine": "pocketsphinx", "language": "en",
                                   "version": transcript.version}
    page = response.content.decode()
    job_page = reverse("transcription_job", args=[project.slug, job.pk])
    assert f'href="{job_page}" data-transcription-job' in page
    assert "with its recording E7 interview.wav (WAV audio" in page and "to be transcribed (PocketSphinx" in page

    detail = reverse("transcript_detail", args=[project.slug, transcript.pk])
    with django_assert_max_num_queries(PAGE_QUERY_BOUND):
        waiting = client.get(detail).content.decode()
    assert "This transcript awaits the transcription of its recording (waiting for a worker)" in waiting
    assert job_page in waiting

    # The worker runs the job as it was queued (tests/media/test_transcription.py runs one in a real worker).
    transcription_job_run(job=job, **job.result["asked"])
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.reason
    transcript = Transcript.objects.get(pk=transcript.pk)
    assert "Awaiting" not in transcript.text
    assert len(heard_in_order(said, [Word(w, 0, 0) for w in transcript.text.split()])) >= SHARE * len(said)
    turns = list(transcript.turns.order_by("number"))
    assert len(turns) == 2 and all(t.meta["start"] < t.meta["end"] for t in turns)
    with django_assert_max_num_queries(PAGE_QUERY_BOUND):
        done = client.get(detail).content.decode()
    assert "awaits the transcription" not in done


def test_without_the_choice_a_recording_alone_is_reported_unpaired_as_before(client_for, coder, project, settings):
    response = post(client_for(coder), project, [upload("lonely.wav", silent_wav_upload().read())])
    assert statuses(response) == {"lonely.wav": "unpaired"}
    assert "lonely.wav: no transcript file of the same name came with it" in response.content.decode()
    assert not Transcript.objects.exists() and not Job.objects.exists() and stored_files(settings) == []


def test_a_fake_mp3_with_the_choice_stores_nothing_and_says_why(client_for, coder, project, queued_in_database,
                                                                settings):
    fake = upload("E5.mp3", b"Interviewer: this is a transcript, not a recording.\n" * 20)
    response = post(client_for(coder), project, [fake, upload("notes.txt", PLAIN_TXT.encode())], **POCKETSPHINX)
    assert statuses(response) == {"notes.txt": "stored", "E5.mp3": "rejected"}
    page = response.content.decode()
    assert "E5.mp3: " in page and "not a recording Casecoder can play" in page and "nothing is imported for it" in page
    assert list(Transcript.objects.values_list("title", flat=True)) == ["notes"]
    assert not Recording.objects.exists() and not Job.objects.exists() and stored_files(settings) == []
    assert not project.experts.filter(pseudonym="E5").exists()


def test_a_recording_alone_goes_with_a_pair_and_the_pair_is_not_transcribed(client_for, coder, project,
                                                                            queued_in_database):
    wav = silent_wav_upload().read()
    response = post(client_for(coder), project, [upload("E3.vtt", VTT.encode()), upload("E3.wav", wav),
                                                 upload("E4.wav", wav)], **POCKETSPHINX)
    assert statuses(response) == {"E3.vtt": "stored", "E3.wav": "stored", "E4.wav": "stored"}
    assert sorted(Recording.objects.values_list("transcript__title", flat=True)) == ["E3", "E4"]
    assert list(Job.objects.values_list("result__transcript", flat=True)) == [
        Transcript.objects.get(title="E4").pk]  # the pair keeps its text


def test_a_recording_alone_imported_again_while_its_transcript_awaits_is_a_duplicate_and_stores_nothing(
        client_for, coder, project, queued_in_database, settings):
    client = client_for(coder)
    wav = silent_wav_upload().read()
    post(client, project, [upload("E3.wav", wav)], **POCKETSPHINX)
    again = post(client, project, [upload("E3.wav", wav)], **POCKETSPHINX)
    assert statuses(again) == {"E3.wav": "duplicate"}
    assert ("E3.wav: a transcript awaiting its transcription is in the project already ('E3'); nothing is "
            "imported for it") in html.unescape(again.content.decode())
    assert Transcript.objects.count() == Recording.objects.count() == Job.objects.count() == 1
    assert len(stored_files(settings)) == 1


def test_the_pseudonym_list_renames_a_recording_alone_its_title_its_text_and_its_file(
        client_for, coder, project, queued_in_database):
    post(client_for(coder), project, [upload("Ivan Petrov.wav", silent_wav_upload().read())],
         pseudonyms="Ivan Petrov -> E3", **POCKETSPHINX)
    transcript = Transcript.objects.get()
    assert transcript.title == "E3" and transcript.expert.pseudonym == "E3"
    assert transcript.text.strip() == awaiting_text("E3.wav").strip()
    assert transcript.recording.original_name == "E3.wav" and transcript.source_filename == "E3.wav"
    assert transcript.pseudonym_map == [{"name": "Ivan Petrov", "pseudonym": "E3", "count": 1}]
    assert not Activity.objects.filter(summary__contains="Ivan").exists()
    assert "Ivan" not in Job.objects.get().label


def test_the_preview_says_what_a_recording_alone_would_become_and_stores_nothing(client_for, coder, project,
                                                                                 settings):
    client = client_for(coder)
    response = client.post(import_url(project), {"action": "preview", "recording_names": ["E9.mp3"],
                                                 **POCKETSPHINX})
    assert statuses(response) == {"E9.mp3": "ready"}
    page = response.content.decode()
    assert "E9.mp3</span> → E9" in page and "expert E9 (new)" in page
    assert "to be transcribed (PocketSphinx (English, built in), English)" in page
    assert "1 becomes a transcript to be transcribed" in page
    assert not Transcript.objects.exists() and not Job.objects.exists() and stored_files(settings) == []


def test_the_choice_offers_the_engines_that_can_run_and_refuses_another(client_for, coder, project):
    client = client_for(coder)
    page = client.get(import_url(project)).content.decode()
    assert "Transcribe recordings that have no transcript file" in page
    assert '<option value="pocketsphinx" selected>' in page and '<option value="whisper"' not in page
    response = post(client, project, [upload("E2.wav", silent_wav_upload().read())],
                    transcribe="on", engine="whisper", language="ru")
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not Transcript.objects.exists() and not Job.objects.exists()


def test_the_import_runs_a_bounded_number_of_queries_per_recording_alone(project, owner, queued_in_database,
                                                                        django_assert_max_num_queries):
    wav = silent_wav_upload().read()
    how = Transcription("pocketsphinx", "en")

    def run(n):
        recordings = [upload(f"alone{k}-{n}.wav", wav) for k in range(n)]
        return transcripts_import_with_recordings(project=project, files=[], recordings=recordings, actor=owner,
                                                  transcription=how)

    with django_assert_max_num_queries(3):  # a preview: checksums, titles, experts, whatever the number
        assert [r.status for r in transcripts_import_with_recordings(
            project=project, files=[], recordings=[], recording_names=["a.wav", "b.wav"], actor=owner, preview=True,
            transcription=how).recordings] == ["ready", "ready"]
    # measured: 35 for one, 131 for four on SQLite; 37 and 139 on PostgreSQL (its locks): 32 to
    # 34 per recording, its transcript, expert, turns, recording and activities as a pair's, then
    # its job, its task and the links to them
    with django_assert_max_num_queries(5 + 36) as one:
        assert [r.status for r in run(1).recordings] == ["stored"]
    with django_assert_max_num_queries(5 + 36 * 4) as four:
        assert {r.status for r in run(4).recordings} == {"stored"}
    assert (len(four.captured_queries) - len(one.captured_queries)) / 3 <= 36
    assert Job.objects.filter(kind=TRANSCRIPTION, status=Job.Status.QUEUED).count() == 5


def test_the_api_transcribes_a_recording_alone_when_asked_and_refuses_an_engine_it_lacks(
        client_for, coder, project, queued_in_database):
    client = client_for(coder)
    url = f"/api/projects/{project.slug}/transcripts/import"
    wav = silent_wav_upload().read()
    plain = client.post(url, {"files": [upload("E6.wav", wav)]}).json()
    assert plain["recordings"][0]["status"] == "unpaired" and plain["recordings"][0]["transcription_job_id"] is None
    body = client.post(url, {"files": [upload("E6.wav", wav)], "transcribe": "true", "engine": "pocketsphinx"}).json()
    [row] = body["recordings"]
    job = Job.objects.get(kind=TRANSCRIPTION)
    assert (row["status"], row["transcription_job_id"]) == ("stored", job.pk)
    assert row["transcript_id"] == Transcript.objects.get(title="E6").pk and job.result["asked"]["language"] == "en"
    refused = client.post(url, {"files": [upload("E8.wav", wav)], "transcribe": "true", "engine": "whisper"})
    assert refused.status_code == 422 and "no model folder is set" in refused.content.decode()
    assert not Transcript.objects.filter(title="E8").exists() and Job.objects.count() == 1
