"""JSON API of the suggestions, under /api/projects/{slug}/codes/{code_id}/suggestions:
the passages likeliest to belong to a code (with the reason), and accepting or rejecting
one. Members read; coders and owners accept and reject (a reviewer gets 403); another
project's member gets 404. Listing writes nothing."""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from apps.coding.models import Code
from apps.projects.access import CODE, READ, project_for
from apps.projects.inputs import Id, Offset
from apps.projects.responses import WRITE_ERRORS, ErrorOut

from .selectors import suggestions_for_code
from .services import suggestion_accept, suggestion_reject

router = Router(tags=["suggestions"])

MAX_SUGGESTIONS = 100


class SuggestionQuery(Schema):
    transcript: Id | None = Field(None, description="Only passages of this transcript (id).")
    limit: int = Field(20, ge=1, le=MAX_SUGGESTIONS)


class SuggestedPassageOut(Schema):
    transcript_id: int
    start: int = Field(description="Code point offset of the passage's first character.")
    end: int
    text: str


class SuggestionOut(SuggestedPassageOut):
    score: float = Field(description="0 to 1: how likely the passage belongs to the code.")
    likely: bool = Field(description="The score reaches the engine's threshold: as a coder, it would code this.")
    nearest: list[SuggestedPassageOut] = Field(description="The passages coded with the code most like this one.")
    words: list[str] = Field(description="The words that weighed most for the code.")


class SuggestionsOut(Schema):
    engine: str
    engine_version: str
    examples: int = Field(description="Sentences coded with the code that the engine learned from.")
    results: list[SuggestionOut]


class SuggestionChoiceIn(Schema):
    transcript_id: Id
    start: Offset
    end: Offset


class SuggestionAcceptIn(SuggestionChoiceIn):
    value: str = Field("", max_length=100, description="A value on the code's scale, or none.")
    quote: str | None = Field(None, description="The passage's text as shown; it must still be the text there.")


class SuggestionAcceptedOut(Schema):
    segment_id: int
    engine: str
    engine_version: str


class SuggestionRejectedOut(Schema):
    id: int


def _passage(p) -> dict:
    return {"transcript_id": p.transcript_id, "start": p.start, "end": p.end, "text": p.text}


def _code(project, code_id: int) -> Code:
    return get_object_or_404(Code, project=project, pk=code_id, deleted_at__isnull=True)


@router.get("{slug}/codes/{code_id}/suggestions", response={200: SuggestionsOut, 404: ErrorOut})
def suggestions(request, slug: str, code_id: Id, query: Query[SuggestionQuery]):
    """The passages not coded with the code yet (nor rejected for it), likeliest first."""
    project = project_for(request.user, slug, READ)
    code = _code(project, code_id)
    transcript = (get_object_or_404(project.transcripts.only("id", "project_id"), pk=query.transcript)
                  if query.transcript is not None else None)
    found = suggestions_for_code(project=project, code=code, transcript=transcript, limit=query.limit)
    threshold = found.engine.threshold
    return {"engine": found.engine.name, "engine_version": found.engine.version, "examples": found.examples,
            "results": [{**_passage(s.passage), "score": round(s.score, 4), "likely": s.score >= threshold,
                         "nearest": [_passage(p) for p in s.nearest], "words": s.words}
                        for s in found.suggestions]}


@router.post("{slug}/codes/{code_id}/suggestions/accept", response={201: SuggestionAcceptedOut, **WRITE_ERRORS})
def suggestion_accept_view(request, slug: str, code_id: Id, payload: SuggestionAcceptIn):
    """Code the passage with the code: an ordinary segment that records the engine it came from."""
    project = project_for(request.user, slug, CODE)
    code = _code(project, code_id)
    transcript = get_object_or_404(project.transcripts, pk=payload.transcript_id)
    segment = suggestion_accept(code=code, transcript=transcript, start=payload.start, end=payload.end,
                                actor=request.user, value=payload.value, quote=payload.quote)
    origin = segment.suggestion_origin
    return Status(201, {"segment_id": segment.pk, "engine": origin.engine, "engine_version": origin.engine_version})


@router.post("{slug}/codes/{code_id}/suggestions/reject", response={201: SuggestionRejectedOut, **WRITE_ERRORS})
def suggestion_reject_view(request, slug: str, code_id: Id, payload: SuggestionChoiceIn):
    """The passage does not belong to the code: never proposed for it again."""
    project = project_for(request.user, slug, CODE)
    code = _code(project, code_id)
    transcript = get_object_or_404(project.transcripts, pk=payload.transcript_id)
    rejection = suggestion_reject(code=code, transcript=transcript, start=payload.start, end=payload.end,
                                  actor=request.user)
    return Status(201, {"id": rejection.pk})
