"""The recording of a transcript: its page (listen, upload, remove) and the file itself,
served with range requests so that the player can seek; and the Import page, where
transcripts come with their recordings."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST, require_safe

from apps.projects.access import CODE, READ, can, project_for
from apps.projects.selectors import job_for_user, job_json
from apps.transcripts.importers import EXTENSIONS, human_size
from apps.transcripts.selectors import import_page
from apps.transcripts.services import ImportStatus

from .formats import FORMATS
from .forms import ImportWithRecordingsForm, RecordingForm, TranscribeForm
from .importing import ImportWithRecordings, transcripts_import_with_recordings
from .pairing import RECORDING_EXTENSIONS
from .ranges import Unsatisfiable, byte_range
from .selectors import recording_in_project, recording_of, recording_url, transcriptions_of
from .services import TRANSCRIPTION, recording_attach, recording_remove, transcription_job_create
from .transcription import LANGUAGE_NAMES, engine_offers

CHUNK = 64 * 1024


@login_required
def recording_page(request, slug, pk):
    project = project_for(request.user, slug, CODE if request.method == "POST" else READ)
    transcript = get_object_or_404(project.transcripts.select_related("expert").only(
        "id", "title", "project_id", "expert__pseudonym"), pk=pk)
    form = RecordingForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                recording = recording_attach(transcript=transcript, upload=form.cleaned_data["file"],
                                             actor=request.user)
            except ValidationError as error:
                for message in error.messages:
                    form.add_error("file", message)
            else:
                messages.success(request, f"Recording {recording.original_name} attached to '{transcript.title}'.")
                return redirect("recording_page", slug=project.slug, pk=transcript.pk)
        status = 400
    return _recording_page(request, project, transcript, form=form, status=status)


def _transcribe_form(data=None) -> TranscribeForm:
    return TranscribeForm(data, offers=engine_offers(), default_engine=settings.CASECODER_TRANSCRIPTION_ENGINE,
                          language_names=LANGUAGE_NAMES)


def _recording_page(request, project, transcript, *, form=None, transcribe=None, status=200):
    recording = recording_of(transcript=transcript)
    if recording is not None:
        recording.transcript = transcript
    return render(request, "media/recording.html", {
        "project": project, "transcript": transcript, "recording": recording, "form": form or RecordingForm(),
        "file_url": recording_url(recording=recording, slug=project.slug) if recording else "", "can_code": can(project.membership, CODE),
        "formats": FORMATS, "max_size": filesizeformat(settings.CASECODER_MAX_MEDIA_BYTES), "nav": "import",
        "engines": engine_offers(), "transcribe_form": transcribe or _transcribe_form(),
        "transcriptions": transcriptions_of(transcript=transcript, user=request.user, kind=TRANSCRIPTION)
        if recording else [],
    }, status=status)


@login_required
@require_POST
def recording_transcribe(request, slug, pk):
    """Queue the transcription of the recording (its job page shows the progress); a refusal
    (no tick while the transcript has a text, an engine that cannot run) shows the recording
    page again with the reason."""
    project = project_for(request.user, slug, CODE)
    recording = recording_in_project(project=project, transcript_id=pk)
    if recording is None:
        raise Http404("This transcript has no recording.")
    form = _transcribe_form(request.POST)
    if form.is_valid():
        try:
            job = transcription_job_create(recording=recording, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                for message in problems:
                    form.add_error(field if field in form.fields else None, message)
        else:
            return redirect("transcription_job", slug=project.slug, job_id=job.pk)
    return _recording_page(request, project, recording.transcript, transcribe=form, status=400)


@login_required
@require_safe
def transcription_job(request, slug, job_id):
    """A transcription: its progress bar while it waits or runs (static/js/exports/job.js
    polls /api/jobs/<id>), then the link to the transcript, or the reason it failed."""
    project = project_for(request.user, slug)
    job = job_for_user(user=request.user, job_id=job_id)
    if job.kind != TRANSCRIPTION or job.project_id != project.pk:
        raise Http404("No such transcription.")
    transcript = project.transcripts.filter(pk=job.result.get("transcript")).only("id", "title").first()
    return render(request, "media/transcription_job.html", {"project": project, "job": job, "job_json": job_json(job),
                                                            "transcript": transcript, "nav": "import"})


@login_required
@require_POST
def recording_remove_view(request, slug, pk):
    project = project_for(request.user, slug, CODE)
    recording = recording_in_project(project=project, transcript_id=pk)
    if recording is None:
        raise Http404("This transcript has no recording.")
    recording_remove(recording=recording, actor=request.user)
    messages.success(request, f"The recording of '{recording.transcript.title}' was removed.")
    return redirect("recording_page", slug=project.slug, pk=pk)


def _stream(handle, length: int):
    try:
        while length > 0:
            chunk = handle.read(min(CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        handle.close()


@login_required
@require_safe
def recording_file(request, slug, pk):
    """The recording's bytes, whole (200) or the one range asked for (206); a range outside
    the file is 416. Streamed from the storage in chunks, never read whole into memory."""
    project = project_for(request.user, slug)
    recording = recording_in_project(project=project, transcript_id=pk)
    if recording is None:
        raise Http404("This transcript has no recording.")
    size = recording.size
    try:
        wanted = byte_range(request.headers.get("Range"), size)
    except Unsatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    first, last = wanted if wanted else (0, size - 1)
    length = last - first + 1
    handle = recording.file.storage.open(recording.file.name, "rb")
    if first:
        handle.seek(first)
    body = _stream(handle, length) if request.method == "GET" else iter(())
    if request.method != "GET":
        handle.close()
    response = StreamingHttpResponse(body, status=206 if wanted else 200, content_type=recording.content_type)
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if wanted:
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Cache-Control"] = "private, max-age=86400"
    response["Content-Disposition"] = "inline"
    return response


def _import_results(outcome: ImportWithRecordings, *, preview: bool) -> dict:
    results = outcome.results
    by_status = {status: [r for r in results if r.status == status] for status in
                 (ImportStatus.STORED, ImportStatus.READY, ImportStatus.REJECTED, ImportStatus.DUPLICATE)}
    return {"results": results, "recordings": outcome.recordings, "preview": preview,
            "recordings_ok": [m for m in outcome.recordings if m.ok and not m.alone],
            "recordings_alone": [m for m in outcome.recordings if m.ok and m.alone],
            "stored": by_status[ImportStatus.STORED], "ready": by_status[ImportStatus.READY],
            "rejected": by_status[ImportStatus.REJECTED], "duplicates": by_status[ImportStatus.DUPLICATE]}


@login_required
@ensure_csrf_cookie
def transcript_import(request, slug):
    """The Import page (its templates are the transcripts app's): several transcript files,
    each with its recording if one of the same name comes along. Preview shows what would
    happen, Import stores what can be stored. Served from this app, a floor above the
    transcripts, because a transcript and its recording are stored together here."""
    project = project_for(request.user, slug, CODE)
    form = ImportWithRecordingsForm(request.POST or None, request.FILES or None)
    context = {"project": project, "form": form, "nav": "import", "extensions": EXTENSIONS + RECORDING_EXTENSIONS,
               "recording_extensions": RECORDING_EXTENSIONS,
               "max_bytes": settings.CASECODER_MAX_UPLOAD_BYTES,
               "max_size": human_size(settings.CASECODER_MAX_UPLOAD_BYTES),
               "max_media_bytes": settings.CASECODER_MAX_MEDIA_BYTES,
               "max_media_size": filesizeformat(settings.CASECODER_MAX_MEDIA_BYTES), "engines": form.offers,
               "can_transcribe": any(o.available for o in form.offers), **import_page(project=project)}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            outcome = transcripts_import_with_recordings(
                project=project, files=form.import_files(), recordings=form.recordings(),
                recording_names=form.recording_names(), mapping=form.cleaned_data["pseudonyms"],
                actor=request.user, preview=form.is_preview, transcription=form.transcription())
            context.update(_import_results(outcome, preview=form.is_preview))
        else:
            status = 400
    fragment = request.headers.get("X-Requested-With") == "fetch"  # the page's script wants the results only
    template = "transcripts/_import_results.html" if fragment else "transcripts/import.html"
    return render(request, template, context, status=status)
