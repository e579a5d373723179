"""The agreement of two judges: per factor and overall, and the cells to settle."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from apps.projects.access import project_for

from .. import selectors
from .common import page_context


@login_required
def judgment_agreement(request, slug):
    project = project_for(request.user, slug)
    known = selectors.judges(project=project)
    User = get_user_model()
    names = [j["username"] for j in known]
    a_name = request.GET.get("a") or (names[0] if names else None)
    b_name = request.GET.get("b") or next((n for n in names if n != a_name), None)
    agreement = None
    if a_name and b_name and a_name != b_name:
        found = {u.username: u for u in User.objects.filter(username__in=[a_name, b_name],
                                                             memberships__project=project)}
        if len(found) == 2:
            agreement = selectors.judgment_agreement(project=project, judge_a=found[a_name], judge_b=found[b_name])
    return render(request, "comparison/agreement.html",
                  page_context(request, project, "agreement", judges=known, a_name=a_name, b_name=b_name,
                               agreement=agreement, grid=None))
