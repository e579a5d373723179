"""The judgments: the factors x cases grid, one cell (its excerpts, the judge's value,
rationale and cited evidence), and adopting another judge's judgment of a cell."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.cases.models import Case
from apps.projects.access import CODE, project_for
from apps.projects.responses import error_page, form_reason

from .. import selectors, services
from ..forms import AdoptForm, JudgmentForm
from ..models import Factor, Judgment
from .common import all_coders_asked, judge_chosen, page_context, show_errors


@login_required
def judgment_grid(request, slug):
    project = project_for(request.user, slug)
    known = selectors.judges(project=project)
    judge = judge_chosen(request, project, known)
    grid = selectors.judgment_grid(project=project, judge=judge, known_judges=known,
                                   all_coders=all_coders_asked(request))
    return render(request, "comparison/grid.html", page_context(request, project, "judgments", grid=grid))


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
            show_errors(request, error)
            status = 422
        else:
            messages.success(request, f"Judgment saved: {factor.label} in {case.name}.")
            return redirect(reverse("judgment_cell", args=[project.slug, factor.pk, case.pk]))
        judge = request.user
    else:
        judge = judge_chosen(request, project, None)
    grid = selectors.judgment_grid(project=project, judge=judge, excerpts_for=[(factor.pk, case.pk)],
                                   all_coders=all_coders_asked(request))
    cell = grid.cell(factor, case)
    own = judge.pk == request.user.pk
    cited = {e.segment_id for e in cell.cited}
    if status != 200:  # keep what the user typed
        cited = set(typed["evidence"])
    others = [e for e in cell.cited if e.segment_id not in {x.segment_id for x in cell.excerpts}]
    context = page_context(request, project, "judgments", grid=grid, cell=cell, factor=cell.factor, case=case,
                           own=own, values=services.factor_values(factor), cited_ids=cited,
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
