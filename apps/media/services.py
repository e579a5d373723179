"""Writes of recordings: attach one to a transcript (replacing the one before), remove it."""
from __future__ import annotations

import os
import tempfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat

from apps.projects.services import activity_record
from apps.transcripts.models import Transcript
from apps.transcripts.services import turn_timings_set

from .formats import FORMATS, HEAD_BYTES, NotMedia, probe, sniff
from .models import Recording
from .timings import sync_point_timings


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


@transaction.atomic
def recording_attach(*, transcript: Transcript, upload: UploadedFile, actor) -> Recording:
    """Store `upload` as the transcript's recording, after checking its size and its content;
    a refused file leaves nothing stored. A recording attached before is replaced (its file
    removed once this commits)."""
    limit = settings.CASECODER_MAX_MEDIA_BYTES
    if upload.size == 0:
        raise ValidationError({"file": "the file is empty"})
    if upload.size > limit:
        raise ValidationError({"file": f"the file is {filesizeformat(upload.size)}; recordings may be at most "
                                       f"{filesizeformat(limit)}"})
    try:
        found = _read_format(upload)
    except NotMedia as error:
        raise ValidationError({"file": str(error)}) from error
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
