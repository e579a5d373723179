"""Co-occurrence: codes x codes (in one case, if chosen), and the segments of one code
that overlap the other."""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse

from apps.projects.access import COMMENT, can, project_for
from apps.projects.responses import error_page

from .. import charts, selectors
from ..forms import CooccurrenceExcerptsForm, CooccurrenceForm, first_error
from .common import download_links, excerpts_page


@login_required
def cooccurrence(request, slug):
    project = project_for(request.user, slug)
    form = CooccurrenceForm(request.GET, project=project)
    if not form.is_valid():
        return error_page(request, 400, first_error(form), project=project)
    case = form.cleaned_data["case"]
    result = selectors.code_cooccurrence(project=project, case=case)
    base = reverse("analysis_cooccurrence_excerpts", args=[slug])
    in_case = {"case": case.pk} if case else {}

    def href(row, column):
        return f"{base}?{urlencode({'code': row.code.pk, 'other': column.code.pk, **in_case})}"

    return render(request, "analysis/cooccurrence.html", {
        "project": project, "nav": "cooccurrence", "result": result, "case": case,
        "cases": list(project.cases.all()),
        "lines": [(row, [(column, cell, href(row, column)) for column, cell in zip(result.rows, cells)])
                  for row, cells in result.lines()],
        "heatmap": charts.cooccurrence_heatmap(result, href=href),
        "can_comment": can(project.membership, COMMENT),
        "downloads": download_links(request, slug, "cooccurrence"),
    })


@login_required
def cooccurrence_excerpts(request, slug):
    project = project_for(request.user, slug)
    form = CooccurrenceExcerptsForm(request.GET, project=project)
    if not form.is_valid():
        return error_page(request, 400, first_error(form), project=project)
    p = form.cleaned_data
    page = selectors.cooccurrence_excerpts(project=project, code=p["code"], other=p["other"], case=p["case"],
                                           offset=p["offset"] or 0)
    back = reverse("analysis_cooccurrence", args=[slug]) + (f"?case={p['case'].pk}" if p["case"] else "")
    return excerpts_page(request, project, "cooccurrence", page, back)
