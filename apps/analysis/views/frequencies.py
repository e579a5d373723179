"""The frequencies page: segments, experts and words per code, and their breakdown by
transcript, expert, case or coder."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from apps.coding.selectors import code_tree
from apps.projects.access import project_for
from apps.projects.responses import error_page

from .. import charts, selectors
from ..forms import FrequenciesForm, first_error
from .common import download_links


@login_required
def frequencies(request, slug):
    project = project_for(request.user, slug)
    form = FrequenciesForm(request.GET, project=project)
    if not form.is_valid():
        return error_page(request, 400, first_error(form), project=project)
    p = form.cleaned_data
    rows = selectors.code_frequencies(project=project, root_code=p["root"])
    breakdown = selectors.code_breakdown(project=project, by=p["by"], measure=p["measure"], rollup=p["subcodes"],
                                         root_code=p["root"])
    return render(request, "analysis/frequencies.html", {
        "project": project, "nav": "frequencies", "rows": rows, "params": p, "breakdown": breakdown,
        "chart": charts.frequencies_chart(rows, measure=p["measure"], rollup=p["subcodes"]),
        "measures": selectors.MEASURES, "breakdowns": selectors.BREAKDOWNS,
        "branches": code_tree(project=project, counts=False),
        "by_label": selectors.BREAKDOWNS[p["by"]], "measure_label": selectors.MEASURES[p["measure"]],
        "downloads": download_links(request, slug, "frequencies"),
        "breakdown_downloads": download_links(request, slug, "breakdown"),
    })
