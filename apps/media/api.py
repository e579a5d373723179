"""JSON API of the media app, mounted under /api/projects/: the import of transcript files,
each with the recording of its name when one comes along (interview3.vtt with
interview3.mp3), each pair all or nothing. It is the transcripts' import route, here a
floor above them because a recording is stored with its transcript; its per-file result is
the transcripts app's schema. `project_for` first: a project the user is not in is a 404,
a reviewer a 403; input that cannot be used is a 422 with the reason.
"""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile

from apps.projects.access import CODE, project_for
from apps.projects.responses import WRITE_ERRORS
from apps.transcripts.api import FileResultOut, file_result_out
from apps.transcripts.forms import MAX_FILES, speaker_choices_parse
from apps.transcripts.services import ImportFile, pseudonym_mapping_parse
from apps.transcripts.text import SpeakerChoices

from .pairing import is_recording_name
from .importing import transcripts_import_with_recordings
from .services import transcription_check

router = Router(tags=["transcripts"])


class RecordingResultOut(Schema):
    filename: str
    status: str = Field(description="The status of the transcript file it goes with (stored | ready | rejected | "
                                    "duplicate), or of the transcript it becomes on its own (with `transcribe`), "
                                    "or unpaired: no transcript file of its name came with it.")
    reason: str = Field(description="Why it is not (or would not be) stored; it names the file.")
    transcript_file: str = Field(description="The transcript file of its name, '' if none.")
    format: str = Field(description="mp3, m4a, wav, ogg, mp4 or webm, read from the content; '' if not read.")
    kind: str = Field(description="audio | video; '' if not read.")
    duration: float | None = Field(None, description="Seconds.")
    transcript_id: int | None = None
    transcription_job_id: int | None = Field(None, description="With `transcribe`, a recording that came alone "
                                             "became a transcript of its own: its transcription job "
                                             "(/api/jobs/<id>).")


class ImportOut(Schema):
    preview: bool
    stored: int
    not_imported: int
    results: list[FileResultOut] = Field(description="One per transcript file, in the order of the files.")
    recordings: list[RecordingResultOut] = Field(description="One per recording, in the order of the files.")


@router.post("{slug}/transcripts/import", response={200: ImportOut, **WRITE_ERRORS})
def transcript_import(request, slug: str, files: File[list[UploadedFile]], pseudonyms: Form[str] = "",
                      experts: Form[list[str]] = None, import_anyway: Form[list[str]] = None,
                      reject_label: Form[list[str]] = None, take_label: Form[list[str]] = None,
                      merge_label: Form[list[str]] = None, whole_page: Form[list[str]] = None,
                      preview: Form[bool] = False, transcribe: Form[bool] = False, engine: Form[str] = "",
                      language: Form[str] = ""):
    """Import files (multipart `files`, repeated). A recording (.mp3, .m4a, .wav, .ogg, .mp4,
    .webm) goes with the transcript file of its name and is stored with it, or neither is;
    each recording's result says which file it went with, or why none. `experts` gives each
    transcript file's pseudonym in the order of the transcript files; `pseudonyms` is a list
    of `Name -> E3` lines; `import_anyway` names files to import although their text is in
    the project already. With `preview` nothing is stored. Each file's result says what
    became of it, and lists the labels found: correct them as in the preview page, by file
    name and a tab, with `reject_label` ("E3.txt\tGermany": not a speaker), `take_label`
    (a speaker after all) and `merge_label` ("E3.txt\tPutin\tVladimir Putin": the same
    speaker); `whole_page` names web pages to keep whole, navigation and footer too.

    With `transcribe`, a recording that no transcript file has the name of becomes a
    transcript of its own (titled by its name, with a placeholder text), and a job
    transcribes it with `engine` (the installation's default if none) in `language` (the
    engine's first if none), replacing the placeholder."""
    project = project_for(request.user, slug, CODE)
    transcription = None
    if transcribe:
        transcription = transcription_check(engine=engine or settings.CASECODER_TRANSCRIPTION_ENGINE,
                                            language=language)
    if len(files) > MAX_FILES:
        raise ValidationError({"files": f"Import at most {MAX_FILES} files at once."})
    mapping = pseudonym_mapping_parse(pseudonyms or "")
    recordings = [f for f in files if is_recording_name(f.name or "")]
    texts = [f for f in files if not is_recording_name(f.name or "")]
    experts = [" ".join(e.split()) for e in experts or []]
    if experts and len(experts) != len(texts):
        raise ValidationError({"experts": f"Give one expert per file ({len(texts)}; a recording has none), or none."})
    anyway, whole = set(import_anyway or []), set(whole_page or [])
    choices = speaker_choices_parse(reject_label=reject_label or [], take_label=take_label or [],
                                    merge_label=merge_label or [])
    uploads = [ImportFile(f.name, f.size, f.read, expert=experts[i] if experts else "",
                          allow_duplicate=f.name in anyway, speakers=choices.get(f.name, SpeakerChoices()),
                          whole_page=f.name in whole)
               for i, f in enumerate(texts)]
    outcome = transcripts_import_with_recordings(project=project, files=uploads, recordings=recordings,
                                                 mapping=mapping, actor=request.user, preview=preview,
                                                 transcription=transcription)
    results = outcome.results
    return {"preview": preview, "stored": sum(r.status == "stored" for r in results),
            "not_imported": sum(not r.ok for r in results),
            "results": [file_result_out(r) for r in results],
            "recordings": [{"filename": m.filename, "status": m.status, "reason": m.reason,
                            "transcript_file": m.transcript_file, "format": m.found.format if m.found else "",
                            "kind": m.found.kind if m.found else "",
                            "duration": m.found.duration if m.found else None,
                            "transcript_id": m.transcript.pk if m.transcript else None,
                            "transcription_job_id": m.job.pk if m.job else None}
                           for m in outcome.recordings]}
