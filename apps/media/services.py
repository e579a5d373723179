"""Writes of recordings: attach one to a transcript (replacing the one before), remove it,
and transcribe it (a job: the recognised words become the transcript's text and timed
turns). Importing transcripts together with their recordings is importing.py's."""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat, pluralize

from apps.projects.models import Job
from apps.projects.services import (activity_record, job_create, job_fail, job_finish, job_progress, job_start,
                                    job_work, jobs_requeue_abandoned)
from apps.transcripts.models import Transcript
from apps.transcripts.services import turn_timings_set, turns_replace
from apps.transcripts.signals import transcript_text_stored
from apps.transcripts.text import TurnSpan

from .formats import FORMATS, HEAD_BYTES, MediaFormat, NotMedia, probe, sniff
from .models import Recording
from .timings import sync_point_timings
from .transcription import LANGUAGE_NAMES, Recognised, TranscriptionFailed, engine_named, engine_offers
from .transcription.turns import text_and_turns


def _read_format(upload: UploadedFile):
    """The upload's format from its content; ffprobe reads it from a path, so an upload held
    in memory is written to a temporary file first (removed at once)."""
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    found = sniff(head)
    if found is None:
        raise NotMedia(f"'{upload.name}' is not a recording Casecoder can play: its content is none of "
                       f"{', '.join(FORMATS)} (whatever its name says)")
    path = getattr(upload, "temporary_file_path", None)
    if path is not None:
        return probe(path(), found)
    with tempfile.NamedTemporaryFile(suffix=f".{found.format}") as copy:
        for chunk in upload.chunks():
            copy.write(chunk)
        copy.flush()
        upload.seek(0)
        return probe(copy.name, found)


def recording_check(upload: UploadedFile) -> MediaFormat:
    """The upload's format, if it may be a recording: within the size limit, and media by
    its content (ValidationError with the reason otherwise). Nothing is stored."""
    limit = settings.CASECODER_MAX_MEDIA_BYTES
    if upload.size == 0:
        raise ValidationError({"file": "the file is empty"})
    if upload.size > limit:
        raise ValidationError({"file": f"the file is {filesizeformat(upload.size)}; recordings may be at most "
                                       f"{filesizeformat(limit)}"})
    try:
        return _read_format(upload)
    except NotMedia as error:
        raise ValidationError({"file": str(error)}) from error


@transaction.atomic
def recording_attach(*, transcript: Transcript, upload: UploadedFile, actor,
                     found: MediaFormat | None = None) -> Recording:
    """Store `upload` as the transcript's recording, after checking its size and its content
    (`found`: what recording_check said of it already, so that ffprobe reads it once); a
    refused file leaves nothing stored. A recording attached before is replaced (its file
    removed once this commits)."""
    found = found or recording_check(upload)
    old = Recording.objects.filter(transcript=transcript).first()
    if old is not None:
        old.delete()  # its file goes after the commit (receivers.py)
    recording = Recording(transcript=transcript, format=found.format, content_type=found.content_type,
                          kind=found.kind, size=upload.size, duration=found.duration,
                          original_name=os.path.basename(upload.name or "")[:255], uploaded_by=actor)
    recording.file.save(f"recording.{found.format}", upload, save=False)
    stored = recording.file.name
    try:
        recording.save()
        activity_record(project=transcript.project, actor=actor, verb="attached a recording to", target=transcript,
                        summary=f"Recording {recording.original_name or found.format} attached to "
                                f"'{transcript.title}'")
    except Exception:
        recording.file.storage.delete(stored)  # written before the row: nothing stays of a failed attach
        raise
    return recording


@transaction.atomic
def recording_remove(*, recording: Recording, actor) -> None:
    transcript = recording.transcript
    recording.delete()
    activity_record(project=transcript.project, actor=actor, verb="removed the recording of", target=transcript,
                    summary=f"Recording removed from '{transcript.title}'")


def recording_sync_points_apply(*, transcript: Transcript, points) -> int:
    """A recording's sync points ((position, seconds), as REFI-QDA writes them) made into the
    transcript's turn timings; returns the number of points at no turn's start or end, which
    are not kept."""
    timings, missed = sync_point_timings(transcript.turns.only("number", "start", "end"), points)
    if timings:
        turn_timings_set(transcript=transcript, timings=timings)
    return missed


# --- transcription ---------------------------------------------------------------------------

TRANSCRIPTION = "transcription"  # the kind of the transcription jobs
PROGRESS_EVERY = 0.5  # seconds between two writes of a job's progress

_text_writer: list[Callable] = []


def transcript_text_writer_register(writer: Callable) -> None:
    """The coding app registers its transcript_update_text here (CodingConfig.ready): a
    transcribed text replaces the old one as an edit does, so that coded passages are
    re-anchored (or flagged); this app sits below the coding app and cannot import it."""
    _text_writer[:] = [writer]


@dataclass(frozen=True)
class Transcription:
    """How to transcribe: an engine this installation can run, and a language it knows."""

    engine: str
    language: str

    def describe(self) -> str:
        offer = next((o for o in engine_offers() if o.name == self.engine), None)
        return f"{offer.label if offer else self.engine}, {LANGUAGE_NAMES.get(self.language, self.language)}"


def transcription_check(*, engine: str, language: str) -> Transcription:
    """The engine and language, if this installation can transcribe with them
    (ValidationError with the reason otherwise); no language is the engine's first."""
    offer = next((o for o in engine_offers() if o.name == engine), None)
    if offer is None or not offer.available:
        raise ValidationError({"engine": offer.why_not if offer else f"There is no engine called '{engine}'."})
    language = language or offer.languages[0]
    if language not in offer.languages:
        raise ValidationError({"language": f"{offer.label} transcribes only "
                                           f"{', '.join(LANGUAGE_NAMES.get(c, c) for c in offer.languages)}."})
    return Transcription(engine, language)


@transaction.atomic
def transcription_job_create(*, recording: Recording, user, engine: str, language: str, replace: bool) -> Job:
    """Queue the transcription of a transcript's recording. Every transcript has a text
    (transcript_create refuses an empty one), so the transcribed text replaces it, and only
    when the user said so (`replace`); the version read now guards against an edit made
    meanwhile. The job and its task are committed together."""
    from .tasks import transcription_task  # the task module imports this one

    transcript = recording.transcript
    transcription_check(engine=engine, language=language)
    if transcript.text.strip() and not replace:
        raise ValidationError({"replace": f"'{transcript.title}' already has a text. Tick “replace the text” to "
                                          "replace it with the transcription (coded passages are then re-anchored, "
                                          "or flagged for review where their words are gone)."})
    active = Job.objects.filter(kind=TRANSCRIPTION, project_id=transcript.project_id, status__in=Job.ACTIVE,
                                result__transcript=transcript.pk).exists()
    if active:
        raise ValidationError({"engine": f"'{transcript.title}' is being transcribed already."})
    job = job_create(user=user, kind=TRANSCRIPTION, label=f"Transcribing the recording of '{transcript.title}'",
                     project=transcript.project)
    asked = {"transcript_id": transcript.pk, "engine": engine, "language": language, "version": transcript.version}
    job.result = {"transcript": transcript.pk, "asked": asked}  # for its page, the test above and a re-run
    job.save(update_fields=["result"])
    recording.transcription = job  # the transcript page says, while it waits or runs
    recording.save(update_fields=["transcription"])
    transcription_task.enqueue(job_id=job.pk, **asked)
    return job


def transcription_jobs_requeue_abandoned(*, older_than) -> list[Job]:
    """Queue again the transcriptions a dead worker left running (no progress for
    `older_than`), as they were asked; safe, since a transcription stores all or nothing."""
    from .tasks import transcription_task

    jobs = jobs_requeue_abandoned(older_than=older_than, kind=TRANSCRIPTION)
    for job in jobs:
        if "asked" in job.result:
            transcription_task.enqueue(job_id=job.pk, **job.result["asked"])
    return jobs


@contextmanager
def _local_path(recording: Recording) -> Iterator[str]:
    """A path ffmpeg can open: the stored file itself on disk, or a temporary copy of it
    (an object store), removed afterwards."""
    storage, name = recording.file.storage, recording.file.name
    try:
        yield storage.path(name)
        return
    except NotImplementedError:
        pass
    with storage.open(name, "rb") as source, tempfile.NamedTemporaryFile(suffix=f".{recording.format}") as copy:
        shutil.copyfileobj(source, copy, 1024 * 1024)
        copy.flush()
        yield copy.name


def _progress_writer(job: Job):
    """Recognition reports every second of audio; the job's row is written at most every
    PROGRESS_EVERY seconds, and at the end."""
    last = [0.0]

    def write(done: float, total: float) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY or done >= total:
            last[0] = now
            job_progress(job=job, step="Recognising speech (seconds of audio)", done=int(done),
                         total=max(1, round(total)))
    return write


def transcription_job_run(*, job: Job, transcript_id: int, engine: str, language: str, version: int) -> None:
    """Transcribe for a queued job: decode and recognise (outside any transaction: minutes
    of work), then store the text, its turns and their timings and finish the job in one
    transaction. All or nothing: a recording that cannot be decoded, no speech, or an edit
    of the text since the job was queued fail the job with a reason and store nothing."""
    if not job_start(job=job):
        return
    which = {"transcript": transcript_id}
    with job_work(job, what="The transcription"):
        recording = Recording.objects.select_related("transcript__project").filter(transcript_id=transcript_id).first()
        if recording is None:
            job_fail(job=job, reason="The transcript or its recording has been removed since the job was queued.",
                     result=which)
            return
        job_progress(job=job, step="Decoding the recording")
        try:
            with _local_path(recording) as path:
                recognised = engine_named(engine).transcribe(path, language=language, progress=_progress_writer(job))
        except TranscriptionFailed as error:
            job_fail(job=job, reason=f"{error} Nothing was changed.", result=which)
            return
        if not recognised.words:
            job_fail(job=job, reason="No speech was recognised in the recording. Nothing was changed.", result=which)
            return
        job_progress(job=job, step="Writing the transcript")
        try:
            with transaction.atomic():
                result = transcript_transcribed_store(transcript=recording.transcript, recognised=recognised,
                                                      version=version, actor=job.user)
                job_finish(job=job, result={**result, "engine": engine})
        except ValidationError as error:  # StaleTranscript among them: its message says what to do
            job_fail(job=job, reason=" ".join(error.messages) + " Nothing was changed.", result=which)


@transaction.atomic
def transcript_transcribed_store(*, transcript: Transcript, recognised: Recognised, version: int, actor) -> dict:
    """Make the recognised words the transcript's text: through the text writer (an edit, so
    coded passages are re-anchored), then its turns as the pauses split them, without a
    speaker (the speakers page assigns them), each with its times and its words' times."""
    if not _text_writer:
        raise ImproperlyConfigured("No transcript text writer is registered (the coding app registers one).")
    text, spoken = text_and_turns(recognised.words)
    _text_writer[0](transcript=transcript, text=text, version=version, actor=actor)
    locked = Transcript.objects.select_for_update(of=("self",)).get(pk=transcript.pk)
    if locked.text != text:
        raise ValidationError({"text": "The transcribed text changed when it was stored (normalised), so its "
                                       "timings would not fit it."})
    split = list(locked.turns.order_by("number").values_list("start", "end", "speaker"))
    spans = [TurnSpan("", t.start, t.end, t.meta) for t in spoken]
    turns_replace(transcript=locked, turns=spans)
    if split != [(t.start, t.end, "") for t in spans]:  # the search index keeps passages by turn
        transcript_text_stored.send(sender=Transcript, transcript=locked, turns=spans, created=False)
    words = len(recognised.words)
    summary = (f"{words} word{pluralize(words)} in {len(spans)} turn{pluralize(len(spans))} from "
               f"{recognised.duration:.0f} s of audio ({LANGUAGE_NAMES.get(recognised.language, recognised.language)})")
    activity_record(project=locked.project, actor=actor, verb="transcribed the recording of", target=locked,
                    summary=f"{locked.title}: {summary}")
    return {"transcript": locked.pk, "words": words, "turns": len(spans), "seconds": round(recognised.duration, 1),
            "language": recognised.language, "summary": summary}
