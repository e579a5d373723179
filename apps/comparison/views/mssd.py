"""The MSSD table (factors x cases with the outcome row and each factor's classification)
and its downloads."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from apps.projects.access import project_for
from apps.projects.downloads import attachment

from .. import exports, selectors
from .common import all_coders_asked, judge_chosen, page_context


@login_required
def mssd(request, slug):
    project = project_for(request.user, slug)
    known = selectors.judges(project=project)
    judge = judge_chosen(request, project, known)
    table = selectors.mssd_table(project=project, judge=judge, known_judges=known,
                                 all_coders=all_coders_asked(request))
    return render(request, "comparison/mssd.html",
                  page_context(request, project, "mssd", table=table, grid=table.grid, formats=exports.FORMATS))


@login_required
def mssd_export(request, slug, fmt):
    project = project_for(request.user, slug)
    if fmt not in exports.FORMATS:
        raise Http404("Unknown format.")
    judge = judge_chosen(request, project, None)
    table = selectors.mssd_table(project=project, judge=judge, excerpts=False, all_coders=all_coders_asked(request))
    body, content_type = exports.export(table, fmt)
    return attachment(body, f"{project.slug}-mssd.{fmt}", content_type)
