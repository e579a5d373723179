"""Writes of recordings: attach one to a transcript (replacing the one before), remove it,
transcribe it (a job: the recognised words become the transcript's text and timed turns),
and import transcripts together with their recordings."""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat, pluralize

from apps.projects.models import Job, Project
from apps.projects.services import (activity_record, job_create, job_fail, job_finish, job_progress, job_start,
                                    job_work, jobs_requeue_abandoned)
from apps.transcripts.models import Transcript
from apps.transcripts.services import (
    FileResult,
    ImportFile,
    ImportStatus,
    transcript_import_files,
    transcript_import_plan,
    turn_timings_set,
    turns_replace,
)
from apps.transcripts.signals import transcript_text_stored
from apps.transcripts.text import TurnSpan, pseudonymise

from .formats import FORMATS, HEAD_BYTES, MediaFormat, NotMedia, probe, sniff
from .models import Recording
from .pairing import base_name, pair
from .timings import clock, sync_point_timings
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
def recording_attach(*, transcript: Transcript, upload: UploadedFile, actor) -> Recording:
    """Store `upload` as the transcript's recording, after checking its size and its content;
    a refused file leaves nothing stored. A recording attached before is replaced (its file
    removed once this commits)."""
    found = recording_check(upload)
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


# ---------------------------------------------------------------------------------------
# Importing transcripts together with their recordings (the Import page)

UNPAIRED = "unpaired"  # a recording that goes with no transcript file of the upload


@dataclass
class RecordingResult:
    """What became (or would become) of one uploaded recording: the status of its
    transcript file (ImportStatus), or UNPAIRED; `reason` names the file and says why it
    is not (or would not be) stored."""

    filename: str
    status: str = UNPAIRED
    reason: str = ""
    transcript_file: str = ""  # the transcript file it goes with
    transcript: Transcript | None = None
    found: MediaFormat | None = None
    alone: FileResult | None = None  # the transcript it becomes on its own, to be transcribed
    job: Job | None = None  # that transcription, once queued

    @property
    def ok(self) -> bool:
        return self.status in (ImportStatus.STORED, ImportStatus.READY)


@dataclass
class ImportWithRecordings:
    results: list[FileResult] = field(default_factory=list)  # one per transcript file, in order
    recordings: list[RecordingResult] = field(default_factory=list)  # one per recording, in order


def _described(found: MediaFormat) -> str:
    length = f", {clock(found.duration)}" if found.duration is not None else ""
    return f"{found.format.upper()} {found.kind}{length}"


def _attach_recording(transcript: Transcript, *, upload: UploadedFile, actor, mapping) -> Recording:
    """The transcript import's `attach`: a refusal names the recording, and refuses the pair.
    The file's name is kept pseudonymised like its transcript's ("Ivan Petrov.mp3": E3.mp3)."""
    if mapping:
        upload.name = pseudonymise(base_name(upload.name or ""), mapping)[0]
    try:
        return recording_attach(transcript=transcript, upload=upload, actor=actor)
    except ValidationError as error:
        raise ValidationError(f"its recording {base_name(upload.name or '')} is refused: "
                              f"{' '.join(error.messages)}") from error


def awaiting_text(name: str) -> str:
    """The text of a transcript made from a recording alone, until its transcription replaces
    it: transcript_create refuses an empty text, and a reader should see why it is short."""
    return f"Awaiting the transcription of the recording {name}.\n"


def _attach_and_transcribe(transcript: Transcript, *, upload: UploadedFile, actor, mapping,
                           transcription: Transcription, row: RecordingResult) -> None:
    """The `attach` of a transcript made from a recording alone: the recording (named as its
    source), and its transcription queued to replace the placeholder, all in the
    transcript's own transaction (a refusal stores none of them)."""
    recording = _attach_recording(transcript, upload=upload, actor=actor, mapping=mapping)
    transcript.source_filename, transcript.source_format = recording.original_name, "recording"
    Transcript.objects.filter(pk=transcript.pk).update(source_filename=recording.original_name,
                                                       source_format="recording")
    row.job = transcription_job_create(recording=recording, user=actor, engine=transcription.engine,
                                       language=transcription.language, replace=True)


def _alone_file(row: RecordingResult, *, upload: UploadedFile | None, actor, mapping,
                transcription: Transcription) -> ImportFile:
    """A recording with no transcript file, as the file of a transcript of its own: its
    name gives the title and the expert ("E3.mp3": E3), as a text file's name does, and the
    placeholder is its text; the import's rules (titles, experts, pseudonyms, duplicates)
    apply to it as to any file."""
    text = awaiting_text(row.filename).encode()
    how = f"to be transcribed ({transcription.describe()})"
    if upload is None:  # named only (a preview)
        attach, attached = None, f"recording {row.filename} (its content is checked when it is imported), {how}"
    else:
        attach = partial(_attach_and_transcribe, upload=upload, actor=actor, mapping=mapping,
                         transcription=transcription, row=row)
        attached = f"recording {row.filename} ({_described(row.found)}), {how}"
    return ImportFile(f"{os.path.splitext(row.filename)[0]}.txt", len(text), lambda: text, attach=attach,
                      attached=attached)


def _alone_outcome(row: RecordingResult, result: FileResult) -> None:
    """What became of a recording imported alone, from its transcript's result; the reason
    names the recording, not the placeholder's file."""
    row.alone, row.status, row.transcript = result, result.status, result.transcript
    why = result.reason.split(": ", 1)[-1]
    if result.status != ImportStatus.STORED:
        row.job = None
    if result.status == ImportStatus.DUPLICATE:
        row.reason = (f"{row.filename}: a transcript awaiting its transcription is in the project already "
                      f"('{result.duplicate_of}'); nothing is imported for it")
    elif result.status == ImportStatus.REJECTED:
        row.reason = f"{row.filename} is not imported: {why}"


def transcripts_import_with_recordings(*, project: Project, files: Sequence[ImportFile],
                                       recordings: Sequence[UploadedFile], actor, mapping=(),
                                       preview: bool = False, recording_names: Sequence[str] = (),
                                       transcription: Transcription | None = None) -> ImportWithRecordings:
    """Import transcript files, each with the recording of its name (interview3.vtt with
    interview3.mp3, see pairing.py); with `preview`, say what that would do and store nothing.
    A preview may name recordings without their content (`recording_names`, after the
    `recordings`): they are paired by name, and checked only when they are imported.

    Each pair is all or nothing: the recording is checked by its size and content before
    its transcript file is read (a refused one refuses the pair, and the preview already
    says so), and it is stored in the transcript's own transaction (ImportFile.attach), so
    that nothing of either stays when one of them fails. The other files go on as without
    recordings. A recording that goes with no file is reported, not stored; with a
    `transcription`, one that no transcript file has the name of becomes a transcript of its
    own instead (checked by its content first, as a pair's is): its placeholder text, the
    recording, and a job that transcribes it with `transcription` and replaces the
    placeholder, all in one transaction.

    Queries: those of the transcript import, and per stored pair those of recording_attach
    (and per recording alone, those of transcription_job_create).
    """
    if recording_names and not preview:
        raise ValueError("recordings without their content can only be previewed")
    names = [r.name or "" for r in recordings] + list(recording_names)
    pairs = pair([f.filename for f in files], names)
    outcome = ImportWithRecordings(recordings=[RecordingResult(base_name(name)) for name in names])
    for index, reason in pairs.unpaired.items():
        outcome.recordings[index].reason = reason
    refused: dict[int, FileResult] = {}
    planned = list(files)
    for file_index, recording_index in pairs.recording_of.items():
        row = outcome.recordings[recording_index]
        row.transcript_file = base_name(files[file_index].filename)
        if recording_index >= len(recordings):  # named only (a preview)
            planned[file_index] = replace(files[file_index], attached=f"recording {row.filename} (its content is "
                                                                     "checked when it is imported)")
            continue
        upload = recordings[recording_index]
        try:
            row.found = recording_check(upload)
        except ValidationError as error:
            why = " ".join(error.messages)
            row.status = ImportStatus.REJECTED
            row.reason = f"{row.filename}: {why}; neither it nor {row.transcript_file} is imported"
            refused[file_index] = FileResult(filename=row.transcript_file,
                                             reason=f"{row.transcript_file}: its recording {row.filename} is "
                                                    f"refused: {why}")
            continue
        attach = partial(_attach_recording, upload=upload, actor=actor, mapping=mapping)
        planned[file_index] = replace(files[file_index], attach=attach,
                                      attached=f"recording {row.filename} ({_described(row.found)})")
    alone: list[RecordingResult] = []
    for index in sorted(pairs.alone) if transcription is not None else ():
        row, upload = outcome.recordings[index], recordings[index] if index < len(recordings) else None
        if upload is not None:
            try:
                row.found = recording_check(upload)
            except ValidationError as error:
                row.status = ImportStatus.REJECTED
                row.reason = f"{row.filename}: {' '.join(error.messages)}; nothing is imported for it"
                continue
        row.reason = ""
        alone.append(row)
        planned.append(_alone_file(row, upload=upload, actor=actor, mapping=mapping, transcription=transcription))
    kept = [i for i in range(len(files)) if i not in refused]
    chosen = [planned[i] for i in kept] + planned[len(files):]
    if preview:
        done = transcript_import_plan(project=project, files=chosen, mapping=mapping)
    else:
        done = transcript_import_files(project=project, files=chosen, mapping=mapping, actor=actor)
    results: list[FileResult | None] = [refused.get(i) for i in range(len(files))]
    for index, result in zip(kept, done):
        results[index] = result
    for row, result in zip(alone, done[len(kept):]):
        _alone_outcome(row, result)
    outcome.results = results
    for file_index, recording_index in pairs.recording_of.items():
        row, result = outcome.recordings[recording_index], results[file_index]
        if row.status == ImportStatus.REJECTED:
            continue
        row.status, row.transcript = result.status, result.transcript
        if result.status == ImportStatus.DUPLICATE:
            row.reason = (f"{row.filename}: waits for its transcript {result.filename}, whose text is in the "
                          "project already")
        elif result.status == ImportStatus.REJECTED:
            row.reason = f"{row.filename} is not imported either: {result.reason}"
    return outcome
