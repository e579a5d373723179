"""The setup page: the outcome and the factors the cases are compared on."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from apps.projects.access import CODE, project_for
from apps.projects.responses import error_page, form_reason

from .. import selectors, services
from ..forms import SetupForm
from .common import page_context, show_errors


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
            show_errors(request, error)
        else:
            messages.success(request, done)
        return redirect("comparison_setup", slug=project.slug)
    return render(request, "comparison/setup.html",
                  page_context(request, project, "setup", **selectors.comparison_setup(project=project)))
