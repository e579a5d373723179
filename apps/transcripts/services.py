"""Writes for experts and transcripts. Every path that stores a text goes through
`transcript_create`, so the text is always normalised the same way."""
from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.projects.models import Project
from apps.projects.services import activity_record

from .models import Expert, Transcript, Turn
from .text import TurnSpan, checksum, normalise_text, split_turns


class DuplicateTranscript(ValidationError):
    """The same text is in the project already; the caller asks before importing it twice."""

    def __init__(self, existing: Transcript):
        self.existing = existing
        super().__init__(
            {"text": f"The same text is already in this project as '{existing.title}'. "
                     "Import it again only if you mean to."}
        )


@transaction.atomic
def expert_create(*, project: Project, pseudonym: str, actor, description: str = "", real_name: str = "") -> Expert:
    pseudonym = pseudonym.strip()
    if not pseudonym:
        raise ValidationError({"pseudonym": "An expert needs a pseudonym, e.g. E3."})
    if project.experts.filter(pseudonym=pseudonym).exists():
        raise ValidationError({"pseudonym": f"The pseudonym {pseudonym} is taken in this project."})
    expert = Expert.objects.create(project=project, pseudonym=pseudonym, description=description, real_name=real_name)
    activity_record(project=project, actor=actor, verb="created", target=expert, summary=pseudonym)
    return expert


def expert_get_or_create(*, project: Project, pseudonym: str, actor) -> Expert:
    expert = project.experts.filter(pseudonym=pseudonym.strip()).first()
    return expert or expert_create(project=project, pseudonym=pseudonym, actor=actor)


def turns_replace(*, transcript: Transcript, turns: Sequence[TurnSpan]) -> None:
    """Store the turns of a transcript, numbered from 1 in text order."""
    text_length = len(transcript.text)
    previous_end = 0
    for turn in turns:
        if not previous_end <= turn.start < turn.end <= text_length:
            raise ValidationError({"turns": f"turn {turn.speaker!r} [{turn.start}:{turn.end}] is outside the text "
                                            "or overlaps the turn before it"})
        previous_end = turn.end
    transcript.turns.all().delete()
    Turn.objects.bulk_create(
        Turn(transcript=transcript, number=i, speaker=t.speaker[:100], start=t.start, end=t.end, meta=t.meta or {})
        for i, t in enumerate(turns, start=1)
    )


@transaction.atomic
def transcript_create(*, project: Project, title: str, text: str, created_by, expert: Expert | None = None,
                      turns: Sequence[TurnSpan] | None = None, source_filename: str = "", source_format: str = "",
                      expert_speaker: str = "", pseudonym_map: list | None = None,
                      allow_duplicate: bool = False) -> Transcript:
    """Store an interview: normalised text, checksum, and its turns.

    `turns` come from an importer that knows more than the plain-text convention (subtitle
    timestamps, bold names in Word); they must index into the normalised text.
    """
    title = title.strip()
    if not title:
        raise ValidationError({"title": "A transcript needs a title."})
    stored = normalise_text(text)
    if not stored.strip():
        raise ValidationError({"text": f"'{title}' contains no text."})
    if turns is not None and stored != text:
        raise ValidationError({"text": "turns were given for a text that is not normalised"})
    if expert is not None and expert.project_id != project.pk:
        raise ValidationError({"expert": "That expert belongs to another project."})
    if project.transcripts.filter(title=title).exists():
        raise ValidationError({"title": f"A transcript called '{title}' exists already in this project."})
    digest = checksum(stored)
    existing = project.transcripts.filter(checksum=digest).first()
    if existing is not None and not allow_duplicate:
        raise DuplicateTranscript(existing)
    try:
        with transaction.atomic():
            transcript = Transcript.objects.create(
                project=project, title=title, text=stored, checksum=digest, expert=expert, created_by=created_by,
                source_filename=source_filename[:255], source_format=source_format[:20],
                expert_speaker=expert_speaker, pseudonym_map=pseudonym_map or [],
            )
    except IntegrityError:
        raise ValidationError({"title": f"A transcript called '{title}' exists already in this project."})
    turns_replace(transcript=transcript, turns=split_turns(stored) if turns is None else turns)
    activity_record(project=project, actor=created_by, verb="imported", target=transcript,
                    summary=f"{title} ({len(stored.split())} words)")
    return transcript
