"""Every analysis table as a file (CSV or XLSX), with the same parameters as its page."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404

from apps.projects.access import project_for
from apps.projects.responses import error_page

from .. import selectors, tables
from ..forms import CooccurrenceForm, FrequenciesForm, MatrixForm, first_error

TABLES = ("frequencies", "breakdown", "matrix", "matrix-values", "cooccurrence", "progress")


@login_required
def download(request, slug, table, fmt):
    """Any analysis table as CSV or XLSX, with the same parameters as its page."""
    project = project_for(request.user, slug)
    if table not in TABLES or fmt not in tables.FORMATS:
        raise Http404("No such table or format.")
    if table in ("matrix", "matrix-values"):
        form = MatrixForm(request.GET, project=project)
    elif table == "cooccurrence":
        form = CooccurrenceForm(request.GET, project=project)
    elif table == "progress":
        form = None
    else:
        form = FrequenciesForm(request.GET, project=project)
    if form is not None and not form.is_valid():
        return error_page(request, 400, first_error(form), project=project)
    p = form.cleaned_data if form is not None else {}
    if table == "frequencies":
        result = tables.frequencies_table(selectors.code_frequencies(project=project, root_code=p["root"]))
    elif table == "breakdown":
        result = tables.matrix_table(selectors.code_breakdown(project=project, by=p["by"], measure=p["measure"],
                                                              rollup=p["subcodes"], root_code=p["root"]))
    elif table in ("matrix", "matrix-values"):
        m = selectors.code_case_matrix(project=project, measure=p["measure"], columns=p["columns"],
                                       root_code=p["root"], rollup=p["subcodes"], segment_ids=False,
                                       all_coders=p["all_coders"])
        result = tables.matrix_table(m) if table == "matrix" else tables.matrix_values_table(m)
    elif table == "cooccurrence":
        result = tables.cooccurrence_table(selectors.code_cooccurrence(project=project, case=p["case"]))
    else:
        result = tables.progress_table(selectors.review_dashboard(project=project))
    return tables.download(result, fmt, name=f"{project.slug}-{table}")
