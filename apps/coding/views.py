"""The coding pages: a transcript to read and code, retrieval of segments, the trash, and
the text editor (an edit re-anchors the segments)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST

from apps.media.selectors import player_data, recording_of, recording_url, transcription_awaited
from apps.projects.access import CODE, READ, can, project_for
from apps.transcripts.forms import TextEditForm
from apps.transcripts.services import StaleTranscript

from .forms import SegmentFilterForm
from .models import Segment
from .selectors import (
    flagged_segments,
    segment_hits,
    segment_page,
    segment_search,
    segments_in_trash,
    text_edit_summary,
    transcript_of_page,
    transcript_workspace,
    valueless_count,
)
from .services import segment_restore, transcript_update_text

PER_PAGE = 25  # the trash
RETRIEVAL_PAGE = 100  # segments per page of retrieval, read by keyset (selectors.segment_page)


@login_required
@ensure_csrf_cookie
def transcript_detail(request, slug, pk):
    project = project_for(request.user, slug)
    transcript = transcript_of_page(project=project, pk=pk)
    if transcript is None:
        raise Http404("No such transcript in this project.")
    context = transcript_workspace(transcript=transcript, project=project, can_code=can(project.membership, CODE))
    context["workspace_data"]["api"] = f"{reverse('api:api-root')}projects/{project.slug}"
    # Whose page this is: the panes' sizes are remembered per user, and "mine" is labelled.
    context["workspace_data"]["user"] = {"id": request.user.pk, "username": request.user.get_username()}
    # The recording beside the text (apps.media), read with the transcript.
    recording = recording_of(transcript=transcript)
    context["recording"] = recording
    context["recording_url"] = recording_url(recording=recording, slug=project.slug) if recording else ""
    context["transcription"] = transcription_awaited(recording=recording)  # the text is to be replaced
    # The player's timings are in the turns' meta, read only where there is a recording.
    context["workspace_data"]["recording"] = player_data(
        recording=recording, turns=list(transcript.turns.order_by("number")) if recording else [],
        url=context["recording_url"])
    return render(request, "coding/transcript.html", context)


@login_required
def segment_list(request, slug):
    project = project_for(request.user, slug)
    form = SegmentFilterForm(request.GET, project=project)
    filters = form.filters()
    rows = segment_search(project=project, **filters) if form.is_valid() else Segment.objects.none()
    page = segment_page(rows, project=project, size=RETRIEVAL_PAGE, after=request.GET.get("after", ""),
                        before=request.GET.get("before", ""))
    hits = segment_hits(project=project, segments=page.segments, cases=form.cases)
    # A first page that holds every segment has counted them: no COUNT query.
    count = len(page.segments) if page.previous is None and page.next is None else rows.count()
    query = request.GET.copy()
    for name in ("after", "before"):
        query.pop(name, None)
    query["no_value"] = "on"
    return render(request, "coding/segment_list.html", {
        "project": project, "form": form, "page": page, "page_size": RETRIEVAL_PAGE, "count": count, "hits": hits,
        "summary": form.summary(), "nav": "segments",
        "valueless": valueless_count(segments=rows, code_ids=filters.get("code_ids", ())) if form.is_valid() else 0,
        "no_value_query": query.urlencode(),
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


# --- the text editor ---------------------------------------------------------------------

@login_required
@ensure_csrf_cookie
def transcript_edit(request, slug, pk):
    """Correct the text; coded segments are re-anchored on save (see transcript_update_text)."""
    project = project_for(request.user, slug, CODE)
    transcript = get_object_or_404(project.transcripts.select_related("expert", "recording"), pk=pk)
    form = TextEditForm(request.POST or None, initial={"text": transcript.text, "version": transcript.version})
    status, current = 200, None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                edit = transcript_update_text(transcript=transcript, text=form.cleaned_data["text"],
                                              version=form.cleaned_data["version"], actor=request.user)
            except StaleTranscript as error:
                form.add_error(None, error.messages[0])
                current, status = error.current, 409
            except ValidationError as error:
                for message in error.messages:
                    form.add_error("text", message)
            else:
                if edit.activity is None:
                    messages.info(request, "Nothing changed: the text is the same as before.")
                    return redirect("transcript_edit", slug=project.slug, pk=transcript.pk)
                return redirect("transcript_edit_summary", slug=project.slug, pk=transcript.pk,
                                activity_id=edit.activity.pk)
    return render(request, "transcripts/edit.html", {
        "project": project, "transcript": transcript, "form": form, "current": current,
        "flagged": flagged_segments(transcript=transcript), "can_code": True, "nav": "import",
    }, status=status)


@login_required
def transcript_edit_summary(request, slug, pk, activity_id):
    """What an edit did to the coded segments: how many moved, which are flagged, with links."""
    project = project_for(request.user, slug, READ)
    transcript = get_object_or_404(project.transcripts.defer("text", "pseudonym_map"), pk=pk)
    activity = get_object_or_404(project.activities.select_related("actor"), pk=activity_id, verb="edited text",
                                 target_type="transcript", target_id=transcript.pk)
    return render(request, "transcripts/edit_summary.html", {
        "project": project, "transcript": transcript, "activity": activity, "can_code": can(project.membership, CODE),
        "nav": "import", **text_edit_summary(transcript=transcript, activity=activity),
    })
