"""Writes of the suggestions: a coder accepts one (it becomes an ordinary coding that
remembers where it came from) or rejects one (it is never proposed again for the code).
Until then nothing is written: ranking is a read."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.coding.models import Code, Segment
from apps.coding.services import offsets_check, segment_create
from apps.transcripts.models import Transcript

from .engines import SuggestionEngine, engine as default_engine
from .models import SuggestionOrigin, SuggestionRejection


def _check_code(code: Code, transcript: Transcript) -> None:
    if code.project_id != transcript.project_id or code.deleted_at is not None:
        raise ValidationError({"code_id": "The code is not a live code of this transcript's project."})


@transaction.atomic
def suggestion_accept(*, code: Code, transcript: Transcript, start: int, end: int, actor, value: str = "",
                      quote: str | None = None, engine: SuggestionEngine | None = None) -> Segment:
    """Code the suggested passage with `code` through the ordinary segment_create (same
    checks, history and case memberships) and record its origin: the engine, its version
    and who accepted it. A rejection of the same passage, if any, is withdrawn."""
    engine = engine or default_engine()
    _check_code(code, transcript)
    segment = segment_create(transcript=transcript, start=start, end=end, coder=actor, codes=[code],
                             values={code.pk: value} if value else {}, quote=quote)
    SuggestionOrigin.objects.create(segment=segment, code=code, engine=engine.name, engine_version=engine.version,
                                    accepted_by=actor)
    SuggestionRejection.objects.filter(code=code, transcript=transcript, start=start, end=end).delete()
    return segment


@transaction.atomic
def suggestion_reject(*, code: Code, transcript: Transcript, start: int, end: int, actor,
                      engine: SuggestionEngine | None = None) -> SuggestionRejection:
    """Remember that the passage does not belong to the code: it is not proposed again,
    and the engine learns from it as an example of what the code is not. Rejecting twice
    changes nothing."""
    engine = engine or default_engine()
    _check_code(code, transcript)
    quote = offsets_check(transcript, start, end)
    rejection, _ = SuggestionRejection.objects.get_or_create(
        code=code, transcript=transcript, start=start, end=end,
        defaults={"project_id": transcript.project_id, "quote": quote, "engine": engine.name,
                  "engine_version": engine.version, "rejected_by": actor})
    return rejection
