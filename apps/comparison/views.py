"""Pages of the comparison: setup (outcome and factors), the judgment grid and its cells,
the MSSD table and its exports, the crisp-set QCA page, the agreement of two judges."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.cases.models import Case
from apps.projects.access import CODE, can, project_for
from apps.projects.downloads import attachment
from apps.projects.responses import error_page, form_reason

from . import exports as comparison_export, selectors as comparison, services
from .forms import AdoptForm, JudgmentForm, SetupForm
from .models import Factor, Judgment


def _judge(request, project, known):
    return comparison.judge_for(project=project, user=request.user, username=request.GET.get("judge"), known=known)


def _context(request, project, tab, **extra):
    return {"project": project, "tab": tab, "nav": "comparison", "can_judge": can(project.membership, CODE), **extra}


def _errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
def comparison_setup(request, slug):
    project = project_for(request.user, slug)
    if request.method == "POST":
        project = project_for(request.user, slug, CODE)
        form = SetupForm(request.POST, project=project)
        if not form.is_valid():
            return error_page(request, 400, form_reason(form), project=project)
        try:
            done = services.setup_change(project=project, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, done)
        return redirect("comparison_setup", slug=project.slug)
    return render(request, "comparison/setup.html",
                  _context(request, project, "setup", **comparison.comparison_setup(project=project)))


@login_required
def judgment_grid(request, slug):
    project = project_for(request.user, slug)
    known = comparison.judges(project=project)
    judge = _judge(request, project, known)
    grid = comparison.judgment_grid(project=project, judge=judge, known_judges=known)
    return render(request, "comparison/grid.html", _context(request, project, "judgments", grid=grid))


@login_required
def judgment_cell(request, slug, factor_id, case_id):
    project = project_for(request.user, slug)
    factor = get_object_or_404(Factor, project=project, pk=factor_id)
    case = get_object_or_404(Case, project=project, pk=case_id)
    status, typed = 200, None
    if request.method == "POST":
        project = project_for(request.user, slug, CODE)
        form = JudgmentForm(request.POST)
        if not form.is_valid():
            return error_page(request, 400, form_reason(form), project=project)
        typed = form.cleaned_data
        try:
            services.judgment_set(factor=factor, case=case, judge=request.user, **typed)
        except services.StaleJudgment as error:
            messages.error(request, str(error))
            status = 409
        except ValidationError as error:
            _errors(request, error)
            status = 422
        else:
            messages.success(request, f"Judgment saved: {factor.label} in {case.name}.")
            return redirect(reverse("judgment_cell", args=[project.slug, factor.pk, case.pk]))
        judge = request.user
    else:
        judge = _judge(request, project, None)
    grid = comparison.judgment_grid(project=project, judge=judge, excerpts_for=[(factor.pk, case.pk)])
    cell = grid.cell(factor, case)
    own = judge.pk == request.user.pk
    cited = {e.segment_id for e in cell.cited}
    if status != 200:  # keep what the user typed
        cited = set(typed["evidence"])
    others = [e for e in cell.cited if e.segment_id not in {x.segment_id for x in cell.excerpts}]
    context = _context(request, project, "judgments", grid=grid, cell=cell, factor=cell.factor, case=case, own=own,
                       values=services.factor_values(factor), cited_ids=cited,
                       outcome_text=grid.outcome_values.get(case.pk, ""), other_cited=others,
                       typed=typed if status != 200 else None,
                       other_judgments=Judgment.objects.filter(factor=factor, case=case).exclude(judge=judge)
                       .select_related("judge"))
    return render(request, "comparison/cell.html", context, status=status)


@login_required
@require_POST
def judgment_adopt(request, slug, factor_id, case_id):
    project = project_for(request.user, slug, CODE)
    factor = get_object_or_404(Factor, project=project, pk=factor_id)
    case = get_object_or_404(Case, project=project, pk=case_id)
    form = AdoptForm(request.POST)
    if not form.is_valid():
        return error_page(request, 400, form_reason(form), project=project)
    source = get_object_or_404(Judgment, factor=factor, case=case, pk=form.cleaned_data["source"])
    mine = Judgment.objects.filter(factor=factor, case=case, judge=request.user).first()
    try:
        services.judgment_adopt(factor=factor, case=case, judge=request.user, source=source,
                                version=mine.version if mine else None)
    except (ValidationError, services.StaleJudgment) as error:
        messages.error(request, "; ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, f"You adopted {source.judge.username}'s judgment on {factor.label} in {case.name}.")
    return redirect(form.cleaned_data["next"] or reverse("judgment_agreement", args=[project.slug]))


@login_required
def mssd(request, slug):
    project = project_for(request.user, slug)
    known = comparison.judges(project=project)
    judge = _judge(request, project, known)
    table = comparison.mssd_table(project=project, judge=judge, known_judges=known)
    return render(request, "comparison/mssd.html",
                  _context(request, project, "mssd", table=table, grid=table.grid,
                           formats=comparison_export.FORMATS))


@login_required
def mssd_export(request, slug, fmt):
    project = project_for(request.user, slug)
    if fmt not in comparison_export.FORMATS:
        raise Http404("Unknown format.")
    judge = _judge(request, project, None)
    table = comparison.mssd_table(project=project, judge=judge, excerpts=False)
    body, content_type = comparison_export.export(table, fmt)
    return attachment(body, f"{project.slug}-mssd.{fmt}", content_type)


@login_required
def qca_page(request, slug):
    project = project_for(request.user, slug)
    known = comparison.judges(project=project)
    judge = _judge(request, project, known)
    page = comparison.qca_analysis(project=project, judge=judge, known_judges=known)
    return render(request, "comparison/qca.html",
                  _context(request, project, "qca", page=page, grid=page.grid))


@login_required
def qca_csv(request, slug):
    project = project_for(request.user, slug)
    judge = _judge(request, project, None)
    grid = comparison.judgment_grid(project=project, judge=judge, excerpts_for=())
    return attachment(comparison_export.r_qca_csv(comparison.crisp_table(grid)), f"{project.slug}-qca.csv",
                      "text/csv")


@login_required
def judgment_agreement(request, slug):
    project = project_for(request.user, slug)
    known = comparison.judges(project=project)
    User = get_user_model()
    names = [j["username"] for j in known]
    a_name = request.GET.get("a") or (names[0] if names else None)
    b_name = request.GET.get("b") or next((n for n in names if n != a_name), None)
    agreement = None
    if a_name and b_name and a_name != b_name:
        found = {u.username: u for u in User.objects.filter(username__in=[a_name, b_name],
                                                             memberships__project=project)}
        if len(found) == 2:
            agreement = comparison.judgment_agreement(project=project, judge_a=found[a_name],
                                                      judge_b=found[b_name])
    return render(request, "comparison/agreement.html",
                  _context(request, project, "agreement", judges=known, a_name=a_name, b_name=b_name,
                           agreement=agreement, grid=None))
