"""The transcript pages: speakers (the text editor is the coding app's, since an edit
re-anchors the segments; the Import page is apps.media's, since a transcript comes with its
recording there)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render

from apps.projects.access import CODE, READ, can, project_for

from .forms import SpeakersForm
from .selectors import transcript_speakers
from .services import transcript_speakers_update


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

