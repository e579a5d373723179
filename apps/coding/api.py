"""JSON API for codes and segments, under /api/projects/{slug}/."""
from __future__ import annotations

from ninja import Router, Schema

from .models import Segment

router = Router(tags=["coding"])


class CodingOut(Schema):
    code_id: int
    code: str
    value: str


class SegmentOut(Schema):
    id: int
    transcript_id: int
    start: int
    end: int
    quote: str
    memo: str
    coder: str
    codings: list[CodingOut]
    case_ids: list[int]
    is_case_section: bool
    needs_review: str
    version: int


def segment_out(segment: Segment) -> dict:
    return {
        "id": segment.pk, "transcript_id": segment.transcript_id, "start": segment.start, "end": segment.end,
        "quote": segment.quote, "memo": segment.memo, "coder": segment.coder.username,
        "codings": [{"code_id": c.tag_id, "code": c.tag.name, "value": c.value} for c in segment.codings.all()],
        "case_ids": [c.pk for c in segment.cases.all()],
        "is_case_section": segment.is_case_section, "needs_review": segment.needs_review, "version": segment.version,
    }
