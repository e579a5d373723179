"""JSON API of the exports app, mounted under /api/projects/: how many excerpts an
appendix choice gives, so the Exports page can say it before the download."""
from ninja import Router, Schema

from apps.projects.access import project_for
from apps.projects.responses import valid_data

from .forms import AppendixForm
from .selectors import appendix_data

router = Router(tags=["exports"])


class AppendixPreview(Schema):
    excerpts: int
    segments: int
    codes: int
    experts: int


@router.get("/{slug}/exports/appendix/preview", response=AppendixPreview)
def appendix_preview(request, slug: str):
    """Counts of the appendix the query parameters choose (the Exports page's form fields)."""
    project = project_for(request.user, slug)
    form = AppendixForm(request.GET, project=project)
    valid_data(form)
    appendix = appendix_data(project=project, selection=form.selection())
    return {"excerpts": len(appendix.excerpts), "segments": appendix.segment_count, "codes": len(appendix.codes),
            "experts": len(appendix.experts)}
