"""Pages of the analysis (frequencies, code x case matrix, co-occurrence, downloads) and of
the review (the supervisor's dashboard, verdicts, comments). Thin: access, form, selector
or service, render."""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from apps.cases.models import Attribute
from apps.coding.models import Comment
from apps.coding.selectors import code_tree
from apps.coding.services import comment_create
from apps.projects.access import CODE, COMMENT, REVIEW, can, project_for
from apps.projects.responses import error_page

from . import charts, selectors, tables
from .forms import (CommentForm, CooccurrenceExcerptsForm, CooccurrenceForm, ExcerptsForm, FrequenciesForm,
                    MatrixForm, ReviewForm, first_error)
from .models import Review
from .services import comment_resolve_checked, review_set

COLUMN_LABELS = {"cases": "case", "experts": "expert", "transcripts": "transcript", "coders": "coder"}
TABLES = ("frequencies", "breakdown", "matrix", "matrix-values", "cooccurrence", "progress")


def _bad_request(request, project, message: str):
    return error_page(request, 400, message, project=project)


def _query(request, **changes) -> str:
    """The current query string with some parameters changed."""
    params = request.GET.copy()
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


def _downloads(request, slug: str, table: str) -> list[tuple[str, str]]:
    query = request.GET.urlencode()
    return [(fmt.upper(), reverse("analysis_download", args=[slug, table, fmt]) + (f"?{query}" if query else ""))
            for fmt in tables.FORMATS]


def _column_choices(project) -> list[tuple[str, str]]:
    choices = list(selectors.COLUMN_KINDS.items())
    for attribute in Attribute.objects.filter(project=project):
        owner = "case" if attribute.applies_to == Attribute.AppliesTo.CASE else "expert"
        choices.append((str(attribute.pk), f"{owner} attribute: {attribute.name}"))
    return choices


@login_required
def frequencies(request, slug):
    project = project_for(request.user, slug)
    form = FrequenciesForm(request.GET, project=project)
    if not form.is_valid():
        return _bad_request(request, project, first_error(form))
    p = form.cleaned_data
    rows = selectors.code_frequencies(project=project, root_code=p["root"])
    breakdown = selectors.code_breakdown(project=project, by=p["by"], measure=p["measure"], rollup=p["subcodes"],
                                         root_code=p["root"])
    return render(request, "analysis/frequencies.html", {
        "project": project, "nav": "frequencies", "rows": rows, "params": p, "breakdown": breakdown,
        "chart": charts.frequencies_chart(rows, measure=p["measure"], rollup=p["subcodes"]),
        "measures": selectors.MEASURES, "breakdowns": selectors.BREAKDOWNS, "branches": code_tree(project=project, counts=False),
        "by_label": selectors.BREAKDOWNS[p["by"]], "measure_label": selectors.MEASURES[p["measure"]],
        "downloads": _downloads(request, slug, "frequencies"),
        "breakdown_downloads": _downloads(request, slug, "breakdown"),
    })


def _matrix_href(request, slug):
    base = reverse("analysis_matrix_excerpts", args=[slug])

    def href(row, column):
        return f"{base}?{_query(request, code=row.code.pk, column=column.key)}"

    return href


@login_required
def matrix(request, slug):
    project = project_for(request.user, slug)
    form = MatrixForm(request.GET, project=project)
    if not form.is_valid():
        return _bad_request(request, project, first_error(form))
    p = form.cleaned_data
    result = selectors.code_case_matrix(project=project, measure=p["measure"], columns=p["columns"],
                                        root_code=p["root"], rollup=p["subcodes"], segment_ids=False)
    href = _matrix_href(request, slug)
    return render(request, "analysis/matrix.html", {
        "project": project, "nav": "matrix", "matrix": result, "params": p,
        "measure_label": selectors.MEASURES[p["measure"]],
        "column_label": COLUMN_LABELS.get(result.columns_kind) or f"value of {result.column_title}",
        "lines": [(row, [(column, cell, href(row, column)) for column, cell in zip(result.columns, cells)])
                  for row, cells in result.lines()],
        "heatmap": charts.matrix_heatmap(result, href=href),
        "measures": selectors.MEASURES, "column_choices": _column_choices(project),
        "branches": code_tree(project=project, counts=False),
        "can_comment": can(project.membership, COMMENT),
        "can_comment_cells": can(project.membership, COMMENT) and p["columns"] == "cases",  # a cell: code + case
        "downloads": _downloads(request, slug, "matrix"),
        "values_downloads": _downloads(request, slug, "matrix-values"),
    })


@login_required
def matrix_excerpts(request, slug):
    """The excerpts behind a matrix cell as a page (the matrix shows them in a panel)."""
    project = project_for(request.user, slug)
    form = ExcerptsForm(request.GET, project=project)
    if not form.is_valid():
        return _bad_request(request, project, first_error(form))
    p = form.cleaned_data
    try:
        page = selectors.matrix_cell_excerpts(project=project, code=p["code"], column=p["column"],
                                              columns=p["columns"], rollup=p["subcodes"], offset=p["offset"] or 0)
    except ValidationError as error:
        return _bad_request(request, project, "; ".join(error.messages))
    back = reverse("analysis_matrix", args=[slug]) + "?" + _strip(request, "code", "column", "offset")
    return _excerpts_page(request, project, "matrix", page, back)


def _excerpts_page(request, project, nav: str, page, back: str):
    """A page of excerpts behind a table cell, with a link back to the table and to the next page."""
    return render(request, "analysis/excerpts.html", {
        "project": project, "nav": nav, "page": page, "back": back,
        "next": f"?{_query(request, offset=page.next_offset)}" if page.next_offset is not None else "",
    })


def _strip(request, *names) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


@login_required
def cooccurrence(request, slug):
    project = project_for(request.user, slug)
    form = CooccurrenceForm(request.GET, project=project)
    if not form.is_valid():
        return _bad_request(request, project, first_error(form))
    case = form.cleaned_data["case"]
    result = selectors.code_cooccurrence(project=project, case=case)
    base = reverse("analysis_cooccurrence_excerpts", args=[slug])

    def href(row, column):
        return f"{base}?{urlencode({'code': row.code.pk, 'other': column.code.pk, **({'case': case.pk} if case else {})})}"

    return render(request, "analysis/cooccurrence.html", {
        "project": project, "nav": "cooccurrence", "result": result, "case": case,
        "cases": list(project.cases.all()),
        "lines": [(row, [(column, cell, href(row, column)) for column, cell in zip(result.rows, cells)])
                  for row, cells in result.lines()],
        "heatmap": charts.cooccurrence_heatmap(result, href=href),
        "can_comment": can(project.membership, COMMENT),
        "downloads": _downloads(request, slug, "cooccurrence"),
    })


@login_required
def cooccurrence_excerpts(request, slug):
    project = project_for(request.user, slug)
    form = CooccurrenceExcerptsForm(request.GET, project=project)
    if not form.is_valid():
        return _bad_request(request, project, first_error(form))
    p = form.cleaned_data
    page = selectors.cooccurrence_excerpts(project=project, code=p["code"], other=p["other"], case=p["case"],
                                           offset=p["offset"] or 0)
    back = reverse("analysis_cooccurrence", args=[slug]) + (f"?case={p['case'].pk}" if p["case"] else "")
    return _excerpts_page(request, project, "cooccurrence", page, back)


@login_required
def download(request, slug, table, fmt):
    """Any analysis table as CSV or XLSX, with the same parameters as its page."""
    project = project_for(request.user, slug)
    if table not in TABLES or fmt not in tables.FORMATS:
        raise Http404("No such table or format.")
    if table in ("matrix", "matrix-values"):
        form = MatrixForm(request.GET, project=project)
    elif table == "cooccurrence":
        form = CooccurrenceForm(request.GET, project=project)
    elif table == "progress":
        form = None
    else:
        form = FrequenciesForm(request.GET, project=project)
    if form is not None and not form.is_valid():
        return _bad_request(request, project, first_error(form))
    p = form.cleaned_data if form is not None else {}
    if table == "frequencies":
        result = tables.frequencies_table(selectors.code_frequencies(project=project, root_code=p["root"]))
    elif table == "breakdown":
        result = tables.matrix_table(selectors.code_breakdown(project=project, by=p["by"], measure=p["measure"],
                                                              rollup=p["subcodes"], root_code=p["root"]))
    elif table in ("matrix", "matrix-values"):
        m = selectors.code_case_matrix(project=project, measure=p["measure"], columns=p["columns"],
                                       root_code=p["root"], rollup=p["subcodes"], segment_ids=False)
        result = tables.matrix_table(m) if table == "matrix" else tables.matrix_values_table(m)
    elif table == "cooccurrence":
        result = tables.cooccurrence_table(selectors.code_cooccurrence(project=project, case=p["case"]))
    else:
        result = tables.progress_table(selectors.review_dashboard(project=project))
    return tables.download(result, fmt, name=f"{project.slug}-{table}")


# --- review ------------------------------------------------------------------------------------

@login_required
def review(request, slug):
    project = project_for(request.user, slug)
    context = selectors.review_dashboard(project=project)
    context.update({
        "nav": "review",
        "can_review": can(project.membership, REVIEW),
        "can_comment": can(project.membership, COMMENT),
        "can_code": can(project.membership, CODE),
        "statuses": Review.Status.choices,
        "codes": code_tree(project=project, counts=False),
        "downloads": _downloads(request, slug, "progress"),
    })
    return render(request, "analysis/review.html", context)


def _back(request, slug):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return HttpResponseRedirect(target)
    return redirect("review_dashboard", slug=slug)


@login_required
@require_POST
def review_status(request, slug):
    project = project_for(request.user, slug, REVIEW)
    form = ReviewForm(request.POST, project=project)
    if not form.is_valid():
        return _bad_request(request, project, first_error(form))
    p = form.cleaned_data
    try:
        review_set(project=project, reviewer=request.user, status=p["status"], note=p["note"],
                   transcript=p["transcript"])
    except ValidationError as error:
        return _bad_request(request, project, "; ".join(error.messages))
    subject = p["transcript"].title if p["transcript"] else "The codebook"
    messages.success(request, f"{subject}: {dict(Review.Status.choices)[p['status']].lower()}.")
    return _back(request, slug)


@login_required
@require_POST
def comment_add(request, slug):
    project = project_for(request.user, slug, COMMENT)
    form = CommentForm(request.POST, project=project)
    if not form.is_valid():
        return _bad_request(request, project, first_error(form))
    p = form.cleaned_data
    try:
        comment_create(project=project, author=request.user, text=p["text"], code=p["code"], case=p["case"],
                       transcript=p["transcript"], segment=p["segment"], parent=p["parent"])
    except ValidationError as error:
        return _bad_request(request, project, "; ".join(error.messages))
    messages.success(request, "Your answer is posted." if p["parent"] else "Your comment is posted.")
    return _back(request, slug)


@login_required
@require_POST
def comment_resolve(request, slug, pk):
    project = project_for(request.user, slug, COMMENT)
    comment = get_object_or_404(Comment, project=project, pk=pk)
    resolved = request.POST.get("resolved", "1") != "0"
    try:
        comment_resolve_checked(comment=comment, actor=request.user, membership=project.membership,
                                resolved=resolved)
    except ValidationError as error:
        return _bad_request(request, project, "; ".join(error.messages))
    messages.success(request, "Comment resolved." if resolved else "Comment reopened.")
    return _back(request, slug)
