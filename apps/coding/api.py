"""JSON API for codes and segments, and a transcript's text (an edit re-anchors the
segments), under /api/projects/{slug}/.

Every route asks `project_for` first: a project the user is not in, and its objects, are a
404; a reviewer who tries to write gets a 403. Offsets are Unicode code points into the
stored text (the browser converts from UTF-16 in static/js/lib/offsets.js). Invalid offsets
and unknown codes are a 422 with the reason (an id of another project's object is unknown
like one that does not exist: apps.projects.access.in_project); a stale `version`
is a 409 with the segment's current state (see config/api.py).
"""
from __future__ import annotations

import re
from math import ceil
from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from apps.cases.models import Case
from apps.projects import limits
from apps.projects.access import CODE, READ, in_project, one_in_project, project_for
from apps.projects.inputs import Count, Id, Offset, bounded_int
from apps.projects.responses import WRITE_ERRORS, ErrorOut
from apps.transcripts.models import Transcript
from apps.transcripts.selectors import transcript_in_project

from . import selectors, services
from .models import Code, Segment

router = Router(tags=["coding"])

MAX_PER_PAGE = 200
TRASH_LIMIT = 500
MAX_SEGMENT_IDS = 200  # per `ids=` request; the browser asks in chunks of this size
SEGMENT_IDS = re.compile(r"\d{1,18}(,\d{1,18})*", re.ASCII)  # 18 digits fit a 64-bit id


# --- schemas ---------------------------------------------------------------------------

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
    no_value: bool = Field(False, description="Only segments with a coding of a scaled code without a value.")
    after: str | None = Field(None, pattern=selectors.SearchCursor.PATTERN.pattern, max_length=80,
                              description="The `next` of the page before: the page that follows it (then `page` "
                                          "is ignored, and `count`, `pages` and `valueless` are not counted again).")
    page: Page = 1
    per_page: PerPage = 100


class HitOut(SegmentOut):
    citation: str
    paragraph: int | None
    transcript_title: str
    before: str
    after: str


class HitPage(Schema):
    count: int | None = Field(description="How many segments match (not counted again on an `after=` page).")
    page: int | None
    pages: int | None
    per_page: int
    results: list[HitOut]
    next: str | None = Field(description="Pass as `after=` for the next page; null on the last page.")
    valueless: int | None = Field(description="Codings of scaled codes (of the chosen codes) without a value among "
                                              "them (not counted again on an `after=` page).")


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
    colour: str | None = Field(None, max_length=7, description="#rrggbb; none: a colour far from the other codes'.")
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


# --- helpers ---------------------------------------------------------------------------

def segment_out(segment: Segment, project=None) -> dict:
    """The segment as stored now (alive or in the trash), in its one JSON shape, with the
    cases it counts for (four queries: see `segment_dicts`)."""
    project = project or segment.project
    stored = Segment.all_objects.filter(project=project, pk=segment.pk)
    return selectors.segment_dicts(project=project, segments=stored)[0]


def _hit_segment(hit: selectors.Hit) -> dict:
    """A retrieved segment in its JSON shape, from what the hit has loaded already."""
    segment = hit.segment
    return selectors.segment_json(selectors.segment_row(segment),
                                  codings=[(c.tag_id, c.tag.name, c.value) for c in hit.codes],
                                  case_ids=[c.pk for c in segment.cases.all()],
                                  member_case_ids=[c.pk for c in hit.cases])


def _big_list(rows: list[dict]) -> JsonResponse:
    """A long list built by `segment_dicts` in the documented shape, sent as it is: checking
    hundreds of rows against the schema again would cost more than reading them."""
    return JsonResponse(rows, safe=False)


def _written(segment: Segment, project, *, status: int = 200) -> JsonResponse:
    """A segment just written or put in the trash, in SegmentOut's shape
    (`selectors.segment_written_json`), sent as built: checking it against the schema again
    took longer than building it, on every coding click (#19)."""
    return JsonResponse(selectors.segment_written_json(segment, project=project), status=status)


def _segment_get(project, pk: int, *, trash: bool = False) -> Segment:
    segment = selectors.segment_of_project(project=project, pk=pk, trash=trash)
    if segment is None:
        raise Http404("No such segment in this project.")
    return segment


def _codes(project, ids) -> list[Code]:
    """The project's codes with these ids; another project's code is as unknown as a
    code that does not exist (apps.projects.access.in_project)."""
    return in_project(Code, project=project, ids=ids, field="code_ids", noun="codes")


def _cases(project, ids) -> list[Case]:
    return in_project(Case, project=project, ids=ids, field="case_ids", noun="cases")


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
    return _code_in_project(project, parent_id, field="parent_id")


def _code_in_project(project, pk: int, *, field: str) -> Code:
    """A code of the project's codebook named in a payload (a parent, a merge target)."""
    return one_in_project(Code.objects.filter(deleted_at__isnull=True).select_related("project"), project=project,
                          pk=pk, field=field, noun="code")


def _code_get(project, pk: int) -> Code:
    return get_object_or_404(Code.objects.select_related("project"), project=project, pk=pk, deleted_at__isnull=True)


def _code_out(project, code: Code, transcript_id: Id | None = None) -> dict:
    transcript = Transcript.objects.filter(project=project, pk=transcript_id).first() if transcript_id else None
    for node in selectors.code_tree(project=project, transcript=transcript):
        if node.code.pk == code.pk:
            return selectors.code_data(node)
    raise ValidationError({"code": "the code is gone"})


# --- segments --------------------------------------------------------------------------

def _segment_ids(ids: str) -> list[int]:
    """The ids of `ids=1,2,3`, at most MAX_SEGMENT_IDS of them."""
    if not SEGMENT_IDS.fullmatch(ids) or ids.count(",") >= MAX_SEGMENT_IDS:
        raise ValidationError({"ids": f"ids must be 1 to {MAX_SEGMENT_IDS} segment ids separated by commas"})
    return [int(i) for i in ids.split(",")]


@router.get("{slug}/transcripts/{transcript_id}/segments", response=list[SegmentOut])
def transcript_segment_list(request, slug: str, transcript_id: Id, ids: str | None = None):
    """All segments of one transcript (not those in the trash), in text order; with
    `ids=1,2,3` only those of them still in it, so that the page reads again just the
    segments a write touched (the written one and those whose case sections it changed)."""
    project = project_for(request.user, slug, READ)
    transcript = get_object_or_404(Transcript.objects.only("id", "project_id"), project=project, pk=transcript_id)
    rows = Segment.objects.filter(transcript=transcript).order_by("start", "end", "id")
    if ids is not None:
        return _big_list(selectors.segment_dicts(project=project, segments=rows.filter(pk__in=_segment_ids(ids))))
    return _big_list(selectors.segment_dicts(project=project, segments=rows, transcript=transcript))


@router.get("{slug}/segments", response=HitPage)
def segment_list(request, slug: str, filters: Query[SegmentFilters]):
    """Retrieval: segments filtered by codes, cases (by the membership rule), experts,
    coders, transcripts and words, each with its citation and surrounding turn."""
    project = project_for(request.user, slug, READ)
    rows = selectors.segment_search(project=project, code_ids=filters.code, case_ids=filters.case,
                                    expert_ids=filters.expert, coder_ids=filters.coder,
                                    transcript_ids=filters.transcript, text=filters.q, no_value=filters.no_value)
    size = filters.per_page
    if filters.after is not None:
        cursor = selectors.SearchCursor.parse(filters.after)
        found = selectors.hit_dicts(project=project, segments=selectors.segments_after(rows, project=project,
                                                                                       cursor=cursor), limit=size + 1)
        if not found.hits and not selectors.cursor_is_known(project=project, cursor=cursor):
            raise ValidationError({"after": "the cursor names a transcript this project does not have"})
        count = page = pages = valueless = None
    else:
        # The page's query counts every row too; only a page past the end asks again.
        found = selectors.hit_dicts(project=project, segments=rows, offset=(filters.page - 1) * size,
                                    limit=size + 1, count=True)
        count = found.total or 0
        if not found.hits and filters.page > 1:  # past the last page: the last page
            count = rows.count()
        pages = max(1, ceil(count / size))
        page = min(filters.page, pages)
        if page != filters.page:
            found = selectors.hit_dicts(project=project, segments=rows, offset=(page - 1) * size, limit=size + 1,
                                        count=True)
        valueless = found.valueless(code_ids=filters.code)
        if valueless is None:
            valueless = selectors.valueless_count(segments=rows, code_ids=filters.code)
    more, results = len(found.hits) > size, found.hits[:size]  # one row beyond the page says whether one follows
    last = results[-1] if results else None
    # Sent as built (the shape HitPage documents): checking 200 hits against the schema again
    # would cost more than reading them (see _big_list).
    return JsonResponse({"count": count, "page": page, "pages": pages, "per_page": size, "results": results,
                         "next": str(selectors.SearchCursor(last["transcript_id"], last["start"], last["end"],
                                                            last["id"])) if more else None,
                         "valueless": valueless})


@router.get("{slug}/segments/{segment_id}", response={200: SegmentOut, 404: ErrorOut})
def segment_detail(request, slug: str, segment_id: Id):
    """One segment, also when it is in the trash (then `deleted_at` is set)."""
    project = project_for(request.user, slug, READ)
    return segment_out(_segment_get(project, segment_id, trash=True), project)


@router.post("{slug}/segments", response={201: SegmentOut, **WRITE_ERRORS})
def segment_create(request, slug: str, payload: SegmentIn):
    """Code a passage: offsets, codes with values, cases, memo; or mark a case section."""
    project = project_for(request.user, slug, CODE)
    transcript = transcript_in_project(project=project, pk=payload.transcript_id)
    if transcript is None:
        raise Http404("No such transcript in this project.")
    start, end, quote = payload.start, payload.end, payload.quote
    if payload.snap:
        start, end = services.segment_bounds_snapped(text=transcript.text, start=start, end=end)
        quote = None
    segment = services.segment_create(transcript=transcript, start=start, end=end, quote=quote, coder=request.user,
                                      codes=_codes(project, payload.code_ids), values=_values(payload.values),
                                      cases=_cases(project, payload.case_ids), memo=payload.memo,
                                      is_case_section=payload.is_case_section)
    return _written(segment, project, status=201)


@router.patch("{slug}/segments/{segment_id}", response={200: SegmentOut, 409: ConflictOut, **WRITE_ERRORS})
def segment_update(request, slug: str, segment_id: Id, payload: SegmentPatch):
    """Change codes, values, cases, memo or boundaries (`snap` widens them to whole words)."""
    project = project_for(request.user, slug, CODE)
    segment = _segment_get(project, segment_id)
    start, end, quote = payload.start, payload.end, payload.quote
    if payload.snap and (start is not None or end is not None):
        text = Transcript.objects.values_list("text", flat=True).get(pk=segment.transcript_id)
        start, end = services.segment_bounds_snapped(text=text, start=segment.start if start is None else start,
                                                     end=segment.end if end is None else end)
        quote = None
    services.segment_update(segment=segment, version=payload.version, actor=request.user, start=start, end=end,
                            quote=quote, codes=None if payload.code_ids is None else _codes(project, payload.code_ids),
                            values=_values(payload.values),
                            cases=None if payload.case_ids is None else _cases(project, payload.case_ids),
                            memo=payload.memo, is_case_section=payload.is_case_section)
    return segment_out(segment, project)


@router.delete("{slug}/segments/{segment_id}", response={200: SegmentOut, 409: ConflictOut, **WRITE_ERRORS})
def segment_delete(request, slug: str, segment_id: Id, version: Count | None = None):
    """Move a segment to the trash (restorable); with `version`, only if nobody changed it."""
    project = project_for(request.user, slug, CODE)
    segment = _segment_get(project, segment_id)
    return _written(services.segment_delete(segment=segment, actor=request.user, version=version), project)


@router.post("{slug}/segments/{segment_id}/restore", response={200: SegmentOut, **WRITE_ERRORS})
def segment_restore(request, slug: str, segment_id: Id):
    """Take a segment out of the trash, with its codings and cases."""
    project = project_for(request.user, slug, CODE)
    segment = _segment_get(project, segment_id, trash=True)
    services.segment_restore(segment=segment, actor=request.user)
    return segment_out(segment, project)


@router.get("{slug}/trash", response=list[SegmentOut])
def trash_list(request, slug: str, transcript: Id | None = None):
    """The segments in the trash, most recently deleted first (of one transcript, if given)."""
    project = project_for(request.user, slug, READ)
    scope = get_object_or_404(Transcript.objects.only("id", "project_id"), project=project, pk=transcript) \
        if transcript is not None else None
    rows = Segment.all_objects.filter(pk__in=list(
        selectors.segments_in_trash(project=project, transcript=scope).values_list("pk", flat=True)[:TRASH_LIMIT]))
    return _big_list(selectors.segment_dicts(project=project, segments=rows.order_by("-deleted_at", "-id")))


# --- codes -----------------------------------------------------------------------------

@router.get("{slug}/codes", response=list[CodeOut])
def code_list(request, slug: str, transcript: Id | None = None):
    """The codebook in tree order with the number of segments per code, in the project
    and (with `transcript`) in one transcript."""
    project = project_for(request.user, slug, READ)
    scope = get_object_or_404(Transcript.objects.only("id", "project_id"), project=project, pk=transcript) \
        if transcript is not None else None
    return [selectors.code_data(node) for node in selectors.code_tree(project=project, transcript=scope)]


@router.post("{slug}/codes", response={201: CodeOut, **WRITE_ERRORS})
def code_create(request, slug: str, payload: CodeIn):
    """Add a code to the codebook (under `parent_id`, or at the top)."""
    project = project_for(request.user, slug, CODE)
    code = services.code_create(project=project, actor=request.user, name=payload.name,
                                parent=_code_parent(project, payload.parent_id), colour=payload.colour,
                                description=payload.description, inclusion=payload.inclusion,
                                exclusion=payload.exclusion, example=payload.example, scale=payload.scale,
                                levels=payload.levels)
    return Status(201, _code_out(project, code))


@router.patch("{slug}/codes/{code_id}", response={200: CodeOut, **WRITE_ERRORS})
def code_update(request, slug: str, code_id: Id, payload: CodePatch):
    """Rename, recolour, describe or rescale a code."""
    project = project_for(request.user, slug, CODE)
    code = _code_get(project, code_id)
    services.code_update(code=code, actor=request.user, **payload.dict(exclude_unset=True))
    return _code_out(project, code)


@router.post("{slug}/codes/{code_id}/move", response={200: CodeOut, **WRITE_ERRORS})
def code_move(request, slug: str, code_id: Id, payload: CodeMoveIn):
    """Put a code under another (or at the top with `parent_id: null`)."""
    project = project_for(request.user, slug, CODE)
    code = _code_get(project, code_id)
    services.code_move(code=code, parent=_code_parent(project, payload.parent_id), actor=request.user)
    return _code_out(project, code)


@router.post("{slug}/codes/{code_id}/merge", response={200: CodeOut, **WRITE_ERRORS})
def code_merge(request, slug: str, code_id: Id, payload: CodeMergeIn):
    """Merge the code into `target_id`: its codings, children, memos and comments move there."""
    project = project_for(request.user, slug, CODE)
    source = _code_get(project, code_id)
    target = _code_in_project(project, payload.target_id, field="target_id")
    services.code_merge(source=source, target=target, actor=request.user)
    return _code_out(project, target)


@router.delete("{slug}/codes/{code_id}", response={204: None, **WRITE_ERRORS})
def code_delete(request, slug: str, code_id: Id, move_codings_to: Id | None = None):
    """Delete a code; one with codings or children needs `move_codings_to` (a merge)."""
    project = project_for(request.user, slug, CODE)
    code = _code_get(project, code_id)
    target = None
    if move_codings_to is not None:
        target = _code_in_project(project, move_codings_to, field="move_codings_to")
    services.code_delete(code=code, actor=request.user, move_codings_to=target)
    return Status(204, None)


# --- a transcript's text ---------------------------------------------------------------

class TextOut(Schema):
    transcript_id: int
    title: str
    version: int
    text: str


class TextIn(Schema):
    text: str
    version: Count = Field(description="The version the edit started from; a newer one gives 409.")


class SegmentMoveOut(Schema):
    id: int
    status: str = Field(description="unchanged | moved | changed | deleted (the last two are flagged)")
    start: int
    end: int
    quote: str
    reason: str


class TextEditOut(Schema):
    transcript_id: int
    version: int
    changes: int = Field(description="Stretches of text that changed.")
    moved: int
    flagged: int
    segments: list[SegmentMoveOut]


class TextConflictOut(Schema):
    detail: str
    version: int = Field(description="The transcript's current version.")


@router.get("{slug}/transcripts/{transcript_id}/text", response=TextOut)
def transcript_text(request, slug: str, transcript_id: Id):
    """The stored text and its version, to edit it."""
    project = project_for(request.user, slug, READ)
    transcript = get_object_or_404(project.transcripts.only("id", "title", "version", "text", "project_id"),
                                   pk=transcript_id)
    return {"transcript_id": transcript.pk, "title": transcript.title, "version": transcript.version,
            "text": transcript.text}


@router.put("{slug}/transcripts/{transcript_id}/text",
            response={200: TextEditOut, 409: TextConflictOut, **WRITE_ERRORS})
def transcript_text_update(request, slug: str, transcript_id: Id, payload: TextIn):
    """Replace the text; every segment is re-anchored (moved, or flagged when its words
    changed or were deleted). A stale `version` is a 409 with the current one."""
    project = project_for(request.user, slug, CODE)
    transcript = get_object_or_404(project.transcripts.defer("text", "pseudonym_map"), pk=transcript_id)
    edit = services.transcript_update_text(transcript=transcript, text=payload.text, version=payload.version,
                                           actor=request.user)
    return {
        "transcript_id": edit.transcript.pk, "version": edit.transcript.version, "changes": edit.changes,
        "moved": len(edit.moved), "flagged": len(edit.flagged),
        "segments": [{"id": r.key, "status": r.status, "start": r.start, "end": r.end, "quote": r.quote,
                      "reason": r.reason} for r in edit.segments],
    }
