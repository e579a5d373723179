"""Importing transcripts together with their recordings (the Import page and its API):
interview3.mp3 goes with interview3.vtt (pairing.py) and is stored in its transcript's own
transaction; with a transcription chosen, a recording that comes alone becomes a transcript
of its own, whose placeholder text its queued transcription replaces. The rules of a
recording (its check, its attachment, its transcription) are services.py's; the rules of
a transcript file are the transcripts app's import."""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import partial

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from apps.projects.models import Job, Project
from apps.transcripts.models import Transcript
from apps.transcripts.services import (FileResult, ImportFile, ImportStatus, transcript_import_files,
                                       transcript_import_plan)
from apps.transcripts.text import pseudonymise

from .formats import MediaFormat
from .models import Recording
from .pairing import base_name, pair
from .services import Transcription, recording_attach, recording_check, transcription_job_create
from .timings import clock

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


def _attach_recording(transcript: Transcript, *, upload: UploadedFile, actor, mapping,
                      found: MediaFormat) -> Recording:
    """The transcript import's `attach` of a recording checked already (`found`): a refusal
    names the recording, and refuses the pair. The file's name is kept pseudonymised like
    its transcript's ("Ivan Petrov.mp3": E3.mp3)."""
    if mapping:
        upload.name = pseudonymise(base_name(upload.name or ""), mapping)[0]
    try:
        return recording_attach(transcript=transcript, upload=upload, actor=actor, found=found)
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
    recording = _attach_recording(transcript, upload=upload, actor=actor, mapping=mapping, found=row.found)
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
                      f"('{result.duplicate_of}'); nothing is imported for it (transcribe that one from its Recording page)")
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
        attach = partial(_attach_recording, upload=upload, actor=actor, mapping=mapping, found=row.found)
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
