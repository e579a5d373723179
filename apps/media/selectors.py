"""Reads of recordings: a transcript's recording, and its timeline for the page and citations."""
from __future__ import annotations

from django.urls import reverse

from apps.projects.models import Job, Project
from apps.transcripts.models import Transcript, Turn

from .models import Recording
from .timings import Timeline


def recording_of(*, transcript: Transcript) -> Recording | None:
    """The transcript's recording, or None: no query when the transcript was read with
    select_related("recording"), one otherwise."""
    try:
        return transcript.recording
    except Recording.DoesNotExist:
        return None


def transcription_awaited(*, recording: Recording | None) -> Job | None:
    """The transcription queued for the recording, while it waits or runs: the transcript's
    text is to be replaced by it. No query when the recording was read with
    select_related("recording__transcription__user")."""
    job = recording.transcription if recording is not None and recording.transcription_id else None
    return job if job is not None and job.status in Job.ACTIVE else None


def recording_in_project(*, project: Project, transcript_id: int) -> Recording | None:
    """The recording of a transcript of `project` (with its transcript), in one query."""
    return (Recording.objects.select_related("transcript")
            .filter(transcript__project=project, transcript_id=transcript_id).first())


def recorded_transcript_ids(*, transcript_ids) -> dict[int, float | None]:
    """Which of the transcripts have a recording, with its duration; one query."""
    return dict(Recording.objects.filter(transcript_id__in=list(transcript_ids))
                .values_list("transcript_id", "duration"))


def timelines(*, transcript_ids) -> dict[int, Timeline]:
    """A Timeline per transcript that has a recording and timed turns: where a citation can
    give the time. Two queries, whatever the number of transcripts."""
    recorded = recorded_transcript_ids(transcript_ids=transcript_ids)
    if not recorded:
        return {}
    turns: dict[int, list[Turn]] = {}
    for turn in (Turn.objects.filter(transcript_id__in=list(recorded)).exclude(meta={})
                 .only("transcript_id", "number", "start", "end", "meta")):
        turns.setdefault(turn.transcript_id, []).append(turn)
    found = {tid: Timeline(ts, duration=recorded[tid]) for tid, ts in turns.items()}
    return {tid: line for tid, line in found.items() if line}


def recording_url(*, recording: Recording, slug: str) -> str:
    """The file's address; the recording's id in the query lets the browser cache it for
    as long as it is the transcript's recording (a new one has a new id)."""
    return reverse("recording_file", args=[slug, recording.transcript_id]) + f"?v={recording.pk}"


def player_data(*, recording: Recording | None, turns, url: str) -> dict | None:
    """What the transcript page's player needs: the file's address and kind, and the timed
    turns (already read by the page: no query)."""
    if recording is None:
        return None
    return {"url": url, "kind": recording.kind, "content_type": recording.content_type,
            "duration": recording.duration,
            "turns": Timeline(turns, duration=recording.duration).rows()}



def transcriptions_of(*, transcript: Transcript, user, kind: str, limit: int = 5) -> list[Job]:
    """The user's latest transcriptions of the transcript, newest first; one query."""
    return list(Job.objects.filter(user=user, kind=kind, project_id=transcript.project_id,
                                   result__transcript=transcript.pk)[:limit])
