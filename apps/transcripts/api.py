"""JSON API of the transcripts app, mounted under /api/projects/.

The speakers of a transcript, and the schema of an import's result per file (the import
route is apps.media's, since files may come with their recordings there; the text, which an
edit re-anchors the segments by, is the coding app's API). Every route asks `project_for`
first: a project the user is not in is a 404, a reviewer who tries to change something a
403. Input that cannot be used is a 422 with the reason.
"""
from __future__ import annotations

from typing import Annotated

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from apps.projects import limits
from apps.projects.access import CODE, READ, project_for
from apps.projects.inputs import Id
from apps.projects.responses import WRITE_ERRORS

from . import selectors, services

router = Router(tags=["transcripts"])


class SpeakerOut(Schema):
    speaker: str
    turns: int = Field(description="How many turns are this speaker's.")
    first: int | None = Field(None, description="The ¶ of the speaker's first turn.")


class ReplacementOut(Schema):
    name: str
    pseudonym: str
    count: int = Field(description="How often the name was (or would be) replaced.")
    other_case: int = Field(description="Matches in other capitals, which are not replaced.")


class LabelOut(Schema):
    label: str = Field(description="The label as written at the start of its paragraphs.")
    taken: bool = Field(description="Whether its paragraphs start turns of a speaker.")
    why: str = Field(description="Why it was taken or not.")
    speaker: str = Field(description="The speaker its turns go to (another one when merged).")
    turns: int = Field(description="Changes of speaker to it, not paragraphs.")
    paragraphs: int
    sample: str
    chosen: str = Field(description="reject | take | merge | '' (the correction that applied).")


class FileResultOut(Schema):
    filename: str
    status: str = Field(description="stored | ready (a preview) | rejected | duplicate")
    reason: str = Field(description="Why the file was not imported; it names the file.")
    title: str
    expert: str
    expert_is_new: bool
    format: str
    encoding: str | None
    words: int
    speakers: list[SpeakerOut]
    labels: list[LabelOut] = Field(description="Everything that looked like a speaker label, taken or not; "
                                               "correct them with reject_label, take_label and merge_label.")
    expert_speaker: str
    replacements: list[ReplacementOut]
    warnings: list[str]
    duplicate_of: str = Field(description="The title of the transcript (or the file) with the same text.")
    attached: str = Field("", description="What is (or would be) stored with the transcript: its recording.")
    transcript_id: int | None = None


class SpeakersOut(Schema):
    transcript_id: int
    expert: str = Field(description="The pseudonym of the transcript's expert, '' if none.")
    expert_speaker: str = Field(description="The speaker label of the expert, '' if not marked.")
    speakers: list[SpeakerOut]


Speaker = Annotated[str, Field(max_length=limits.LABEL)]


class SpeakersIn(Schema):
    renames: dict[Speaker, Speaker] = Field({}, max_length=limits.VALUES,
                                            description="Old speaker name -> new name; the same new name merges.")
    expert_speaker: Speaker | None = Field(None,
                                           description="The expert's speaker name after the renames; '' for none.")
    expert: str | None = Field(None, max_length=40, description="The transcript's expert, a pseudonym; '' for none.")


def file_result_out(result: services.FileResult) -> dict:
    """A FileResult as FileResultOut (also for the import route, which is apps.media's)."""
    return {
        "filename": result.filename, "status": result.status, "reason": result.reason, "title": result.title,
        "expert": result.expert, "expert_is_new": result.expert_is_new, "format": result.format,
        "encoding": result.encoding, "words": result.words,
        "speakers": [{"speaker": name, "turns": turns} for name, turns in result.speakers],
        "labels": [{"label": r.label, "taken": r.taken, "why": r.why, "speaker": r.speaker, "turns": r.turns,
                    "paragraphs": r.paragraphs, "sample": r.sample, "chosen": r.chosen} for r in result.labels],
        "expert_speaker": result.expert_speaker,
        "replacements": [{"name": r.name, "pseudonym": r.pseudonym, "count": r.count, "other_case": r.other_case}
                         for r in result.replacements],
        "warnings": result.warnings, "duplicate_of": result.duplicate_of, "attached": result.attached,
        "transcript_id": result.transcript.pk if result.transcript else None,
    }


def _speakers_out(transcript) -> dict:
    return {
        "transcript_id": transcript.pk, "expert": transcript.expert.pseudonym if transcript.expert else "",
        "expert_speaker": transcript.expert_speaker,
        "speakers": [{"speaker": r.speaker, "turns": r.turns, "first": r.first}
                     for r in selectors.transcript_speakers(transcript=transcript)],
    }


@router.get("{slug}/transcripts/{transcript_id}/speakers", response=SpeakersOut)
def transcript_speakers(request, slug: str, transcript_id: Id):
    """The named speakers of a transcript, in order of appearance, with their turns."""
    project = project_for(request.user, slug, READ)
    transcript = get_object_or_404(project.transcripts.select_related("expert").defer("text", "pseudonym_map"),
                                   pk=transcript_id)
    return _speakers_out(transcript)


@router.put("{slug}/transcripts/{transcript_id}/speakers", response={200: SpeakersOut, **WRITE_ERRORS})
def transcript_speakers_update(request, slug: str, transcript_id: Id, payload: SpeakersIn):
    """Rename speakers, mark the expert's speaker, change the transcript's expert."""
    project = project_for(request.user, slug, CODE)
    transcript = get_object_or_404(project.transcripts.defer("text", "pseudonym_map"), pk=transcript_id)
    transcript = services.transcript_speakers_update(transcript=transcript, actor=request.user,
                                                     renames=payload.renames, expert_speaker=payload.expert_speaker,
                                                     expert=payload.expert)
    return _speakers_out(transcript)

