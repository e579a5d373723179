from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from .access import OWN, can, project_for
from .forms import HistoryFilterForm, InviteForm, PrimaryCoderForm, ProjectForm, ProjectSettingsForm, RoleForm, \
    ThrottledAuthenticationForm
from .history import project_history
from .models import Membership
from .selectors import coding_members, members_page, primary_coder, projects_for_user
from .services import membership_remove, membership_set, project_create, project_primary_coder_set, \
    project_settings_update, user_by_login
from .throttle import device_cookie


class SignInView(LoginView):
    """Django's sign-in with the throttled form; a paused sign-in is answered with 429. A
    browser that signs in gets a device cookie: failures of others at its address do not
    pause it (apps.projects.throttle)."""

    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        response.set_cookie(settings.CASECODER_LOGIN_DEVICE_COOKIE, device_cookie(form.attempt),
                            max_age=settings.CASECODER_LOGIN_DEVICE_DAYS * 86400, httponly=True,
                            secure=settings.SESSION_COOKIE_SECURE, samesite="Lax")
        return response

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if getattr(form, "throttled", False):
            response.status_code = 429
        return response


sign_in = SignInView.as_view()


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


# --- the team ----------------------------------------------------------------------------

def _members_render(request, project, *, invite_form=None, status=200):
    is_owner = can(project.membership, OWN)
    return render(request, "projects/members.html", {
        "project": project,
        "members": members_page(project=project),
        "is_owner": is_owner,
        "invite_form": invite_form or InviteForm(),
        "roles": Membership._meta.get_field("role").choices,
        "primary_coder": primary_coder(project=project),
        "coders": coding_members(project=project) if is_owner else [],
        "nav": "members",
    }, status=status)


@login_required
def members(request, slug):
    """The team: everyone sees who is in it; owners invite, set roles and remove."""
    if request.method != "POST":
        return _members_render(request, project_for(request.user, slug))
    project = project_for(request.user, slug, OWN)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            user = user_by_login(form.cleaned_data["login"])
            if project.memberships.filter(user=user).exists():
                raise ValidationError({"login": f"{user.username} is a member already; change their role below."})
            membership_set(project=project, user=user, role=form.cleaned_data["role"], actor=request.user)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, f"{user.username} joined the project as {form.cleaned_data['role']}.")
            return redirect("project_members", slug=project.slug)
    return _members_render(request, project, invite_form=form, status=400)


@login_required
@require_POST
def member_role(request, slug, user_id):
    project = project_for(request.user, slug, OWN)
    membership = get_object_or_404(project.memberships.select_related("user"), user_id=user_id)
    form = RoleForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.get("role") or "Choose a role.")
        membership_set(project=project, user=membership.user, role=form.cleaned_data["role"], actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _members_render(request, project, status=400)
    messages.success(request, f"{membership.user.username} is now {form.cleaned_data['role']}.")
    return redirect("project_members", slug=project.slug)


@login_required
@require_POST
def member_remove(request, slug, user_id):
    project = project_for(request.user, slug, OWN)
    membership = get_object_or_404(project.memberships.select_related("user"), user_id=user_id)
    try:
        membership_remove(project=project, user=membership.user, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _members_render(request, project, status=400)
    messages.success(request, f"{membership.user.username} no longer belongs to the project.")
    if membership.user == request.user:
        return redirect("project_list")
    return redirect("project_members", slug=project.slug)


@login_required
@require_POST
def project_settings(request, slug):
    project = project_for(request.user, slug, OWN)
    form = ProjectSettingsForm(request.POST)
    form.is_valid()  # a missing checkbox means off; nothing else can be wrong
    project_settings_update(project=project, actor=request.user,
                            independent_coding=form.cleaned_data.get("independent_coding", False))
    messages.success(request, "Independent coding is on: each coder changes only their own segments."
                     if project.independent_coding else "Independent coding is off.")
    return redirect("project_members", slug=project.slug)


@login_required
@require_POST
def project_primary_coder(request, slug):
    """Name whose codings the appendix, the matrix and the comparison use by default."""
    project = project_for(request.user, slug, OWN)
    form = PrimaryCoderForm(request.POST, coders=coding_members(project=project))
    if not form.is_valid():
        messages.error(request, "Choose an owner or coder of the project.")
        return _members_render(request, project, status=400)
    user_id = form.cleaned_data["primary_coder"]
    user = get_object_or_404(project.memberships.select_related("user"), user_id=user_id).user \
        if user_id is not None else None
    project_primary_coder_set(project=project, user=user, actor=request.user)
    messages.success(request, f"{user.username} is the primary coder." if user
                     else "The first owner is the primary coder.")
    return redirect("project_members", slug=project.slug)


# --- history and trash -------------------------------------------------------------------

@login_required
@require_GET
def history(request, slug):
    project = project_for(request.user, slug)
    form = HistoryFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    context = project_history(project=project, target_type=filters.get("target_type") or "",
                              actor=filters.get("actor") or "", page=filters.get("page") or 1)
    context.update({"project": project, "filters": filters, "nav": "history"})
    return render(request, "projects/history.html", context)

