"""The crisp-set QCA page (truth tables and minimal solutions) and the table for R."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from apps.projects.access import project_for
from apps.projects.downloads import attachment

from .. import exports, selectors
from .common import judge_chosen, page_context


@login_required
def qca_page(request, slug):
    project = project_for(request.user, slug)
    known = selectors.judges(project=project)
    judge = judge_chosen(request, project, known)
    page = selectors.qca_analysis(project=project, judge=judge, known_judges=known)
    return render(request, "comparison/qca.html",
                  page_context(request, project, "qca", page=page, grid=page.grid))


@login_required
def qca_csv(request, slug):
    project = project_for(request.user, slug)
    judge = judge_chosen(request, project, None)
    grid = selectors.judgment_grid(project=project, judge=judge, excerpts_for=())
    return attachment(exports.r_qca_csv(selectors.crisp_table(grid)), f"{project.slug}-qca.csv", "text/csv")
