"""The Search page: a query with filters, its hits in context, saved searches, and the
form that codes every hit (its script works through the JSON API, apps/search/api.py)."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from apps.projects.access import CODE, can, project_for

from .forms import SearchForm, form_data
from .models import CodingBatch, SavedSearch
from .selectors import (EXTEND_LABELS, SearchParams, hit_rows, saved_search_changes, saved_searches, search_hits,
                        texts_being_indexed)

PER_PAGE = 50


@login_required
@require_GET
@ensure_csrf_cookie
def search_page(request, slug):
    project = project_for(request.user, slug)
    saved = None
    data = request.GET
    if request.GET.get("saved", "").isdigit():
        saved = get_object_or_404(SavedSearch, project=project, pk=int(request.GET["saved"]))
        if "q" not in request.GET:
            data = QueryDict(mutable=True)
            for key, value in form_data(SearchParams.from_dict(saved.params)).items():
                data.setlist(key, [str(v) for v in value] if isinstance(value, list) else [str(value)])
    form = SearchForm(data, project=project)
    params = form.params()
    status, found, rows, changes = 200, None, [], None
    page = None
    if params.q:
        try:
            found = search_hits(project=project, params=params)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
            status = 400
        else:
            page = Paginator(found.hits, PER_PAGE).get_page(request.GET.get("page"))
            rows = hit_rows(project=project, params=params, hits=list(page.object_list))
            if saved is not None and saved.params == params.as_dict():
                changes = saved_search_changes(saved=saved, hits=found.hits)
                new = set(changes["new"])
                for row in rows:
                    row.is_new = row.key in new
    can_code = can(project.membership, CODE)
    batch = None
    if request.GET.get("batch", "").isdigit():  # the coding just done, with its undo
        batch = CodingBatch.objects.filter(project=project, activity_id=int(request.GET["batch"])).select_related(
            "activity").first()
    return render(request, "search/search.html", {
        "project": project, "form": form, "params": params, "found": found, "page": page, "rows": rows,
        "saved": saved, "changes": changes, "batch": batch, "saved_searches": saved_searches(project=project),
        "can_code": can_code, "extend_labels": EXTEND_LABELS, "nav": "search",
        "being_indexed": texts_being_indexed(project=project) if params.q else [],
        "search_data": {
            "api": f"{reverse('api:api-root')}projects/{project.slug}",
            "params": params.as_dict(), "querystring": params.querystring(), "can_code": can_code,
            "saved": saved.pk if saved else None,
            "codes": [{"id": n.code.pk, "levels": n.code.scale_values} for n in form.code_nodes],
            "hits": found is not None and len(found.hits),
        },
    }, status=status)
