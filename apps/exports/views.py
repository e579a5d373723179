"""The Exports page and its downloads and uploads. Thin: access, form, selector or
service, response. Reviewers may export; importing a codebook needs the coder role."""
from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.coding.selectors import code_tree
from apps.projects.access import CODE, can, project_for
from apps.projects.downloads import attachment
from apps.projects.models import Job
from apps.projects.responses import error_page
from apps.projects.selectors import job_for_user, job_json, jobs_for_user

from .appendix import APPENDIX_FORMATS, render_appendix
from .codebook import CODEBOOK_FORMATS, read_codebook, render_codebook
from .forms import AppendixForm, CodebookImportForm, QdpxConfirmForm, QdpxExportForm, QdpxImportForm
from .models import ExportFile, PendingQdpxImport
from .refiqda.writer import write_qdpx
from .selectors import (GROUP_CODE_CASE_EXPERT, GROUPINGS, appendix_data, codebook_entries, export_choices,
                        project_segment_count)
from .services import (APPENDIX, EXPORT, EXPORT_IN_BACKGROUND_SEGMENTS, QDPX, QDPX_IMPORT, codebook_import,
                       export_job_create, qdpx_job_create, qdpx_pending_cancel)


def _page(request, project, *, form=None, codebook_form=None, status=200):
    form = form or AppendixForm(project=project, initial={"memos": True, "subcodes": True, "format": "docx",
                                                          "grouping": GROUP_CODE_CASE_EXPERT})
    context = {
        "project": project, "nav": "exports", "form": form,
        "chosen": {name: {str(v) for v in (form[name].value() or [])} for name in ("codes", "cases", "experts",
                                                                                   "coders")},
        "codebook_form": codebook_form or CodebookImportForm(),
        "appendix_formats": APPENDIX_FORMATS.values(), "codebook_formats": CODEBOOK_FORMATS.values(),
        "groupings": GROUPINGS.items(), "can_code": can(project.membership, CODE),
        **export_choices(project=project),
    }
    return render(request, "exports/exports.html", context, status=status)


@login_required
@require_GET
def exports_page(request, slug):
    project = project_for(request.user, slug)
    return _page(request, project)


@login_required
@require_GET
def appendix_download(request, slug):
    project = project_for(request.user, slug)
    nodes = code_tree(project=project, counts=False)  # read once: for the form's check and the appendix
    form = AppendixForm(request.GET, project=project, codes=[node.code for node in nodes])
    if not form.is_valid():
        return _page(request, project, form=form, status=400)
    fmt = APPENDIX_FORMATS[form.cleaned_data["format"] or "docx"]
    if fmt.key != "html" and _in_background(request, project):
        params = {key: request.GET.getlist(key) for key in request.GET if key != "background"}
        job = export_job_create(user=request.user, project=project, what=APPENDIX, params=params)
        return redirect("export_job", job_id=job.pk)
    appendix = appendix_data(project=project, selection=form.selection(), code_nodes=nodes,
                             introduction=fmt.introduction)
    if fmt.key == "html":
        return render(request, "exports/appendix_print.html", {"project": project, "appendix": appendix,
                                                               "nav": "exports"})
    data = render_appendix(appendix, fmt.key, table_layout=form.cleaned_data["table"])
    return attachment(data, f"{project.slug}-appendix.{fmt.extension}", fmt.content_type)


def _in_background(request, project) -> bool:
    """A large project's export (or one asked for with ?background=1) goes to the task worker."""
    return (request.GET.get("background") == "1"
            or project_segment_count(project=project) > EXPORT_IN_BACKGROUND_SEGMENTS)


@login_required
@require_GET
def export_job(request, job_id):
    """One export job: its progress bar while it waits or runs (static/js/exports/job.js),
    then the link to its file, or its reason."""
    job = job_for_user(user=request.user, job_id=job_id)
    if job.kind != EXPORT:
        return error_page(request, 404, "No such export.")
    return render(request, "exports/export_job.html", {"job": job, "job_json": job_json(job)})


@login_required
@require_GET
def export_job_file(request, job_id):
    """The file an export job made, for its user while they are still a member of the project."""
    job = job_for_user(user=request.user, job_id=job_id)
    kept = ExportFile.objects.filter(job=job).first()
    if kept is None or job.project is None:
        return error_page(request, 404, "This export has no file (it is not done, failed, or is older than a day).")
    project_for(request.user, job.project.slug)
    return attachment(bytes(kept.data), kept.filename, kept.content_type)


@login_required
@require_GET
def codebook_download(request, slug):
    project = project_for(request.user, slug)
    fmt = CODEBOOK_FORMATS.get(request.GET.get("format", ""))  # a key, no form to build: clicked often (#19)
    if fmt is None:
        return error_page(request, 400, f"Choose a codebook format: {', '.join(CODEBOOK_FORMATS)}.", project=project)
    try:
        data = render_codebook(project, codebook_entries(project=project), fmt.key)
    except ValidationError as error:
        return error_page(request, 400, " ".join(error.messages), project=project)
    return attachment(data, f"{project.slug}-codebook.{fmt.extension}", fmt.content_type)


@login_required
@require_POST
def codebook_upload(request, slug):
    project = project_for(request.user, slug, CODE)
    form = CodebookImportForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            plans, report = read_codebook(upload.read(), upload.name)
            codebook_import(project=project, plans=plans, report=report, actor=request.user)
        except ValidationError as error:
            form.add_error("file", error.messages)
        else:
            messages.success(request, f"Codebook {upload.name}: {report.summary()}.")
            for line in report.notes + [f"Skipped: {s}" for s in report.skipped]:
                messages.warning(request, line)
            return redirect("exports", slug=project.slug)
    return _page(request, project, codebook_form=form, status=400)


@login_required
@require_GET
def qdpx_download(request, slug):
    project = project_for(request.user, slug)
    if _in_background(request, project):
        params = {key: request.GET.getlist(key) for key in request.GET if key != "background"}
        return redirect("export_job", job_id=export_job_create(user=request.user, project=project, what=QDPX,
                                                               params=params).pk)
    out = io.BytesIO()
    write_qdpx(project, out, include_suggested=not QdpxExportForm(request.GET).omits_suggested())
    return attachment(out.getvalue(), f"{project.slug}.qdpx", "application/zip")


@login_required
@require_http_methods(["GET", "POST"])
def qdpx_upload(request):
    """Queue the import of a REFI-QDA project (a new project owned by the user) for the
    task worker and show its job; lists the user's recent imports, to find one again."""
    form = QdpxImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = qdpx_job_create(user=request.user, data=upload.read(), filename=upload.name,
                              project_name=form.cleaned_data["project_name"])
        return redirect("qdpx_job", job_id=job.pk)
    return render(request, "exports/qdpx_import.html",
                  {"form": form, "jobs": jobs_for_user(user=request.user, kind=QDPX_IMPORT)},
                  status=400 if form.errors else 200)


@login_required
@require_GET
def qdpx_job(request, job_id):
    """One import job: its progress bar while it waits or runs (static/js/exports/job.js polls
    /api/jobs/<id>), then its report, its reason, or the passages that cannot be placed
    with the choice to import without them."""
    job = job_for_user(user=request.user, job_id=job_id)
    pending = None
    if job.status == Job.Status.FAILED and job.result.get("pending"):
        pending = PendingQdpxImport.objects.filter(pk=job.result["pending"], user=request.user).first()
    return render(request, "exports/qdpx_job.html", {"job": job, "pending": pending, "job_json": job_json(job)})


@login_required
@require_POST
def qdpx_confirm(request):
    """The user's choice for a waiting upload: import without the unplaced selections, or cancel."""
    choice = QdpxConfirmForm(request.POST)
    if not choice.is_valid():
        return error_page(request, 400, "Choose to import without those selections or to cancel.")
    pending = get_object_or_404(PendingQdpxImport, pk=choice.cleaned_data["pending"], user=request.user)
    if choice.cleaned_data["action"] == QdpxConfirmForm.CANCEL:
        qdpx_pending_cancel(pending=pending)
        messages.info(request, f"Cancelled: nothing of {pending.filename} was imported.")
        return redirect("qdpx_import")
    job = qdpx_job_create(user=request.user, pending=pending, skip_unplaced=True)
    return redirect("qdpx_job", job_id=job.pk)
