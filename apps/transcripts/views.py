"""The transcript pages: import (several files at once) and speakers (the text editor is
the coding app's, since an edit re-anchors the segments)."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import ensure_csrf_cookie

from apps.projects.access import CODE, READ, can, project_for

from .forms import ImportForm, SpeakersForm
from .importers import EXTENSIONS, human_size
from .selectors import import_page, transcript_speakers
from .services import ImportStatus, transcript_import_files, transcript_import_plan, transcript_speakers_update


def _is_fragment(request) -> bool:
    """The import page's script posts with fetch and wants the result list only."""
    return request.headers.get("X-Requested-With") == "fetch"


def _results(results, *, preview: bool) -> dict:
    by_status = {status: [r for r in results if r.status == status] for status in
                 (ImportStatus.STORED, ImportStatus.READY, ImportStatus.REJECTED, ImportStatus.DUPLICATE)}
    return {"results": results, "preview": preview, "stored": by_status[ImportStatus.STORED],
            "ready": by_status[ImportStatus.READY], "rejected": by_status[ImportStatus.REJECTED],
            "duplicates": by_status[ImportStatus.DUPLICATE]}


@login_required
@ensure_csrf_cookie
def transcript_import(request, slug):
    """Upload several files; Preview shows what would happen, Import stores what can be stored."""
    project = project_for(request.user, slug, CODE)
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"project": project, "form": form, "nav": "import", "extensions": EXTENSIONS,
               "max_bytes": settings.CASECODER_MAX_UPLOAD_BYTES,
               "max_size": human_size(settings.CASECODER_MAX_UPLOAD_BYTES), **import_page(project=project)}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            files, mapping = form.import_files(), form.cleaned_data["pseudonyms"]
            if form.is_preview:
                results = transcript_import_plan(project=project, files=files, mapping=mapping)
            else:
                results = transcript_import_files(project=project, files=files, mapping=mapping, actor=request.user)
            context.update(_results(results, preview=form.is_preview))
        else:
            status = 400
    template = "transcripts/_import_results.html" if _is_fragment(request) else "transcripts/import.html"
    return render(request, template, context, status=status)


@login_required
def transcript_speakers_view(request, slug, pk):
    """The detected speakers with their turns: rename them, mark the expert."""
    project = project_for(request.user, slug, CODE if request.method == "POST" else READ)
    transcript = get_object_or_404(project.transcripts.select_related("expert").defer("text", "pseudonym_map"), pk=pk)
    rows = transcript_speakers(transcript=transcript)
    form = SpeakersForm(request.POST or None, speakers=rows, expert_speaker=transcript.expert_speaker,
                        initial={"expert": transcript.expert.pseudonym if transcript.expert else ""})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                transcript_speakers_update(transcript=transcript, actor=request.user, **form.changes())
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, f"Speakers of '{transcript.title}' saved.")
                return redirect("transcript_speakers", slug=project.slug, pk=transcript.pk)
        status = 400
    return render(request, "transcripts/speakers.html", {
        "project": project, "transcript": transcript, "form": form, "speakers": rows,
        "can_code": can(project.membership, CODE), "nav": "import",
    }, status=status)

