"""Many segments at once, for the tests that pin query counts at 10 and 1,000 segments.

Coding 1,000 passages through `segment_create` one by one takes 15–30 s per test, so
these rows are written in bulk; they follow the same rules (offsets in range, the quote
is the text between them, codes and cases of the same project), which the service tests
check one by one. Bulk writes send no signals, so the stored case memberships are
refreshed here, as every bulk writer must.
"""
from __future__ import annotations

from apps.coding.models import Coding, Segment
from apps.coding.services import case_membership_refresh


def bulk_segments(*, transcript, coder, codes, n: int, cases=(), length: int = 12) -> list[Segment]:
    text = transcript.text
    span = max(1, len(text) - length)
    rows = []
    for i in range(n):
        start = (i * 7) % span
        end = start + length
        quote = text[start:end]
        rows.append(Segment(project_id=transcript.project_id, transcript=transcript, start=start, end=end,
                            quote=quote, words=len(quote.split()), coder=coder))
    segments = Segment.objects.bulk_create(rows)
    if not segments or segments[0].pk is None:  # backends that do not return ids
        segments = list(Segment.objects.filter(transcript=transcript).order_by("-id")[:n])
    Coding.objects.bulk_create(Coding(content_object=s, tag=codes[i % len(codes)]) for i, s in enumerate(segments))
    if cases:
        through = Segment.cases.through
        through.objects.bulk_create(through(segment_id=s.pk, case_id=cases[i % len(cases)].pk)
                                    for i, s in enumerate(segments) if i % 5 == 0)
    case_membership_refresh(project_id=transcript.project_id, transcript_ids=[transcript.pk])
    return segments
