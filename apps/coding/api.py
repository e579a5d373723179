"""JSON API for codes and segments, under /api/projects/{slug}/.

Every route asks `project_for` first: a project the user is not in, and its objects, are a
404; a reviewer who tries to write gets a 403. Offsets are Unicode code points into the
stored text (the browser converts from UTF-16 in static/js/lib/offsets.js). Invalid offsets,
unknown codes and codes of another project are a 422 with the reason; a stale `version`
is a 409 with the segment's current state (see config/api.py).
"""
from __future__ import annotations

from math import ceil
from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from apps.cases.models import Case
from apps.projects import limits
from apps.projects.access import CODE, READ, project_for
from apps.projects.inputs import Count, Id, Offset, bounded_int
from apps.transcripts.models import Transcript

from .models import Code, Segment
from .selectors import (
    cases_for_segments,
    code_data,
    code_tree,
    segment_data,
    segment_dicts,
    segment_hits,
    segment_search,
    segments_in_trash,
)
from .services import (
    code_create,
    code_delete,
    code_merge,
    code_move,
    code_update,
    segment_bounds_snapped,
    segment_create,
    segment_delete,
    segment_restore,
    segment_update,
)

router = Router(tags=["coding"])

MAX_PER_PAGE = 200
TRASH_LIMIT = 500


# --- schemas ---------------------------------------------------------------------------

class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] | None = None


class CodingOut(Schema):
    code_id: int
    code: str
    value: str


class SegmentOut(Schema):
    id: int
    transcript_id: int
    start: int = Field(description="Code point offset of the first character.")
    end: int = Field(description="Code point offset just after the last character.")
    quote: str
    memo: str
    coder: str
    codings: list[CodingOut]
    case_ids: list[int] = Field(description="The cases the segment is linked to.")
    member_case_ids: list[int] = Field(description="The cases it counts for under the case-membership rule.")
    is_case_section: bool
    needs_review: str
    version: int
    deleted_at: str | None = None


class ConflictOut(Schema):
    detail: str
    current: SegmentOut


Page = bounded_int(1)
PerPage = bounded_int(1, MAX_PER_PAGE)
Value = Annotated[str, Field(max_length=limits.LABEL)]
Ids = Annotated[list[Id], Field(max_length=limits.IDS)]
Values = Annotated[dict[str, Value], Field(max_length=limits.IDS,
                                           description="A value on the code's scale, by code id.")]


class SegmentIn(Schema):
    transcript_id: Id
    start: Offset = Field(description="Code point offset into the stored text.")
    end: Offset
    quote: str | None = Field(None, description="The selected text; must equal the text between the offsets.")
    snap: bool = Field(False, description="Widen the offsets to whole words first (the quote is then ignored).")
    code_ids: Ids = []
    values: Values = {}
    case_ids: Ids = []
    memo: str = Field("", max_length=limits.MEMO)
    is_case_section: bool = False


class SegmentPatch(Schema):
    version: Count = Field(description="The version the change is based on; a stale one gives 409.")
    start: Offset | None = None
    end: Offset | None = None
    quote: str | None = None
    snap: bool = False
    code_ids: Ids | None = None
    values: Values | None = None
    case_ids: Ids | None = None
    memo: str | None = Field(None, max_length=limits.MEMO)
    is_case_section: bool | None = None


class SegmentFilters(Schema):
    code: Ids = []
    case: Ids = []
    expert: Ids = []
    coder: Ids = []
    transcript: Ids = []
    q: str = Field("", max_length=limits.QUERY)
    page: Page = 1
    per_page: PerPage = 50


class HitOut(SegmentOut):
    citation: str
    paragraph: int | None
    transcript_title: str
    before: str
    after: str


class HitPage(Schema):
    count: int
    page: int
    pages: int
    per_page: int
    results: list[HitOut]


class CodeOut(Schema):
    id: int
    name: str
    path: str
    parent_id: int | None
    depth: int
    colour: str
    scale: str
    levels: list[str]
    description: str
    inclusion: str
    exclusion: str
    example: str
    n_here: int
    n_all: int


Levels = Annotated[list[Value], Field(max_length=limits.VALUES, description="Named levels, low to high.")]
Description = Annotated[str, Field(max_length=limits.DESCRIPTION)]


class CodeIn(Schema):
    name: str = Field(max_length=limits.LABEL)
    parent_id: Id | None = None
    colour: str = Field("#f2c14e", max_length=7)
    description: Description = ""
    inclusion: Description = ""
    exclusion: Description = ""
    example: Description = ""
    scale: str = Field(Code.Scale.NONE, max_length=10)
    levels: Levels = []


class CodePatch(Schema):
    name: str | None = Field(None, max_length=limits.LABEL)
    colour: str | None = Field(None, max_length=7)
    description: Description | None = None
    inclusion: Description | None = None
    exclusion: Description | None = None
    example: Description | None = None
    scale: str | None = Field(None, max_length=10)
    levels: Levels | None = None


class CodeMoveIn(Schema):
    parent_id: Id | None = None


class CodeMergeIn(Schema):
    target_id: Id


WRITE_ERRORS = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


# --- helpers ---------------------------------------------------------------------------

def segment_out(segment: Segment, project=None) -> dict:
    """One segment as JSON, with the cases it counts for (one query more, and those its
    codings and cases take unless they were prefetched)."""
    members = cases_for_segments(project=project or segment.project, segment_ids=[segment.pk])
    return segment_data(segment, members.get(segment.pk, []))


def _segment_fresh(project, pk: int) -> dict:
    """The segment as stored now (alive or in the trash), with its member cases."""
    return segment_dicts(project=project, segments=Segment.all_objects.filter(project=project, pk=pk))[0]


def _big_list(rows: list[dict]) -> JsonResponse:
    """A long list built by `segment_dicts` in the documented shape, sent as it is: checking
    hundreds of rows against the schema again would cost more than reading them."""
    return JsonResponse(rows, safe=False)


def _segment_get(project, pk: int, *, trash: bool = False) -> Segment:
    manager = Segment.all_objects if trash else Segment.objects
    return get_object_or_404(manager.select_related("project"), project=project, pk=pk)


def _codes(ids) -> list[Code]:
    """The codes with these ids in any project: the service says which are foreign."""
    ids = list(dict.fromkeys(int(i) for i in ids))
    found = {c.pk: c for c in Code.objects.filter(pk__in=ids)}
    unknown = [str(i) for i in ids if i not in found]
    if unknown:
        raise ValidationError({"code_ids": f"unknown codes: {', '.join(unknown)}"})
    return [found[i] for i in ids]


def _cases(ids) -> list[Case]:
    ids = list(dict.fromkeys(int(i) for i in ids))
    found = {c.pk: c for c in Case.objects.filter(pk__in=ids)}
    unknown = [str(i) for i in ids if i not in found]
    if unknown:
        raise ValidationError({"case_ids": f"unknown cases: {', '.join(unknown)}"})
    return [found[i] for i in ids]


def _values(values: dict[str, str] | None) -> dict[int, str] | None:
    if values is None:
        return None
    try:
        return {int(k): v for k, v in values.items()}
    except ValueError:
        raise ValidationError({"values": "values are keyed by code id"})


def _code_parent(project, parent_id: int | None) -> Code | None:
    if parent_id is None:
        return None
    parent = Code.objects.filter(pk=parent_id, deleted_at__isnull=True).first()
    if parent is None:
        raise ValidationError({"parent_id": f"unknown code {parent_id}"})
    return parent


def _code_get(project, pk: int) -> Code:
    return get_object_or_404(Code.objects.select_related("project"), project=project, pk=pk, deleted_at__isnull=True)


def _code_out(project, code: Code, transcript_id: Id | None = None) -> dict:
    transcript = Transcript.objects.filter(project=project, pk=transcript_id).first() if transcript_id else None
    for node in code_tree(project=project, transcript=transcript):
        if node.code.pk == code.pk:
            return code_data(node)
    raise ValidationError({"code": "the code is gone"})


# --- segments --------------------------------------------------------------------------

@router.get("{slug}/transcripts/{transcript_id}/segments", response=list[SegmentOut])
def transcript_segments(request, slug: str, transcript_id: Id):
    """All segments of one transcript (not those in the trash), in text order."""
    project = project_for(request.user, slug, READ)
    transcript = get_object_or_404(Transcript.objects.only("id", "project_id"), project=project, pk=transcript_id)
    rows = Segment.objects.filter(transcript=transcript).order_by("start", "end", "id")
    return _big_list(segment_dicts(project=project, segments=rows, transcript=transcript))


@router.get("{slug}/segments", response=HitPage)
def segment_list(request, slug: str, filters: Query[SegmentFilters]):
    """Retrieval: segments filtered by codes, cases (by the membership rule), experts,
    coders, transcripts and words, each with its citation and surrounding turn."""
    project = project_for(request.user, slug, READ)
    rows = segment_search(project=project, code_ids=filters.code, case_ids=filters.case, expert_ids=filters.expert,
                          coder_ids=filters.coder, transcript_ids=filters.transcript, text=filters.q)
    count = rows.count()
    pages = max(1, ceil(count / filters.per_page))
    page = min(filters.page, pages)
    offset = (page - 1) * filters.per_page
    segments = list(rows[offset:offset + filters.per_page])
    results = []
    for hit in segment_hits(project=project, segments=segments):
        item = segment_data(hit.segment, [c.pk for c in hit.cases])
        item.update(citation=hit.citation, paragraph=hit.paragraph, transcript_title=hit.segment.transcript.title,
                    before=hit.before, after=hit.after)
        results.append(item)
    return {"count": count, "page": page, "pages": pages, "per_page": filters.per_page, "results": results}


@router.get("{slug}/segments/{segment_id}", response={200: SegmentOut, 404: ErrorOut})
def segment_detail(request, slug: str, segment_id: Id):
    """One segment, also when it is in the trash (then `deleted_at` is set)."""
    project = project_for(request.user, slug, READ)
    _segment_get(project, segment_id, trash=True)
    return _segment_fresh(project, segment_id)


@router.post("{slug}/segments", response={201: SegmentOut, **WRITE_ERRORS})
def segment_add(request, slug: str, payload: SegmentIn):
    """Code a passage: offsets, codes with values, cases, memo; or mark a case section."""
    project = project_for(request.user, slug, CODE)
    transcript = get_object_or_404(project.transcripts, pk=payload.transcript_id)  # knows its project
    start, end, quote = payload.start, payload.end, payload.quote
    if payload.snap:
        start, end = segment_bounds_snapped(text=transcript.text, start=start, end=end)
        quote = None
    segment = segment_create(transcript=transcript, start=start, end=end, quote=quote, coder=request.user,
                             codes=_codes(payload.code_ids), values=_values(payload.values),
                             cases=_cases(payload.case_ids), memo=payload.memo,
                             is_case_section=payload.is_case_section)
    return Status(201, segment_out(segment, project))


@router.patch("{slug}/segments/{segment_id}", response={200: SegmentOut, 409: ConflictOut, **WRITE_ERRORS})
def segment_change(request, slug: str, segment_id: Id, payload: SegmentPatch):
    """Change codes, values, cases, memo or boundaries (`snap` widens them to whole words)."""
    project = project_for(request.user, slug, CODE)
    segment = _segment_get(project, segment_id)
    start, end, quote = payload.start, payload.end, payload.quote
    if payload.snap and (start is not None or end is not None):
        text = Transcript.objects.values_list("text", flat=True).get(pk=segment.transcript_id)
        start, end = segment_bounds_snapped(text=text, start=segment.start if start is None else start,
                                            end=segment.end if end is None else end)
        quote = None
    segment_update(segment=segment, version=payload.version, actor=request.user, start=start, end=end, quote=quote,
                   codes=None if payload.code_ids is None else _codes(payload.code_ids),
                   values=_values(payload.values),
                   cases=None if payload.case_ids is None else _cases(payload.case_ids),
                   memo=payload.memo, is_case_section=payload.is_case_section)
    return _segment_fresh(project, segment.pk)


@router.delete("{slug}/segments/{segment_id}", response={200: SegmentOut, 409: ConflictOut, **WRITE_ERRORS})
def segment_trash(request, slug: str, segment_id: Id, version: Count | None = None):
    """Move a segment to the trash (restorable); with `version`, only if nobody changed it."""
    project = project_for(request.user, slug, CODE)
    segment = _segment_get(project, segment_id)
    segment_delete(segment=segment, actor=request.user, version=version)
    return _segment_fresh(project, segment.pk)


@router.post("{slug}/segments/{segment_id}/restore", response={200: SegmentOut, **WRITE_ERRORS})
def segment_untrash(request, slug: str, segment_id: Id):
    """Take a segment out of the trash, with its codings and cases."""
    project = project_for(request.user, slug, CODE)
    segment = _segment_get(project, segment_id, trash=True)
    segment_restore(segment=segment, actor=request.user)
    return _segment_fresh(project, segment.pk)


@router.get("{slug}/trash", response=list[SegmentOut])
def trash_list(request, slug: str, transcript: Id | None = None):
    """The segments in the trash, most recently deleted first (of one transcript, if given)."""
    project = project_for(request.user, slug, READ)
    scope = get_object_or_404(Transcript.objects.only("id", "project_id"), project=project, pk=transcript) \
        if transcript is not None else None
    rows = Segment.all_objects.filter(pk__in=list(
        segments_in_trash(project=project, transcript=scope).values_list("pk", flat=True)[:TRASH_LIMIT]))
    return _big_list(segment_dicts(project=project, segments=rows.order_by("-deleted_at", "-id")))


# --- codes -----------------------------------------------------------------------------

@router.get("{slug}/codes", response=list[CodeOut])
def code_list(request, slug: str, transcript: Id | None = None):
    """The codebook in tree order with the number of segments per code, in the project
    and (with `transcript`) in one transcript."""
    project = project_for(request.user, slug, READ)
    scope = get_object_or_404(Transcript.objects.only("id", "project_id"), project=project, pk=transcript) \
        if transcript is not None else None
    return [code_data(node) for node in code_tree(project=project, transcript=scope)]


@router.post("{slug}/codes", response={201: CodeOut, **WRITE_ERRORS})
def code_add(request, slug: str, payload: CodeIn):
    project = project_for(request.user, slug, CODE)
    code = code_create(project=project, actor=request.user, name=payload.name,
                       parent=_code_parent(project, payload.parent_id), colour=payload.colour,
                       description=payload.description, inclusion=payload.inclusion, exclusion=payload.exclusion,
                       example=payload.example, scale=payload.scale, levels=payload.levels)
    return Status(201, _code_out(project, code))


@router.patch("{slug}/codes/{code_id}", response={200: CodeOut, **WRITE_ERRORS})
def code_change(request, slug: str, code_id: Id, payload: CodePatch):
    """Rename, recolour, describe or rescale a code."""
    project = project_for(request.user, slug, CODE)
    code = _code_get(project, code_id)
    code_update(code=code, actor=request.user, **payload.dict(exclude_unset=True))
    return _code_out(project, code)


@router.post("{slug}/codes/{code_id}/move", response={200: CodeOut, **WRITE_ERRORS})
def code_reparent(request, slug: str, code_id: Id, payload: CodeMoveIn):
    """Put a code under another (or at the top with `parent_id: null`)."""
    project = project_for(request.user, slug, CODE)
    code = _code_get(project, code_id)
    code_move(code=code, parent=_code_parent(project, payload.parent_id), actor=request.user)
    return _code_out(project, code)


@router.post("{slug}/codes/{code_id}/merge", response={200: CodeOut, **WRITE_ERRORS})
def code_merge_into(request, slug: str, code_id: Id, payload: CodeMergeIn):
    """Merge the code into `target_id`: its codings, children, memos and comments move there."""
    project = project_for(request.user, slug, CODE)
    source = _code_get(project, code_id)
    target = Code.objects.filter(pk=payload.target_id, deleted_at__isnull=True).select_related("project").first()
    if target is None:
        raise ValidationError({"target_id": f"unknown code {payload.target_id}"})
    code_merge(source=source, target=target, actor=request.user)
    return _code_out(project, target)


@router.delete("{slug}/codes/{code_id}", response={204: None, **WRITE_ERRORS})
def code_remove(request, slug: str, code_id: Id, move_codings_to: Id | None = None):
    """Delete a code; one with codings or children needs `move_codings_to` (a merge)."""
    project = project_for(request.user, slug, CODE)
    code = _code_get(project, code_id)
    target = None
    if move_codings_to is not None:
        target = Code.objects.filter(pk=move_codings_to, deleted_at__isnull=True).first()
        if target is None:
            raise ValidationError({"move_codings_to": f"unknown code {move_codings_to}"})
    code_delete(code=code, actor=request.user, move_codings_to=target)
    return Status(204, None)
