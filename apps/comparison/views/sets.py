"""Set-theoretic analysis: calibrating a factor or the outcome (crisp, direct method,
scores set by hand), the set-analysis page (necessity, fuzzy truth table, solutions with
the Enhanced Standard Analysis, robustness, the XY plot) and its downloads."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from apps.analysis.charts import Dot, VennRow, scatter_plot, venn_diagram
from apps.projects.access import CODE, project_for
from apps.projects.downloads import attachment
from apps.projects.responses import error_page, form_reason

from .. import exports, selectors, services
from ..forms import CalibrationForm, SetParamsForm
from ..models import Calibration, Factor, OutcomeCalibration
from .common import judge_chosen, page_context, show_errors


@login_required
def factor_calibration(request, slug, factor_id):
    project = project_for(request.user, slug)
    factor = get_object_or_404(Factor, project=project, pk=factor_id)
    return _calibration(request, project, factor)


@login_required
def outcome_calibration(request, slug):
    project = project_for(request.user, slug)
    return _calibration(request, project, None)


def _calibration(request, project, factor):
    here = (reverse("factor_calibration", args=[project.slug, factor.pk]) if factor is not None
            else reverse("outcome_calibration", args=[project.slug]))
    if request.method == "POST":
        project = project_for(request.user, project.slug, CODE)
        form = CalibrationForm(request.POST, project=project)
        if not form.is_valid():
            return error_page(request, 400, form_reason(form), project=project)
        data = form.cleaned_data
        try:
            if data["action"] == "method":
                done = services.calibration_set(project=project, factor=factor, actor=request.user,
                                                method=data["method"], full=data["full"],
                                                crossover=data["crossover"], non=data["non"])
            elif data["action"] == "confirm":
                _grid, column = selectors.calibration_page(project=project, factor=factor, judge=None)
                count = services.memberships_confirm(
                    project=project, factor=factor, actor=request.user,
                    proposals=[(row.case, row.proposed_raw, row.proposed_source) for row in column.rows
                               if row.proposed_raw is not None])
                done = f"{count} proposed raw value{'s' if count != 1 else ''} confirmed."
            else:
                services.membership_set(project=project, factor=factor, case=data["case"], actor=request.user,
                                        raw=data["raw"], raw_source=data["raw_source"], score=data["score"],
                                        rationale=data["rationale"], evidence=data["evidence"])
                done = f"Membership of {data['case'].name} saved."
        except ValidationError as error:
            show_errors(request, error)  # the page again, with the reason and nothing changed
            status = 422
        else:
            messages.success(request, done)
            return redirect(here + (f"#case-{data['case'].pk}" if data["action"] == "membership" else ""))
    else:
        status = 200
    if factor is None and not OutcomeCalibration.objects.filter(project=project).exists():
        return error_page(request, 404, "Choose the outcome on the setup page first.", project=project)
    judge = judge_chosen(request, project, None)
    grid, column = selectors.calibration_page(project=project, factor=factor, judge=judge)
    return render(request, "comparison/calibration.html",
                  page_context(request, project, "sets", grid=grid, column=column, factor=factor,
                               methods=Calibration.choices, here=here), status=status)


def _analysis(request, project):
    """The analysis the GET parameters ask for, or an error page saying which is wrong."""
    known = selectors.judges(project=project)
    judge = judge_chosen(request, project, known)
    conditions = list(project.factors.values_list("label", flat=True))
    form = SetParamsForm(request.GET, conditions=conditions)
    if not form.is_valid():
        return None, error_page(request, 400, form_reason(form), project=project)
    return selectors.set_analysis(project=project, judge=judge, params=form.params(), known_judges=known), None


@login_required
def set_analysis(request, slug):
    project = project_for(request.user, slug)
    page, refused = _analysis(request, project)
    if refused:
        return refused
    chart = None
    if page.plot is not None:
        plot = page.plot
        chart = scatter_plot(
            title=f"{plot.label} and {plot.outcome}",
            dots=[Dot(x=p.x, y=p.y, label=p.case.name, href=p.href,
                      tooltip=f"{p.case.name}: {plot.label} {p.x:.2f}, {plot.outcome} {p.y:.2f} — open the "
                              "judgment and its excerpts") for p in plot.points],
            x_label=f"Membership in {plot.label}", y_label=f"Membership in {plot.outcome}",
            description=f"XY plot of {len(plot.points)} cases: membership in {plot.label} across, in "
                        f"{plot.outcome} up; dots above the diagonal are consistent with {plot.label} being "
                        f"sufficient for {plot.outcome}. Each dot links to the case's judgment and excerpts.")
    return render(request, "comparison/sets.html",
                  page_context(request, project, "sets", nav="sets", page=page, grid=page.grid, chart=chart,
                               venn=_venn(page.truth_table),
                               query=request.GET.urlencode(), formats=exports.SET_FORMATS))


VENN_MOST = 5


def _venn(tt):
    """The truth table as a Venn diagram, for two to five conditions (more would not be legible)."""
    if tt is None or not 2 <= len(tt.conditions) <= VENN_MOST:
        return None
    return venn_diagram(
        title=f"Truth table for {tt.label} as a Venn diagram",
        conditions=list(tt.conditions),
        rows=[VennRow(values=row.values, cases=row.cases, outcome=row.outcome) for row in tt.rows],
        description=f"Venn diagram of the {2 ** len(tt.conditions)} configurations of {', '.join(tt.conditions)}: "
                    f"one shape per condition; each region holds the number of cases in that configuration and "
                    f"its outcome for {tt.label} (1, 0, C for a contradiction, ? for a remainder). The truth table "
                    "above lists the same rows.")


@login_required
def set_export(request, slug, fmt):
    project = project_for(request.user, slug)
    if fmt not in exports.SET_FORMATS:
        raise Http404("Unknown format.")
    page, refused = _analysis(request, project)
    if refused:
        return refused
    try:
        body, content_type, name = exports.set_export(page, fmt)
    except exports.ExportRefused as error:
        return error_page(request, 422, str(error), project=project)
    return attachment(body, f"{project.slug}-{name}", content_type)
