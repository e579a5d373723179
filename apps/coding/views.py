from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from apps.projects.access import project_for

from .selectors import transcript_page


@login_required
def transcript_detail(request, slug, pk):
    project = project_for(request.user, slug)
    transcript = get_object_or_404(project.transcripts.select_related("expert"), pk=pk)
    return render(request, "coding/transcript.html", transcript_page(transcript=transcript, project=project))
