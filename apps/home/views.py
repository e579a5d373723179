"""The project home, the history of one object, and the Help page."""
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from apps.projects.access import CODE, can, project_for
from apps.projects.history import TARGET_TYPES

from .help import guide, screenshot
from .selectors import project_home, target_history_page


@login_required
def project_detail(request, slug):
    project = project_for(request.user, slug)
    context = project_home(project=project)
    context["can_code"] = can(project.membership, CODE)
    return render(request, "home/project_home.html", context)


@login_required
@require_GET
def target_history_view(request, slug, target_type, target_id):
    """The history of one segment, code, case ...: every recorded change, before and after."""
    project = project_for(request.user, slug)
    if target_type not in TARGET_TYPES:
        raise Http404("No history for that kind of object.")
    page = target_history_page(project=project, target_type=target_type, target_id=target_id)
    if page is None:
        raise Http404("Nothing was recorded for that object in this project.")
    return render(request, "home/target_history.html", {
        "project": project, **page, "can_code": can(project.membership, CODE), "nav": "history",
    })


@login_required
@require_GET
def help_page(request):
    rendered = guide()
    return render(request, "home/help.html", {"guide": rendered, "guide_html": mark_safe(rendered.html)})


@login_required
@require_GET
def help_screenshot(request, name: str):
    response = FileResponse(screenshot(name).open("rb"), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response
