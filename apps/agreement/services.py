"""Settling a disagreement between coders: keep one coder's coding, or merge the codings
into one; every change goes through the segment services (versions, trash, history)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.coding.models import Code, Segment
from apps.coding.services import StaleVersion, coding_settle, segment_delete, segment_update

KEEP = "keep"
MERGE = "merge"
DISCARD = "discard"
ACTIONS = (KEEP, MERGE, DISCARD)


def _uncode(segment: Segment, code: Code, version: int, actor) -> None:
    """Take `code` off the segment; a segment left with no code and no case goes to the trash."""
    codings = list(segment.codings.all())
    if not any(c.tag_id == code.pk for c in codings):
        raise ValidationError({"segments": f"A segment no longer carries '{code.name}'; reload the page."})
    rest = [c for c in codings if c.tag_id != code.pk]
    if rest or segment.cases.exists():
        segment_update(segment=segment, version=version, actor=actor, codes=[c.tag for c in rest],
                       values={c.tag_id: c.value for c in rest})
    else:
        segment_delete(segment=segment, version=version, actor=actor)


@transaction.atomic
def passage_settle(*, action: str, code: Code, segments: Sequence[Segment], versions: Mapping[int, int], actor,
                   keep: Segment | None = None) -> Segment | None:
    """Settle a passage on which coders differ.

    keep:    `keep` stays as it is; the code comes off the other segments.
    merge:   `keep` grows to cover all the segments; the code comes off the others.
    discard: the code comes off every segment (nobody's coding stands).
    `versions` are the versions the user saw (segment id -> version): a change since
    raises StaleVersion and nothing is changed. The kept coding is marked settled, so it
    counts as primary in the appendix, the matrix and the comparison. Segments with other codes or cases keep
    them; a segment left with nothing goes to the trash, from where owners can restore it.
    """
    if action not in ACTIONS:
        raise ValidationError({"action": f"Unknown action {action!r}; choose one of {', '.join(ACTIONS)}."})
    segments = list(segments)
    if not segments:
        raise ValidationError({"segments": "Choose the segments of the passage."})
    if any(s.project_id != code.project_id for s in segments):
        raise ValidationError({"segments": "The segments belong to another project."})
    if len({s.transcript_id for s in segments}) > 1:
        raise ValidationError({"segments": "The segments of a passage lie in one transcript."})
    missing = [s.pk for s in segments if s.pk not in versions]
    if missing:
        raise ValidationError({"versions": f"The version of segment {missing[0]} is missing."})
    if action == DISCARD:
        for segment in segments:
            _uncode(segment, code, versions[segment.pk], actor)
        return None
    if keep is None or keep.pk not in {s.pk for s in segments}:
        raise ValidationError({"keep": "Choose which of the passage's segments to keep."})
    if keep.version != versions[keep.pk]:
        raise StaleVersion(keep)
    others = [s for s in segments if s.pk != keep.pk]
    for segment in others:
        _uncode(segment, code, versions[segment.pk], actor)
    if action == MERGE:
        start, end = min(s.start for s in segments), max(s.end for s in segments)
        if (start, end) != (keep.start, keep.end):
            keep = segment_update(segment=keep, version=versions[keep.pk], actor=actor, start=start, end=end)
    coding_settle(segment=keep, code=code)
    return keep
