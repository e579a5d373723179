"""The coding pages: a transcript to read and code, retrieval of segments, the trash."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST

from apps.projects.access import CODE, can, project_for

from .forms import SegmentFilterForm
from .models import Segment
from .selectors import segment_hits, segment_search, segments_in_trash, transcript_workspace
from .services import segment_restore

PER_PAGE = 25


@login_required
@ensure_csrf_cookie
def transcript_detail(request, slug, pk):
    project = project_for(request.user, slug)
    transcript = get_object_or_404(project.transcripts.select_related("expert"), pk=pk)
    context = transcript_workspace(transcript=transcript, project=project, can_code=can(project.membership, CODE))
    context["workspace_data"]["api"] = f"{reverse('api:api-root')}projects/{project.slug}"
    return render(request, "coding/transcript.html", context)


@login_required
def segment_list(request, slug):
    project = project_for(request.user, slug)
    form = SegmentFilterForm(request.GET, project=project)
    rows = segment_search(project=project, **form.filters()) if form.is_valid() else Segment.objects.none()
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    hits = segment_hits(project=project, segments=list(page.object_list), cases=form.cases)
    return render(request, "coding/segment_list.html", {
        "project": project, "form": form, "page": page, "hits": hits, "summary": form.summary(), "nav": "segments",
    })


@login_required
def segment_trash(request, slug):
    project = project_for(request.user, slug)
    page = Paginator(segments_in_trash(project=project), PER_PAGE).get_page(request.GET.get("page"))
    hits = segment_hits(project=project, segments=list(page.object_list))
    return render(request, "coding/trash.html", {
        "project": project, "page": page, "hits": hits, "can_code": can(project.membership, CODE), "nav": "segments",
    })


@login_required
@require_POST
def segment_restore_view(request, slug, pk):
    project = project_for(request.user, slug, CODE)
    segment = get_object_or_404(Segment.all_objects, project=project, pk=pk)
    try:
        segment_restore(segment=segment, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Segment restored: “{segment.quote[:60]}”.")
    return redirect("segment_trash", slug=project.slug)
