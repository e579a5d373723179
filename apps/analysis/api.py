"""JSON API of the analysis and the review, mounted under /api/projects/.

GET  {slug}/analysis/frequencies                 codes with segments, experts, words (own and with sub-codes)
GET  {slug}/analysis/breakdown                   codes x transcripts | experts | cases | coders
GET  {slug}/analysis/matrix                      the code x case matrix (also x experts, x attribute values)
GET  {slug}/analysis/matrix/excerpts             the excerpts behind one matrix cell, with citations
GET  {slug}/analysis/cooccurrence                codes x codes
GET  {slug}/analysis/cooccurrence/excerpts       segments of one code overlapping the other
GET  {slug}/review/progress                      coding progress per transcript, review status
GET  {slug}/review/comments                      comments on a code, a case, a matrix cell, a segment
POST {slug}/review/comments                      comment, or answer one (parent_id)
POST {slug}/review/comments/{id}/resolve         resolve or reopen
POST {slug}/review/status                        approve a transcript's coding or the codebook, or ask for changes
"""
from __future__ import annotations

from datetime import datetime

from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from apps.coding import services as coding_services
from apps.coding.api import CodingOut
from apps.coding.models import Comment
from apps.projects import limits
from apps.projects.access import COMMENT, REVIEW, project_for
from apps.projects.inputs import Count, Id
from apps.projects.responses import WRITE_ERRORS, valid_data

from . import selectors, services
from .forms import (CommentForm, CommentTargetForm, CooccurrenceExcerptsForm, CooccurrenceForm, ExcerptsForm,
                    FrequenciesForm, MatrixForm, ReviewForm)

router = Router(tags=["analysis"])


def _params(**values) -> dict:
    return {k: ("1" if v is True else "0" if v is False else v) for k, v in values.items() if v is not None}


# --- schemas ------------------------------------------------------------------------------

class FrequencyOut(Schema):
    code_id: int
    path: str
    depth: int
    segments: int
    experts: int
    words: int
    total_segments: int
    total_experts: int
    total_words: int


class ColumnOut(Schema):
    key: str
    label: str


class CellOut(Schema):
    count: int
    segments: int
    experts: int
    words: int | None
    values: dict[str, list[str]]
    missing: int = Field(description="Codings of a scaled code without a value (0 with sub-codes rolled up).")
    segment_ids: list[int]


class MatrixRowOut(Schema):
    code_id: int
    path: str
    depth: int
    cells: list[CellOut]


class MatrixOut(Schema):
    measure: str
    columns_kind: str
    column_title: str
    rollup: bool
    all_coders: bool = Field(description="False: only the primary coding (the primary coder's and settled codings).")
    primary_coder: str = Field(description="Whose codings count when not every coder's.")
    columns: list[ColumnOut]
    rows: list[MatrixRowOut]


class ExcerptOut(Schema):
    segment_id: int
    transcript_id: int
    transcript: str
    source: str
    citation: str
    start: int
    end: int
    quote: str
    coder: str
    codings: list[CodingOut]
    url: str


class ExcerptsOut(Schema):
    title: str
    total: int
    offset: int
    limit: int
    next_offset: int | None
    excerpts: list[ExcerptOut]


class CodeRefOut(Schema):
    code_id: int
    path: str
    depth: int


class CooccurrenceOut(Schema):
    case_id: int | None
    codes: list[CodeRefOut]
    cells: list[list[int | None]]


class ReviewOut(Schema):
    status: str
    note: str
    reviewer: str
    created_at: datetime
    transcript_id: int | None


class ProgressOut(Schema):
    transcript_id: int
    title: str
    expert: str | None
    length: int
    coded: int
    share: float
    segments: int
    by_coder: dict[str, int]
    review: ReviewOut | None


class DashboardOut(Schema):
    transcripts: list[ProgressOut]
    codebook_review: ReviewOut | None
    open_comments: int


class ReplyOut(Schema):
    id: int
    text: str
    author: str
    created_at: datetime


class CommentOut(Schema):
    id: int
    text: str
    author: str
    created_at: datetime
    resolved: bool
    code_id: int | None
    case_id: int | None
    segment_id: int | None
    transcript_id: int | None
    parent_id: int | None
    replies: list[ReplyOut]


class CommentIn(Schema):
    text: str = Field(max_length=limits.COMMENT)
    code_id: Id | None = None
    case_id: Id | None = None
    segment_id: Id | None = None
    transcript_id: Id | None = None
    parent_id: Id | None = None


class ResolveIn(Schema):
    resolved: bool = True


class ReviewIn(Schema):
    status: str = Field(max_length=20)
    note: str = Field("", max_length=limits.DESCRIPTION)
    transcript_id: Id | None = None


# --- converters ------------------------------------------------------------------------------

def matrix_out(matrix: selectors.Matrix) -> dict:
    return {
        "measure": matrix.measure, "columns_kind": matrix.columns_kind, "column_title": matrix.column_title,
        "rollup": matrix.rollup, "all_coders": matrix.all_coders, "primary_coder": matrix.primary_coder,
        "columns": [{"key": c.key, "label": c.label} for c in matrix.columns],
        "rows": [{"code_id": row.code.pk, "path": row.path, "depth": row.depth,
                  "cells": [{"count": c.count, "segments": c.segments, "experts": c.experts, "words": c.words,
                             "values": c.values, "missing": c.missing, "segment_ids": c.segment_ids}
                            for c in cells]}
                 for row, cells in matrix.lines()],
    }


def excerpts_out(page: selectors.ExcerptPage, slug: str) -> dict:
    out = []
    for e in page.excerpts:
        s = e.segment
        out.append({
            "segment_id": s.pk, "transcript_id": s.transcript_id, "transcript": s.transcript.title,
            "source": e.source, "citation": e.citation, "start": s.start, "end": s.end, "quote": s.quote,
            "coder": s.coder.get_username(),
            "codings": [{"code_id": c.tag_id, "code": c.tag.name, "value": c.value} for c in s.codings.all()],
            "url": reverse("transcript_detail", args=[slug, s.transcript_id]) + f"#segment-{s.pk}",
        })
    return {"title": page.title, "total": page.total, "offset": page.offset, "limit": page.limit,
            "next_offset": page.next_offset, "excerpts": out}


def review_out(review) -> dict | None:
    if review is None:
        return None
    return {"status": review.status, "note": review.note, "reviewer": review.reviewer.get_username(),
            "created_at": review.created_at, "transcript_id": review.transcript_id}


def comment_out(comment: Comment) -> dict:
    return {
        "id": comment.pk, "text": comment.text, "author": comment.author.get_username(),
        "created_at": comment.created_at, "resolved": comment.resolved_at is not None,
        "code_id": comment.code_id, "case_id": comment.case_id, "segment_id": comment.segment_id,
        "transcript_id": comment.transcript_id, "parent_id": comment.parent_id,
        "replies": [{"id": r.pk, "text": r.text, "author": r.author.get_username(), "created_at": r.created_at}
                    for r in comment.replies.all()] if comment.parent_id is None else [],
    }


# --- analysis ---------------------------------------------------------------------------------

@router.get("{slug}/analysis/frequencies", response=list[FrequencyOut], url_name="api_analysis_frequencies")
def frequencies(request, slug: str, root: Id | None = None):
    """Every code with its segments, distinct experts and words coded; `total_*` include its sub-codes."""
    project = project_for(request.user, slug)
    p = valid_data(FrequenciesForm(_params(root=root), project=project))
    return [{"code_id": r.code.pk, "path": r.path, "depth": r.depth, "segments": r.segments, "experts": r.experts,
             "words": r.words, "total_segments": r.total_segments, "total_experts": r.total_experts,
             "total_words": r.total_words} for r in selectors.code_frequencies(project=project, root_code=p["root"])]


@router.get("{slug}/analysis/breakdown", response=MatrixOut, url_name="api_analysis_breakdown")
def breakdown(request, slug: str, by: str = "cases", measure: str = "segments", subcodes: bool = True,
              root: Id | None = None):
    """Frequencies by transcript, expert, case (the membership rule) or coder."""
    project = project_for(request.user, slug)
    p = valid_data(FrequenciesForm(_params(by=by, measure=measure, subcodes=subcodes, root=root), project=project))
    return matrix_out(selectors.code_breakdown(project=project, by=p["by"], measure=p["measure"],
                                               rollup=p["subcodes"], root_code=p["root"]))


@router.get("{slug}/analysis/matrix", response=MatrixOut, url_name="api_analysis_matrix")
def matrix(request, slug: str, measure: str = "experts", columns: str = "cases", root: Id | None = None,
           subcodes: bool = False, all_coders: bool = False):
    """Codes x cases (or experts, transcripts, coders, values of an attribute). Each cell: the
    count by `measure`, segments, experts, words (if measured), the coded values with the
    experts who gave them, and the segment ids. The primary coding only, unless `all_coders`."""
    project = project_for(request.user, slug)
    p = valid_data(MatrixForm(_params(measure=measure, columns=columns, root=root, subcodes=subcodes,
                                      all_coders=all_coders), project=project))
    return matrix_out(selectors.code_case_matrix(project=project, measure=p["measure"], columns=p["columns"],
                                                 root_code=p["root"], rollup=p["subcodes"],
                                                 all_coders=p["all_coders"]))


@router.get("{slug}/analysis/matrix/excerpts", response=ExcerptsOut, url_name="api_analysis_matrix_excerpts")
def matrix_excerpts(request, slug: str, code: Id, column: str, columns: str = "cases", subcodes: bool = False,
                    offset: Count = 0, measure: str = "experts", root: Id | None = None, all_coders: bool = False):
    """The segments behind one cell (`column` is the column's key), 50 at a time."""
    project = project_for(request.user, slug)
    p = valid_data(ExcerptsForm(_params(code=code, column=column, columns=columns, subcodes=subcodes, offset=offset,
                                    measure=measure, root=root, all_coders=all_coders), project=project))
    page = selectors.matrix_cell_excerpts(project=project, code=p["code"], column=p["column"], columns=p["columns"],
                                          rollup=p["subcodes"], offset=p["offset"] or 0, all_coders=p["all_coders"])
    return excerpts_out(page, slug)


@router.get("{slug}/analysis/cooccurrence", response=CooccurrenceOut, url_name="api_analysis_cooccurrence")
def cooccurrence(request, slug: str, case: Id | None = None):
    """cells[i][j]: segments coded codes[i] that overlap a segment coded codes[j] (null on the diagonal)."""
    project = project_for(request.user, slug)
    p = valid_data(CooccurrenceForm(_params(case=case), project=project))
    result = selectors.code_cooccurrence(project=project, case=p["case"])
    return {"case_id": p["case"].pk if p["case"] else None,
            "codes": [{"code_id": r.code.pk, "path": r.path, "depth": r.depth} for r in result.rows],
            "cells": [[None if c.diagonal else c.count for c in cells] for _row, cells in result.lines()]}


@router.get("{slug}/analysis/cooccurrence/excerpts", response=ExcerptsOut,
            url_name="api_analysis_cooccurrence_excerpts")
def cooccurrence_excerpts(request, slug: str, code: Id, other: Id, case: Id | None = None, offset: Count = 0):
    project = project_for(request.user, slug)
    p = valid_data(CooccurrenceExcerptsForm(_params(code=code, other=other, case=case, offset=offset), project=project))
    page = selectors.cooccurrence_excerpts(project=project, code=p["code"], other=p["other"], case=p["case"],
                                           offset=p["offset"] or 0)
    return excerpts_out(page, slug)


# --- review -----------------------------------------------------------------------------------

@router.get("{slug}/review/progress", response=DashboardOut, url_name="api_review_progress")
def progress(request, slug: str):
    """Per transcript: characters, characters inside coded segments, segments per coder, review."""
    project = project_for(request.user, slug)
    d = selectors.review_dashboard(project=project)
    return {
        "transcripts": [{"transcript_id": p.transcript.pk, "title": p.transcript.title,
                         "expert": p.transcript.expert.pseudonym if p.transcript.expert else None,
                         "length": p.length, "coded": p.coded, "share": round(p.share, 4), "segments": p.segments,
                         "by_coder": dict(zip(d["coders"], p.by_coder)), "review": review_out(p.review)}
                        for p in d["progress"]],
        "codebook_review": review_out(d["codebook_review"]),
        "open_comments": d["n_open_comments"],
    }


@router.get("{slug}/review/comments", response=list[CommentOut], url_name="api_review_comments")
def comment_list(request, slug: str, code: Id | None = None, case: Id | None = None, segment: Id | None = None,
             open_only: bool = False):
    """Comments (with their answers) on a code, a case, a matrix cell (code and case) or a segment."""
    project = project_for(request.user, slug)
    p = valid_data(CommentTargetForm(_params(code=code, case=case, segment=segment), project=project))
    found = selectors.comments_on(project=project, code=p["code"], case=p["case"], segment=p["segment"],
                                  open_only=open_only)
    return [comment_out(c) for c in found]


@router.post("{slug}/review/comments", response={201: CommentOut, **WRITE_ERRORS}, url_name="api_review_comment_add")
def comment_create(request, slug: str, payload: CommentIn):
    """Comment on a code, a case, a matrix cell (code and case), a transcript or a segment, or answer one."""
    project = project_for(request.user, slug, COMMENT)
    p = valid_data(CommentForm(_params(text=payload.text, code=payload.code_id, case=payload.case_id,
                                   segment=payload.segment_id, transcript=payload.transcript_id,
                                   parent=payload.parent_id), project=project))
    comment = coding_services.comment_create(project=project, author=request.user, text=p["text"], code=p["code"],
                                             case=p["case"], segment=p["segment"], transcript=p["transcript"],
                                             parent=p["parent"])
    return Status(201, comment_out(comment))


@router.post("{slug}/review/comments/{comment_id}/resolve", response={200: CommentOut, **WRITE_ERRORS},
             url_name="api_review_comment_resolve")
def comment_resolve(request, slug: str, comment_id: Id, payload: ResolveIn):
    """Researchers (or the comment's author) resolve a comment, or reopen it."""
    project = project_for(request.user, slug, COMMENT)
    comment = get_object_or_404(Comment, project=project, pk=comment_id)
    comment = services.comment_resolve_checked(comment=comment, actor=request.user, membership=project.membership,
                                               resolved=payload.resolved)
    return comment_out(comment)


@router.post("{slug}/review/status", response={201: ReviewOut, **WRITE_ERRORS}, url_name="api_review_status")
def review_set(request, slug: str, payload: ReviewIn):
    """A reviewer approves a transcript's coding (or, without transcript_id, the codebook) or asks for changes."""
    project = project_for(request.user, slug, REVIEW)
    p = valid_data(ReviewForm(_params(status=payload.status, note=payload.note, transcript=payload.transcript_id),
                          project=project))
    review = services.review_set(project=project, reviewer=request.user, status=p["status"], note=p["note"],
                                 transcript=p["transcript"])
    return Status(201, review_out(review))
