from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from .access import CODE, can, project_for
from .forms import ProjectForm
from .selectors import project_home, projects_for_user
from .services import project_create


@login_required
def project_list(request):
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = project_create(owner=request.user, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, f"Project '{project.name}' created.")
            return redirect("project_home", slug=project.slug)
    return render(request, "projects/project_list.html",
                  {"memberships": projects_for_user(user=request.user), "form": form})


@login_required
def project_detail(request, slug):
    project = project_for(request.user, slug)
    context = project_home(project=project)
    context["can_code"] = can(project.membership, CODE)
    return render(request, "projects/project_home.html", context)
