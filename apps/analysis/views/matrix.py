"""The code x case matrix (or x experts, transcripts, coders, values of an attribute) and
the excerpts behind one of its cells."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse

from apps.cases.models import Attribute
from apps.coding.selectors import code_tree
from apps.projects.access import COMMENT, can, project_for
from apps.projects.responses import error_page

from .. import charts, selectors
from ..forms import ExcerptsForm, MatrixForm, first_error
from .common import download_links, excerpts_page, query_with, query_without

COLUMN_LABELS = {"cases": "case", "experts": "expert", "transcripts": "transcript", "coders": "coder"}


def _column_choices(project) -> list[tuple[str, str]]:
    choices = list(selectors.COLUMN_KINDS.items())
    for attribute in Attribute.objects.filter(project=project):
        owner = "case" if attribute.applies_to == Attribute.AppliesTo.CASE else "expert"
        choices.append((str(attribute.pk), f"{owner} attribute: {attribute.name}"))
    return choices


def _cell_href(request, slug):
    base = reverse("analysis_matrix_excerpts", args=[slug])

    def href(row, column):
        return f"{base}?{query_with(request, code=row.code.pk, column=column.key)}"

    return href


@login_required
def matrix(request, slug):
    project = project_for(request.user, slug)
    form = MatrixForm(request.GET, project=project)
    if not form.is_valid():
        return error_page(request, 400, first_error(form), project=project)
    p = form.cleaned_data
    result = selectors.code_case_matrix(project=project, measure=p["measure"], columns=p["columns"],
                                        root_code=p["root"], rollup=p["subcodes"], segment_ids=False,
                                        all_coders=p["all_coders"])
    href = _cell_href(request, slug)
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
        "downloads": download_links(request, slug, "matrix"),
        "values_downloads": download_links(request, slug, "matrix-values"),
    })


@login_required
def matrix_excerpts(request, slug):
    """The excerpts behind a matrix cell as a page (the matrix shows them in a panel)."""
    project = project_for(request.user, slug)
    form = ExcerptsForm(request.GET, project=project)
    if not form.is_valid():
        return error_page(request, 400, first_error(form), project=project)
    p = form.cleaned_data
    try:
        page = selectors.matrix_cell_excerpts(project=project, code=p["code"], column=p["column"],
                                              columns=p["columns"], rollup=p["subcodes"], offset=p["offset"] or 0,
                                              all_coders=p["all_coders"])
    except ValidationError as error:
        return error_page(request, 400, "; ".join(error.messages), project=project)
    back = reverse("analysis_matrix", args=[slug]) + "?" + query_without(request, "code", "column", "offset")
    return excerpts_page(request, project, "matrix", page, back)
