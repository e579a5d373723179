"""Intercoder agreement pages: the coefficients, the passages where coders differ, and
settling them (keep, merge, discard, or discuss in a comment)."""
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.coding.models import Code, Segment
from apps.coding.services import StaleVersion, comment_create
from apps.projects.access import CODE, COMMENT, can, project_for
from apps.projects.models import Job
from apps.projects.responses import error_page, form_reason

from .selectors import UNITS, agreement_choices, agreement_report, disagreements, engine_agreement_latest
from .forms import AgreementForm, DiscussForm, SettleForm
from .services import engine_agreement_job_create, passage_settle


ENGINE_JOB_ABANDONED = timedelta(minutes=10)  # no progress for this long: its worker died; it may be asked again


def _choices(request, project):
    """The form over the GET parameters, with the coders and transcripts one may choose."""
    coders, transcripts = agreement_choices(project=project)
    return AgreementForm(request.GET, coders=coders, transcripts=transcripts), coders


@login_required
@require_GET
def agreement(request, slug):
    project = project_for(request.user, slug)
    form, coders = _choices(request, project)
    context = {"project": project, "form": form, "all_coders": coders, "units": UNITS, "nav": "agreement",
               "report": None, "query": request.GET.urlencode()}
    status = 200
    if len(coders) < 2:
        context["notice"] = ("Agreement needs two or more coders who coded the same transcripts; so far "
                             f"{len(coders)} member{'s' if len(coders) != 1 else ''} coded in this project.")
    elif form.is_valid():
        data = form.cleaned_data
        try:
            context["report"] = agreement_report(project=project, coder_ids=data["coders"], unit=data["unit"],
                                                 overlap=data["share"], transcript_ids=data["transcripts"] or None)
        except ValidationError as error:
            form.add_error(None, error)
            status = 400
        context["chosen"] = data
    else:
        status = 400
    return render(request, "agreement/agreement.html", context, status=status)


@login_required
@require_GET
def agreement_disagreements(request, slug):
    project = project_for(request.user, slug)
    form, coders = _choices(request, project)
    context = {"project": project, "form": form, "nav": "agreement", "passages": [], "coders": [],
               "can_code": can(project.membership, CODE), "can_comment": can(project.membership, COMMENT),
               "query": request.GET.urlencode()}
    status = 200
    if len(coders) < 2:
        context["notice"] = "Disagreements need two or more coders who coded the same transcripts."
    elif form.is_valid():
        data = form.cleaned_data
        try:
            chosen, _transcripts, passages = disagreements(
                project=project, coder_ids=data["coders"], overlap=data["share"],
                transcript_ids=data["transcripts"] or None, code_ids=[data["code"]] if data["code"] else None)
        except ValidationError as error:
            form.add_error(None, error)
            status = 400
        else:
            for passage in passages:
                passage.columns = list(zip(chosen, passage.by_coder))
                passage.versions = ",".join(f"{s.id}:{s.version}" for s in passage.segments)
            context.update({"coders": chosen, "passages": passages, "chosen": data,
                            "code": Code.objects.filter(project=project, pk=data["code"]).first()
                            if data["code"] else None})
    else:
        status = 400
    return render(request, "agreement/disagreements.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def agreement_engine(request, slug):
    """The suggestion engine as a coder against the primary coder, per code: the latest
    evaluation's figures; a POST queues a new one for the task worker (it fits the engine
    once per code and transcript: seconds, never on a plain visit). Every member may ask."""
    project = project_for(request.user, slug)
    if request.method == "POST":
        engine_agreement_job_create(project=project, user=request.user)
        return redirect("agreement_engine", slug=project.slug)
    job = engine_agreement_latest(project=project)
    running = job is not None and job.status in Job.ACTIVE
    abandoned = running and job.updated_at < timezone.now() - ENGINE_JOB_ABANDONED
    return render(request, "agreement/engine.html", {
        "project": project, "nav": "agreement", "job": job, "running": running and not abandoned,
        "abandoned": abandoned,
        "report": job.result if job is not None and job.status == Job.Status.DONE else None})


def _reasons(form) -> str:
    return f"Nothing was changed: {form_reason(form)}"


def _back(slug: str, query: str):
    url = reverse("agreement_disagreements", args=[slug])
    query = QueryDict(query or "").urlencode()
    return redirect(f"{url}?{query}" if query else url)


@login_required
@require_POST
def agreement_settle(request, slug):
    """Keep one coder's coding, merge the codings, or discard them all (coders and owners)."""
    project = project_for(request.user, slug, CODE)
    form = SettleForm(request.POST)
    if not form.is_valid():
        return error_page(request, 400, _reasons(form), project=project)
    data = form.cleaned_data
    code = get_object_or_404(Code.objects.filter(project=project, deleted_at__isnull=True), pk=data["code"])
    segments = list(Segment.objects.filter(project=project, pk__in=list(data["segments"]))
                    .prefetch_related("codings__tag"))
    if len(segments) != len(data["segments"]):
        messages.error(request, "A segment of this passage was deleted meanwhile; here is the passage as it is now.")
        return _back(project.slug, data["query"])
    keep = next((s for s in segments if s.pk == data["keep"]), None)
    try:
        passage_settle(action=data["action"], code=code, segments=segments, versions=data["segments"],
                       keep=keep, actor=request.user)
    except StaleVersion:
        messages.error(request, "Someone changed a segment of this passage meanwhile; nothing was changed. "
                                "Here is the passage as it is now.")
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, {"keep": f"Kept one coding of '{code.name}'; the others are off.",
                                   "merge": f"Merged the codings of '{code.name}' into one segment.",
                                   "discard": f"Took '{code.name}' off the passage."}[data["action"]])
    return _back(project.slug, data["query"])


@login_required
@require_POST
def agreement_discuss(request, slug):
    """A comment on a segment of the passage: reviewers may discuss too."""
    project = project_for(request.user, slug, COMMENT)
    form = DiscussForm(request.POST)
    if not form.is_valid():
        return error_page(request, 400, _reasons(form), project=project)
    segment = get_object_or_404(Segment.objects.filter(project=project), pk=form.cleaned_data["segment"])
    comment_create(project=project, author=request.user, text=form.cleaned_data["text"], segment=segment)
    messages.success(request, "Comment added to the passage.")
    return _back(project.slug, form.cleaned_data["query"])
