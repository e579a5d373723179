"""JSON API of the search, under /api/projects/{slug}/: full-text search with filters,
the hits of one transcript, coding every hit (preview, apply, undo) and saved searches.

Every route asks `project_for` first (another project's member gets a 404, a reviewer who
tries to code a 403). A query that cannot be parsed, such as an invalid regular
expression, is a 422 whose `detail` is the parser's message.
"""
from __future__ import annotations

from math import ceil
from typing import Literal

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from apps.cases.models import Case
from apps.coding.models import Code
from apps.coding.services import codes_check
from apps.projects.access import CODE, READ, project_for
from apps.projects.inputs import Id, bounded_int
from apps.projects.responses import WRITE_ERRORS, ErrorOut

from .models import SavedSearch
from .selectors import (
    EXTENDS,
    SearchParams,
    code_all_plan,
    hit_keys_valid,
    hit_rows,
    saved_search_changes,
    saved_searches,
    search_hits,
    transcript_hit_ranges,
)
from .services import code_all, code_all_undo, saved_search_create, saved_search_delete, saved_search_remember

router = Router(tags=["search"])

MAX_PER_PAGE = 200
Extend = Literal["hit", "word", "sentence", "paragraph", "speaker"]
assert set(EXTENDS) == set(Extend.__args__)


# --- schemas -----------------------------------------------------------------------------------

class SearchIn(Schema):
    q: str = Field("", max_length=500, description="The query: words, \"phrases\", prefix*, fuzzy~, AND/OR/NOT, "
                                                   "a NEAR/5 b, /regular expression/.")
    transcript: list[Id] = Field([], description="Only these transcripts (ids).")
    expert: list[Id] = Field([], description="Only the transcripts of these experts (ids).")
    speaker: Literal["all", "expert", "interviewer"] = Field(
        "all", description="The expert's speech only, or the other speakers' (by each transcript's expert speaker).")
    case: list[Id] = Field([], description="Only hits that count for one of these cases (ids).")
    code: Id | None = Field(None, description="A code whose segments the hits must lie in (or outside).")
    code_mode: Literal["inside", "outside"] = "inside"
    coded: Literal["all", "coded", "uncoded"] = "all"
    fuzzy: bool = Field(False, description="Every word also matches with a letter or two different.")
    exact: bool = Field(False, description="Match case and diacritics as typed.")

    def params(self) -> SearchParams:
        return SearchParams(q=self.q.strip(), transcripts=tuple(self.transcript), experts=tuple(self.expert),
                            speaker=self.speaker, cases=tuple(self.case), code=self.code, code_mode=self.code_mode,
                            coded=self.coded, fuzzy=self.fuzzy, exact=self.exact)


class SearchQuery(SearchIn):
    page: bounded_int(1) = 1
    per_page: int = Field(50, ge=1, le=MAX_PER_PAGE)


class HitCodeOut(Schema):
    code_id: int
    code: str
    colour: str


class SearchHitOut(Schema):
    key: str = Field(description="transcript:start:end, to choose hits for code-all.")
    transcript_id: int
    transcript_title: str
    expert: str
    start: int = Field(description="Code point offset of the hit's first character.")
    end: int
    paragraph: int
    citation: str
    speaker: str
    is_expert_speech: bool
    before: str
    text: str
    after: str
    url: str = Field(description="The transcript page, scrolled to the hit, with every hit highlighted.")
    codes: list[HitCodeOut] = Field(description="The codes of the segments the hit lies in or overlaps.")


class SearchPage(Schema):
    count: int
    transcripts: int
    page: int
    pages: int
    per_page: int
    results: list[SearchHitOut]


class RangesOut(Schema):
    hits: list[list[int]] = Field(description="[start, end) of every hit in the transcript, in order.")


class CodeAllIn(Schema):
    search: SearchIn
    code_id: Id
    value: str = Field("", description="A value on the code's scale, or none.")
    case_ids: list[Id] = []
    extend: Extend = Field("hit", description="What each hit becomes: the hit, whole words, the sentence, the "
                                              "paragraph, or the speaker's turn.")
    hits: list[str] | None = Field(None, description="Only these hits (their keys); all hits when not given.")


class PlanOut(Schema):
    hits: int = Field(description="Hits considered.")
    new_segments: int
    skipped: int = Field(description="Hits in a segment that has the code already.")
    merged: int = Field(description="Hits that share a new segment with another hit.")
    overlaps: int = Field(description="New segments that overlap a coded segment.")


class BatchOut(PlanOut):
    batch_id: int = Field(description="The history entry of the batch; POST .../search/batches/{id}/undo undoes it.")
    segment_ids: list[int]


class UndoOut(Schema):
    trashed: int


class SavedIn(Schema):
    name: str = Field(..., max_length=200)
    search: SearchIn


class SavedOut(Schema):
    id: int
    name: str
    search: dict
    created_by: str
    last_run_at: str | None
    last_hits: int


class RunOut(Schema):
    count: int
    new: list[str] = Field(description="Keys of the hits that were not hits at the last remembered run.")
    gone: int = Field(description="Hits of the last remembered run that are hits no more.")


def _saved_out(saved: SavedSearch) -> dict:
    return {"id": saved.pk, "name": saved.name, "search": saved.params, "created_by": saved.created_by.username,
            "last_run_at": saved.last_run_at.isoformat() if saved.last_run_at else None,
            "last_hits": len(saved.last_hit_keys or [])}


# --- search ------------------------------------------------------------------------------------

@router.get("{slug}/search", response={200: SearchPage, 422: ErrorOut})
def search(request, slug: str, query: Query[SearchQuery]):
    """The hits of a query in the project's transcripts, a page at a time, each in
    context with its citation, speaker and the codes already there."""
    project = project_for(request.user, slug, READ)
    params = query.params()
    found = search_hits(project=project, params=params)
    pages = max(1, ceil(len(found.hits) / query.per_page))
    page = min(query.page, pages)
    chosen = found.hits[(page - 1) * query.per_page:page * query.per_page]
    results = [{**row.__dict__, "key": row.key, "transcript_id": row.hit.transcript_id, "start": row.hit.start,
                "end": row.hit.end, "paragraph": row.hit.paragraph}
               for row in hit_rows(project=project, params=params, hits=chosen)]
    return {"count": len(found.hits), "transcripts": found.transcripts, "page": page, "pages": pages,
            "per_page": query.per_page, "results": results}


@router.get("{slug}/transcripts/{transcript_id}/search-hits", response={200: RangesOut, 404: ErrorOut, 422: ErrorOut})
def transcript_search_hits(request, slug: str, transcript_id: Id, query: Query[SearchIn]):
    """Every hit of the query in one transcript, for highlighting them on its page."""
    project = project_for(request.user, slug, READ)
    transcript = get_object_or_404(project.transcripts.only("id", "project_id"), pk=transcript_id)
    return {"hits": transcript_hit_ranges(project=project, params=query.params(), transcript=transcript)}


# --- code every hit ------------------------------------------------------------------------------

def _code_all_args(project, payload: CodeAllIn) -> dict:
    code = Code.objects.filter(pk=payload.code_id, project=project, deleted_at__isnull=True).first()
    if code is None:
        raise ValidationError({"code_id": f"There is no code {payload.code_id} in this project."})
    codes_check(project_id=project.pk, codes=[code], values={code.pk: payload.value} if payload.value else {})
    ids = list(dict.fromkeys(payload.case_ids))
    cases = list(Case.objects.filter(project=project, pk__in=ids))
    if len(cases) != len(ids):
        raise ValidationError({"case_ids": "Some of the cases are not in this project."})
    selected = hit_keys_valid(payload.hits) if payload.hits is not None else None
    return {"params": payload.search.params(), "code": code, "extend": payload.extend, "selected": selected,
            "cases": cases, "value": payload.value}


@router.post("{slug}/search/code-all/preview", response={200: PlanOut, **WRITE_ERRORS})
def code_all_preview(request, slug: str, payload: CodeAllIn):
    """What coding the hits would do: new segments, hits coded already (skipped), hits
    that share a segment, and new segments that overlap coded ones. Nothing is written."""
    project = project_for(request.user, slug, CODE)
    args = _code_all_args(project, payload)
    plan = code_all_plan(project=project, params=args["params"], code=args["code"], extend=args["extend"],
                         coder=request.user, selected=args["selected"])
    return plan.counts()


@router.post("{slug}/search/code-all", response={201: BatchOut, **WRITE_ERRORS})
def code_all_apply(request, slug: str, payload: CodeAllIn):
    """Code every hit (or the chosen ones) as the preview says: one history entry, one undo."""
    project = project_for(request.user, slug, CODE)
    batch, plan = code_all(project=project, coder=request.user, **_code_all_args(project, payload))
    ids = sorted(batch.segments.values_list("pk", flat=True))
    return Status(201, {**plan.counts(), "batch_id": batch.activity_id, "segment_ids": ids})


@router.post("{slug}/search/batches/{activity_id}/undo", response={200: UndoOut, **WRITE_ERRORS})
def code_all_undo_view(request, slug: str, activity_id: Id):
    """Move the segments of one code-all batch to the trash, as one entry of the history."""
    project = project_for(request.user, slug, CODE)
    activity = get_object_or_404(project.activities, pk=activity_id)
    return {"trashed": code_all_undo(project=project, activity=activity, actor=request.user)}


# --- saved searches --------------------------------------------------------------------------------

@router.get("{slug}/search/saved", response=list[SavedOut])
def saved_list(request, slug: str):
    project = project_for(request.user, slug, READ)
    return [_saved_out(s) for s in saved_searches(project=project)]


@router.post("{slug}/search/saved", response={201: SavedOut, **WRITE_ERRORS})
def saved_add(request, slug: str, payload: SavedIn):
    """Save a search; its hits now are remembered as its first run."""
    project = project_for(request.user, slug, CODE)
    saved = saved_search_create(project=project, name=payload.name, params=payload.search.params(),
                                actor=request.user)
    return Status(201, _saved_out(saved))


@router.get("{slug}/search/saved/{saved_search_id}/changes", response={200: RunOut, 404: ErrorOut, 422: ErrorOut})
def saved_changes(request, slug: str, saved_search_id: Id):
    """Run a saved search and say what changed since its last remembered run (nothing is written)."""
    project = project_for(request.user, slug, READ)
    saved = get_object_or_404(SavedSearch, project=project, pk=saved_search_id)
    hits = search_hits(project=project, params=SearchParams.from_dict(saved.params)).hits
    changes = saved_search_changes(saved=saved, hits=hits)
    return {"count": len(hits), "new": changes["new"], "gone": changes["gone"]}


@router.post("{slug}/search/saved/{saved_search_id}/run", response={200: RunOut, **WRITE_ERRORS})
def saved_run(request, slug: str, saved_search_id: Id):
    """Run a saved search again and remember its hits: what changed since the last remembered run."""
    project = project_for(request.user, slug, CODE)
    saved = get_object_or_404(SavedSearch.objects.select_related("project"), project=project, pk=saved_search_id)
    result = saved_search_remember(saved=saved, actor=request.user)
    return {"count": result["count"], "new": result["new"], "gone": result["gone"]}


@router.delete("{slug}/search/saved/{saved_search_id}", response={204: None, **WRITE_ERRORS})
def saved_delete(request, slug: str, saved_search_id: Id):
    project = project_for(request.user, slug, CODE)
    saved = get_object_or_404(SavedSearch.objects.select_related("project"), project=project, pk=saved_search_id)
    saved_search_delete(saved=saved, actor=request.user)
    return Status(204, None)
