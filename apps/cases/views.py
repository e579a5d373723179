"""The Cases page: cases x case attributes, experts x expert attributes, and the forms
(coders and owners) that add cases and attributes, set values and link transcripts."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.projects.access import CODE, can, project_for

from .forms import AttributeForm, CaseForm, CaseTranscriptsForm, CaseValueForm, ExpertValueForm
from .selectors import cases_page, value_display
from .services import attribute_create, case_create, case_transcripts_set, case_value_set, expert_value_set

PREFIXES = {"case_form": "case", "attribute_form": "attribute", "case_value_form": "case-value",
            "expert_value_form": "expert-value", "transcripts_form": "link"}
FORMS = {"case_form": CaseForm, "attribute_form": AttributeForm, "case_value_form": CaseValueForm,
         "expert_value_form": ExpertValueForm, "transcripts_form": CaseTranscriptsForm}
PICKS = {"case_value_form", "expert_value_form", "transcripts_form"}


def _render(request, project, *, page=None, bound=None, status=200):
    page = page or cases_page(project=project)
    context = {"project": project, "nav": "cases", "can_code": can(project.membership, CODE), **page}
    if context["can_code"]:
        for name, form_class in FORMS.items():
            if bound is not None and bound[0] == name:
                context[name] = bound[1]
            else:
                kwargs = {"objects": page} if name in PICKS else {}
                context[name] = form_class(prefix=PREFIXES[name], **kwargs)
    return render(request, "cases/case_list.html", context, status=status)


def _post(request, slug, name, act):
    """Validate the form `name`, run `act(project, cleaned_data)` and redirect with its
    message; invalid input re-renders the page with 400 and the reasons."""
    project = project_for(request.user, slug, CODE)
    page = cases_page(project=project) if name in PICKS else None
    kwargs = {"objects": page} if name in PICKS else {}
    form = FORMS[name](request.POST, prefix=PREFIXES[name], **kwargs)
    if form.is_valid():
        try:
            message = act(project, form.cleaned_data)
        except ValidationError as error:
            for text in error.messages:
                form.add_error(None, text)
        else:
            messages.success(request, message)
            return redirect("case_list", slug=project.slug)
    return _render(request, project, page=page, bound=(name, form), status=400)


@login_required
@require_GET
def case_list(request, slug):
    return _render(request, project_for(request.user, slug))


@login_required
@require_POST
def case_add(request, slug):
    def act(project, data):
        case = case_create(project=project, name=data["name"], description=data["description"], actor=request.user)
        return f"Case '{case.name}' added."
    return _post(request, slug, "case_form", act)


@login_required
@require_POST
def attribute_add(request, slug):
    def act(project, data):
        attribute = attribute_create(project=project, name=data["name"], applies_to=data["applies_to"],
                                     type=data["type"], choices=data["choices"], is_outcome=data["is_outcome"],
                                     actor=request.user)
        return f"Attribute '{attribute.name}' added."
    return _post(request, slug, "attribute_form", act)


@login_required
@require_POST
def case_value(request, slug):
    def act(project, data):
        value = case_value_set(case=data["case"], attribute=data["attribute"], value=data["value"],
                               actor=request.user)
        return f"{data['case'].name}: {data['attribute'].name} = {value_display(value) or 'no value'}."
    return _post(request, slug, "case_value_form", act)


@login_required
@require_POST
def expert_value(request, slug):
    def act(project, data):
        value = expert_value_set(expert=data["expert"], attribute=data["attribute"], value=data["value"],
                                 actor=request.user)
        return f"{data['expert'].pseudonym}: {data['attribute'].name} = {value_display(value) or 'no value'}."
    return _post(request, slug, "expert_value_form", act)


@login_required
@require_POST
def case_transcripts(request, slug):
    def act(project, data):
        case_transcripts_set(case=data["case"], transcripts=data["transcripts"], actor=request.user)
        return f"{data['case'].name} now has {len(data['transcripts'])} linked transcript(s)."
    return _post(request, slug, "transcripts_form", act)
