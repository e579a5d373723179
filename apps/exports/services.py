"""Writes of the exports app: codebook import (.qdc, CSV) into a project and REFI-QDA
project import (.qdpx) into a new project.

Every object is created through the ordinary services of its app (code_create,
transcript_create, case_create, attribute_create, memo_create ...; the segments, by the
thousand, through segments_create_bulk, which checks each as segment_create does and
writes them in a few statements), so the same rules hold as everywhere. The stored case
memberships are computed once, at the end. Each import is one transaction: a file that cannot be
imported in full changes nothing, and its message says why.
"""
from __future__ import annotations

import io
import logging
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.text import slugify

from apps.cases.models import Attribute
from apps.cases.services import (attribute_create, attribute_value_clean, case_create, case_value_set,
                                 expert_value_set, transcript_cases_set)
from apps.coding.models import Code
from apps.media.services import recording_attach, recording_sync_points_apply
from apps.coding.services import (NewSegment, case_memberships_refreshed_once, code_create, code_update,
                                  memo_create, segments_create_bulk)
from apps.projects.access import membership_for
from apps.projects.models import Job, Project
from apps.projects.services import (job_create, job_fail, job_finish, job_progress, job_start, job_work,
                                    jobs_requeue_abandoned, project_create)
from apps.transcripts.services import expert_create, transcript_create
from apps.transcripts.text import split_turns

from .appendix import APPENDIX_FORMATS, render_appendix
from .forms import AppendixForm, QdpxExportForm
from .models import ExportFile, PendingQdpxImport
from .refiqda.conventions import (CASE_SECTION_NAME, REFI_TO_TYPE, ROLE_EXPERT, ROLE_EXPERT_DESCRIPTION,
                                  ROLE_EXPERT_SPEAKER, VALUE_NOTE_NAME)
from .refiqda.reader import CodePlan, MediaPlan, ProjectPlan, Report, read_project
from .refiqda.safe import ImportRejected, Package
from .refiqda.writer import write_qdpx
from .selectors import appendix_data

logger = logging.getLogger(__name__)

CODE_TEXT_FIELDS = ("description", "inclusion", "exclusion", "example")
ROLES = (ROLE_EXPERT, ROLE_EXPERT_DESCRIPTION, ROLE_EXPERT_SPEAKER)
UNPLACED_SHOWN = 5
PENDING_KEPT = timedelta(days=1)


class UnplacedSelections(ImportRejected):
    """Some selections of the file cannot be placed exactly; nothing was stored. The user
    may import again without them (skip_unplaced=True) or cancel. `report` lists them."""

    def __init__(self, report: Report):
        lines = report.unplaced
        more = f" … and {len(lines) - UNPLACED_SHOWN} more." if len(lines) > UNPLACED_SHOWN else ""
        super().__init__(f"{len(lines)} selection{'s' if len(lines) != 1 else ''} of the file could not be placed "
                         "exactly on their text, so nothing was imported yet. Import without "
                         f"{'them' if len(lines) != 1 else 'it'}, or cancel. " + " ".join(lines[:UNPLACED_SHOWN])
                         + more)
        self.report = report


def _messages(error: ValidationError) -> str:
    return "; ".join(error.messages)


# --- codebook ---------------------------------------------------------------------------

def _code_create(*, project, plan: CodePlan, parent, actor, report: Report, name: str | None = None) -> Code:
    fields = plan.fields
    kwargs = dict(project=project, name=name or plan.name[:100], parent=parent, colour=plan.colour or None, actor=actor,
                  **{f: fields.get(f, "") for f in CODE_TEXT_FIELDS})
    if len(plan.name) > 100:
        report.skip(f"the end of the code name '{plan.name[:40]}…' (names have at most 100 characters)")
    try:
        return code_create(scale=fields.get("scale", Code.Scale.NONE), levels=fields.get("levels", []), **kwargs)
    except ValidationError as error:
        if "scale" in error.message_dict or "levels" in error.message_dict:
            report.skip(f"the scale of '{plan.name}' ({_messages(error)}); imported without a scale")
            return code_create(**kwargs)
        raise


@transaction.atomic
def codebook_import(*, project: Project, plans: list[CodePlan], report: Report, actor) -> Report:
    """Merge codes into the codebook by name and place in the tree: a code whose name is
    already under the same parent is kept (its empty texts filled from the file), the
    others are created. Returns the report (created, matched, skipped)."""
    existing = defaultdict(dict)  # parent id -> name -> code (alive and in the trash)
    for code in Code.objects.filter(project=project):
        existing[code.parent_id][code.name] = code

    def merge(items: list[CodePlan], parent: Code | None):
        for plan in items:
            name = " ".join(plan.name.split())[:100]
            code = existing[parent.pk if parent else None].get(name)
            if code is not None and code.deleted_at is not None:
                report.skip(f"'{name}': a deleted code of that name is in the trash; restore or rename it first")
                continue
            if code is None:
                code = _code_create(project=project, plan=plan, parent=parent, actor=actor, report=report)
                existing[parent.pk if parent else None][code.name] = code
                report.count("codes created")
            else:
                fill = {f: plan.fields.get(f, "") for f in CODE_TEXT_FIELDS
                        if plan.fields.get(f) and not getattr(code, f)}
                if fill:
                    code_update(code=code, actor=actor, **fill)
                    report.count("codes completed")
                else:
                    report.count("codes already there")
            merge(plan.children, code)

    merge(plans, None)
    return report


# --- REFI-QDA project ----------------------------------------------------------------------

def _unique(name: str, taken: set[str], limit: int) -> str:
    name = name[:limit]
    candidate, n = name, 2
    while candidate in taken:
        suffix = f" ({n})"
        candidate = name[:limit - len(suffix)] + suffix
        n += 1
    taken.add(candidate)
    return candidate


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "imported-project"
    slug, n = base, 2
    while Project.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def _user_map(plan: ProjectPlan, importer, report: Report) -> dict[str, object]:
    """REFI users -> accounts: the account of the same name if it is the importer or shares a
    project with them, else the importer. The file cannot make strangers authors."""
    User = get_user_model()
    names = {guid: name for guid, name in plan.users.items() if name}
    known = {u.username: u for u in User.objects.filter(
        username__in=set(names.values()), memberships__project__memberships__user=importer).distinct()}
    known[importer.username] = importer
    authors = {s.user_guid for s in plan.sources} | {n.user_guid for n in plan.notes.values()} | {
        sel.user_guid for s in plan.sources for sel in s.selections}
    mapping = {}
    for guid, name in plan.users.items():
        user = known.get(name)
        if guid not in authors:
            pass  # a member without work in the file: nothing to attribute
        elif user is not None and user != importer:
            report.note(f"Work of '{name}' in the file is attributed to the account '{user.username}' "
                        "(not added to the project; add them as a member if they should see it).")
        elif user is None:
            report.note(f"Work of '{name or guid}' in the file is attributed to you ({importer.username}): "
                        "no account of that name shares a project with you.")
        mapping[guid] = user or importer
    return mapping


def _variable_targets(plan: ProjectPlan) -> dict[str, set[str]]:
    """Which variables are used on cases and which on sources (-> expert attributes)."""
    used = defaultdict(set)
    for case in plan.cases:
        for value in case.values:
            used[value.variable_guid].add(Attribute.AppliesTo.CASE)
    for source in plan.sources:
        for value in source.values:
            used[value.variable_guid].add(Attribute.AppliesTo.EXPERT)
    return used


def _create_attributes(project, plan: ProjectPlan, actor, report: Report) -> dict[tuple[str, str], Attribute]:
    used = _variable_targets(plan)
    attributes = {}
    for variable in plan.variables.values():
        if variable.meta.get("role") in ROLES:
            continue
        targets = set(used.get(variable.guid, ()))
        if variable.meta.get("applies_to") in Attribute.AppliesTo.values:
            targets.add(variable.meta["applies_to"])
        if not targets:
            report.skip(f"variable '{variable.name}': no case or source has a value for it")
            continue
        kind = variable.meta.get("type")
        if kind not in Attribute.Type.values:
            kind = REFI_TO_TYPE.get(variable.refi_type)
            if kind is None:
                report.skip(f"the type {variable.refi_type!r} of variable '{variable.name}'; imported as text")
                kind = Attribute.Type.TEXT
            elif variable.refi_type == "DateTime":
                report.note(f"Variable '{variable.name}' (date and time) was imported as text.")
        for applies_to in sorted(targets):
            name = variable.name or "Unnamed variable"
            outcome = bool(variable.meta.get("outcome")) and applies_to == Attribute.AppliesTo.CASE and kind in (
                Attribute.Type.BOOLEAN, Attribute.Type.CATEGORICAL)
            attributes[(variable.guid, applies_to)] = attribute_create(
                project=project, name=name[:100], applies_to=applies_to, type=kind,
                choices=variable.meta.get("choices", ()) if kind == Attribute.Type.CATEGORICAL else (),
                is_outcome=outcome, actor=actor)
            report.count("attributes")
    return attributes


def _set_values(owner, values, applies_to, attributes, setter, actor, report: Report, label: str) -> None:
    for value in values:
        attribute = attributes.get((value.variable_guid, applies_to))
        if attribute is None:
            continue
        try:
            attribute_value_clean(attribute, value.text)
            setter(owner, attribute=attribute, value=value.text, actor=actor)
        except ValidationError as error:
            report.skip(f"the value {value.text!r} of '{attribute.name}' for {label}: {_messages(error)}")


def qdpx_import(*, data: bytes, user, project_name: str = "", filename: str = "", skip_unplaced: bool = False,
                progress=None) -> tuple[Project, Report]:
    """Import a .qdpx file into a new project owned by `user`. All or nothing.

    Selections that cannot be placed exactly on their text (report.unplaced) stop the
    import with UnplacedSelections before anything is stored, unless `skip_unplaced`: then
    the rest is imported and each of them is listed as not imported."""
    plan = qdpx_read(data=data, filename=filename, progress=progress)
    return qdpx_store(plan=plan, user=user, project_name=project_name, filename=filename,
                      skip_unplaced=skip_unplaced, progress=progress)


def qdpx_read(*, data: bytes, filename: str = "", progress=None) -> ProjectPlan:
    """The plan of a .qdpx file, read and checked in full; nothing is stored (so a task
    shows its progress before the import's transaction opens)."""
    package = Package(data, label=filename or "The file")
    return read_project(package, progress=(lambda n, total: progress("Reading sources", n, total)) if progress
                        else None)


@transaction.atomic
@case_memberships_refreshed_once()
def qdpx_store(*, plan: ProjectPlan, user, project_name: str = "", filename: str = "", skip_unplaced: bool = False,
               progress=None) -> tuple[Project, Report]:
    """Store a plan read by `qdpx_read` as a new project owned by `user`, in one
    transaction (see qdpx_import)."""
    report = plan.report
    if report.unplaced and not skip_unplaced:
        raise UnplacedSelections(report)
    for line in report.unplaced:
        report.skip(f"a selection not placed exactly: {line}")
    users = _user_map(plan, user, report)

    def who(guid):
        return users.get(guid, user)

    name = " ".join((project_name or plan.name or filename.rsplit(".", 1)[0] or "Imported project").split())[:200]
    try:
        project = project_create(name=name, owner=user, slug=_unique_slug(name), description=plan.description)
    except IntegrityError as error:
        logger.warning("project_create failed for a .qdpx import: %s", error)
        raise ImportRejected("The project could not be created (another project was created with the same address "
                             "at the same moment); import the file again.") from None

    attributes = _create_attributes(project, plan, user, report)

    cases = {}
    taken: set[str] = set()
    for number, case_plan in enumerate(plan.cases, start=1):
        case_name = _unique(case_plan.name or f"Case {number}", taken, 200)
        if case_name != case_plan.name:
            report.note(f"Case '{case_plan.name}' was named '{case_name}'.")
        case = case_create(project=project, name=case_name, description=case_plan.description, actor=user)
        _set_values(case, case_plan.values, Attribute.AppliesTo.CASE, attributes,
                    lambda owner, **kw: case_value_set(case=owner, **kw), user, report, f"case '{case.name}'")
        cases[case_plan.guid] = case
        report.count("cases")

    codes: dict[str, Code] = {}

    def add_codes(items: list[CodePlan], parent):
        siblings: set[str] = set()
        for item in items:
            name = _unique(item.name, siblings, 100)
            if name != item.name[:100]:
                report.note(f"Code '{item.name}' was named '{name}' (two codes of that name under one parent).")
            code = _code_create(project=project, plan=item, parent=parent, actor=user, report=report, name=name)
            codes[item.guid] = code
            report.count("codes")
            add_codes(item.children, code)

    add_codes(plan.codes, None)

    role_guids = {v.guid: v.meta["role"] for v in plan.variables.values() if v.meta.get("role") in ROLES}
    experts: dict[str, object] = {}
    titles: set[str] = set()
    transcripts = {}
    selections = {}  # guid -> (transcript, SelectionPlan)
    case_of_selection = defaultdict(list)
    for case_plan in plan.cases:
        for guid in case_plan.selection_guids:
            case_of_selection[guid].append(cases[case_plan.guid])
    for number, source in enumerate(plan.sources, start=1):
        roles = {role_guids[v.variable_guid]: v.text for v in source.values if v.variable_guid in role_guids}
        pseudonym = roles.get(ROLE_EXPERT, "").strip()[:40]
        other_values = [v for v in source.values if v.variable_guid not in role_guids]
        if not pseudonym and other_values:
            pseudonym = source.name[:40]
            report.note(f"Source '{source.name}' has variables; they belong to a new expert '{pseudonym}'.")
        expert = None
        if pseudonym:
            expert = experts.get(pseudonym)
            if expert is None:
                expert = expert_create(project=project, pseudonym=pseudonym, actor=user,
                                       description=roles.get(ROLE_EXPERT_DESCRIPTION, "")[:300])
                experts[pseudonym] = expert
                report.count("experts")
            _set_values(expert, other_values, Attribute.AppliesTo.EXPERT, attributes,
                        lambda owner, **kw: expert_value_set(expert=owner, **kw), user, report,
                        f"expert '{pseudonym}'")
        title = _unique(source.name, titles, 200)
        transcript = transcript_create(project=project, title=title, text=source.text, expert=expert,
                                       created_by=who(source.user_guid), source_filename=filename[:255],
                                       source_format="qdpx", allow_duplicate=True,
                                       expert_speaker=_expert_speaker(source, roles.get(ROLE_EXPERT_SPEAKER, ""),
                                                                      report))
        transcripts[source.guid] = transcript
        if source.recording is not None:
            _recording_import(transcript, source.recording, user, report)
        for selection in source.selections:
            selections[selection.guid] = (transcript, selection)
        report.count("transcripts")
        if progress:
            progress("Creating transcripts", number, len(plan.sources))

    for case_plan in plan.cases:
        linked = [transcripts[g] for g in case_plan.source_guids if g in transcripts]
        for transcript in linked:
            transcript_cases_set(transcript=transcript,
                                 cases=list(transcript.cases.all()) + [cases[case_plan.guid]], actor=user)
        missing = len(case_plan.source_guids) - len(linked)
        if missing:
            report.skip(f"{missing} source reference(s) of case '{cases[case_plan.guid].name}' to sources not imported")
        lost = sum(1 for guid in case_plan.selection_guids if guid not in selections)
        if lost:
            report.skip(f"{lost} selection reference(s) of case '{cases[case_plan.guid].name}' to selections "
                        "not imported")

    memo_targets = []  # (note guid, target kwargs)
    passages: dict[str, NewSegment] = {}  # selection guid -> the segment to create, all checked before any is written
    for guid, (transcript, selection) in selections.items():
        applied, values = [], {}
        for coding in selection.codings:
            code = codes.get(coding.code_guid)
            if code is None:
                report.skip(f"a coding with a code that is not in the codebook ({coding.code_guid})")
                continue
            if code in applied:
                continue
            applied.append(code)
            for note_guid in coding.note_guids:
                note = plan.notes.get(note_guid)
                if note is not None and note.name == VALUE_NOTE_NAME:
                    value = note.text.strip()
                    if value in code.scale_values:
                        values[code.pk] = value
                    else:
                        report.skip(f"the value {value!r} of a coding of '{code.name}' (not on its scale)")
                elif note is not None:
                    memo_targets.append((note_guid, "segment", guid))
        selection_cases = case_of_selection.get(guid, [])
        if not applied and not selection_cases:
            report.skip(f"a selection in '{transcript.title}' without codes or cases "
                        f"({selection.start}-{selection.end})")
            continue
        passages[guid] = NewSegment(transcript=transcript, start=selection.start, end=selection.end,
                                    coder=who(selection.user_guid), codes=applied, values=values,
                                    cases=selection_cases, memo=selection.memo,
                                    is_case_section=selection.name == CASE_SECTION_NAME or not applied)
        memo_targets += [(note_guid, "segment", guid) for note_guid in selection.note_guids]
    if progress:
        progress("Creating segments", 0, len(passages))
    segments = dict(zip(passages, segments_create_bulk(passages=list(passages.values()), record=True)))
    if segments:
        report.count("segments", len(segments))
    if progress:
        progress("Creating segments", len(passages), len(passages))

    _collect_code_notes(plan.codes, memo_targets)
    for source in plan.sources:
        memo_targets += [(note_guid, "transcript", source.guid) for note_guid in source.note_guids]
    memo_targets += [(note_guid, "case", case_guid) for note_guid, case_guid in plan.case_notes]
    memo_targets += [(note_guid, "project", None) for note_guid in plan.project_note_guids]
    used = {note_guid for note_guid, _, _ in memo_targets}
    for coding_note in (n for s in plan.sources for sel in s.selections for c in sel.codings for n in c.note_guids):
        used.add(coding_note)
    memo_targets += [(guid, "project", None) for guid, note in plan.notes.items()
                     if guid not in used and note.name != VALUE_NOTE_NAME]

    objects = {"segment": segments, "transcript": transcripts, "case": cases, "code": codes}
    for note_guid, kind, target_guid in memo_targets:
        note = plan.notes.get(note_guid)
        if note is None:
            report.skip(f"a reference to a note that is not in the file ({note_guid})")
            continue
        if not note.text.strip():
            report.skip(f"an empty note{' ' + repr(note.name) if note.name else ''}")
            continue
        target = {} if kind == "project" else {kind: objects[kind].get(target_guid)}
        if kind != "project" and target[kind] is None:
            report.skip(f"note '{note.name or note.text[:30]}': the object it is attached to was not imported")
            continue
        memo_create(project=project, author=who(note.user_guid), text=note.text, title=note.name[:200], **target)
        report.count("memos")
    return project, report


def _recording_import(transcript, media: MediaPlan, user, report: Report) -> None:
    """The source's recording, checked like an upload (a file that is not media is reported,
    the rest imported), with its sync points as the turns' timings."""
    try:
        recording_attach(transcript=transcript, upload=SimpleUploadedFile(media.name[:255], media.data), actor=user)
    except ValidationError as error:
        report.skip(f"the recording of '{transcript.title}': {' '.join(error.messages)}.")
        return
    missed = recording_sync_points_apply(transcript=transcript, points=media.sync_points)
    if missed:
        report.skip(f"{missed} sync point{'s' if missed != 1 else ''} of the recording of '{transcript.title}' "
                    "inside turns (Casecoder times whole turns).")


def _expert_speaker(source, speaker: str, report: Report) -> str:
    """The expert's speaker label of a source, if it is one of the speakers of its text."""
    speaker = " ".join(speaker.split())[:100]
    if speaker and speaker not in {turn.speaker for turn in split_turns(source.text)}:
        report.skip(f"the expert speaker '{speaker}' of '{source.name}': no turn of the text has that speaker")
        return ""
    return speaker


def _collect_code_notes(items: list[CodePlan], targets: list) -> None:
    for item in items:
        targets += [(note_guid, "code", item.guid) for note_guid in item.note_guids]
        _collect_code_notes(item.children, targets)


def qdpx_import_or_reject(**kwargs) -> tuple[Project, Report]:
    """qdpx_import, with any refusal of a service turned into ImportRejected with its reason."""
    with refusals_as_import_rejected():
        return qdpx_import(**kwargs)


@contextmanager
def refusals_as_import_rejected():
    """A service's refusal (ValidationError) inside, raised as ImportRejected with its reason."""
    try:
        yield
    except ImportRejected:
        raise
    except ValidationError as error:
        raise ImportRejected(f"The file could not be imported, and nothing was: {_messages(error)}") from error


# --- the confirm step: an upload kept while the user decides ----------------------------------

@transaction.atomic
def qdpx_pending_create(*, user, data: bytes, filename: str, project_name: str = "") -> PendingQdpxImport:
    """Keep an upload whose selections cannot all be placed, until the user imports it
    without them or cancels. The user's earlier waiting uploads, and anyone's older than a
    day, are dropped."""
    PendingQdpxImport.objects.filter(Q(user=user) | Q(created_at__lt=timezone.now() - PENDING_KEPT)).exclude(
        job__status__in=Job.ACTIVE).delete()
    return PendingQdpxImport.objects.create(user=user, data=data, filename=filename[:255],
                                            project_name=project_name[:200])


def qdpx_pending_import(*, pending: PendingQdpxImport) -> tuple[Project, Report]:
    """Import a waiting upload without the selections that cannot be placed; the upload
    is dropped whatever the outcome."""
    try:
        return qdpx_import_or_reject(data=bytes(pending.data), user=pending.user, project_name=pending.project_name,
                                     filename=pending.filename, skip_unplaced=True)
    finally:
        pending.delete()


def qdpx_pending_cancel(*, pending: PendingQdpxImport) -> None:
    """Drop a waiting upload: nothing of it is imported."""
    pending.delete()


# --- the import as a task: queued by the page, run by a worker, its progress in a Job -----------

QDPX_IMPORT = "qdpx_import"


@transaction.atomic
def qdpx_job_create(*, user, data: bytes | None = None, filename: str = "", project_name: str = "",
                    pending: PendingQdpxImport | None = None, skip_unplaced: bool = False) -> Job:
    """Keep an upload (or take a kept one, `pending`) and queue its import for a worker;
    the job and its task are committed together."""
    from .tasks import qdpx_import_task  # the task module imports this one

    if pending is None:
        pending = PendingQdpxImport.objects.create(user=user, data=data, filename=filename[:255],
                                                   project_name=project_name[:200])
    job = job_create(user=user, kind=QDPX_IMPORT, label=f"Import of {pending.filename}"
                     + (" without the passages that cannot be placed" if skip_unplaced else ""))
    job.result = {"skip_unplaced": skip_unplaced}  # what a re-run needs; replaced by the outcome
    job.save(update_fields=["result"])
    pending.job = job
    pending.save(update_fields=["job"])
    qdpx_import_task.enqueue(job_id=job.pk, pending_id=pending.pk, skip_unplaced=skip_unplaced)
    return job


def qdpx_jobs_requeue_abandoned(*, older_than: timedelta) -> list[Job]:
    """Queue again the imports a dead worker left running (no progress for `older_than`):
    their work was rolled back with the worker's connection, and each imports once."""
    from .tasks import qdpx_import_task

    jobs = jobs_requeue_abandoned(older_than=older_than, kind=QDPX_IMPORT)
    uploads = {p.job_id: p.pk for p in PendingQdpxImport.objects.filter(job__in=jobs).only("pk", "job_id")}
    for job in jobs:
        if job.pk in uploads:
            qdpx_import_task.enqueue(job_id=job.pk, pending_id=uploads[job.pk],
                                     skip_unplaced=bool(job.result.get("skip_unplaced")))
        else:
            job_fail(job=job, reason="The uploaded file is no longer kept: upload it again.")
    return jobs


def qdpx_job_run(*, job: Job, pending_id: int, skip_unplaced: bool = False) -> None:
    """Run a queued import: read and check the file (its progress committed as it goes),
    then store it, delete the upload and mark the job done in one transaction. A refusal
    stores nothing and leaves its reason on the job; run again after it ended, it does
    nothing, and after a worker died mid-way, it imports once."""
    if not job_start(job=job):
        return
    pending = PendingQdpxImport.objects.filter(pk=pending_id).first()
    if pending is None:
        job_fail(job=job, reason="The uploaded file is no longer kept (the import was cancelled, or the file is "
                                 "older than a day): upload it again.")
        return

    def progress(step: str, done: int, total: int) -> None:
        job_progress(job=job, step=step, done=done, total=total)

    started = time.perf_counter()
    with job_work(job, what="The import", after_failure="Nothing was stored. Try again, or tell the administrator."):
        try:
            with refusals_as_import_rejected():
                progress("Reading the file", 0, 0)
                plan = qdpx_read(data=bytes(pending.data), filename=pending.filename, progress=progress)
                progress("Storing the project", 0, 0)
                with transaction.atomic():
                    project, report = qdpx_store(plan=plan, user=pending.user, project_name=pending.project_name,
                                                 filename=pending.filename, skip_unplaced=skip_unplaced,
                                                 progress=progress)
                    pending.delete()
                    job_finish(job=job, project=project, result={
                        "summary": report.summary(), "notes": report.notes, "skipped": report.skipped,
                        "seconds": round(time.perf_counter() - started, 1)})
        except UnplacedSelections as refusal:
            job_fail(job=job, reason=" ".join(refusal.messages), result={
                "pending": pending.pk, "unplaced": refusal.report.unplaced, "notes": refusal.report.notes})
        except ImportRejected as refusal:
            pending.delete()
            job_fail(job=job, reason=" ".join(refusal.messages))


# --- exports run by the task worker -------------------------------------------------------------

EXPORT = "export"
EXPORT_IN_BACKGROUND_SEGMENTS = 5_000
"""A project with more coded passages than this is exported by the task worker: the whole
.qdpx or appendix of a 10x project takes seconds, more than a page should wait for."""
APPENDIX, QDPX = "appendix", "qdpx"


@transaction.atomic
def export_job_create(*, user, project: Project, what: str, params: dict[str, list[str]] | None = None) -> Job:
    """Queue the export `what` (APPENDIX with the export form's `params`, or QDPX) of
    `project` for the task worker; the job and its task are committed together."""
    from .tasks import export_task  # the task module imports this one

    if what not in (APPENDIX, QDPX):
        raise ValidationError({"what": f"Unknown export: {what}."})
    cutoff = timezone.now() - timedelta(days=1)
    ExportFile.objects.filter(job__user=user, created_at__lt=cutoff).delete()
    label = "The appendix" if what == APPENDIX else "The REFI-QDA project (.qdpx)"
    job = job_create(user=user, kind=EXPORT, project=project, label=f"{label} of {project.name}")
    job.result = {"what": what, "params": params or {}}  # what a re-run needs; replaced by the outcome
    job.save(update_fields=["result"])
    export_task.enqueue(job_id=job.pk)
    return job


def export_job_run(*, job: Job) -> None:
    """Make the file of a queued export and keep it with the job, in one transaction; the
    user must still be a member of the project, and the appendix's choices still valid."""
    if not job_start(job=job):
        return
    what, params = job.result.get("what"), job.result.get("params") or {}
    project = job.project
    with job_work(job, what="The export"):
        if project is None or membership_for(job.user, project) is None:
            job_fail(job=job, reason="You are no longer a member of the project.")
            return
        job_progress(job=job, step="Reading the coded passages", done=0, total=2)
        query = QueryDict(mutable=True)
        for key, values in params.items():
            query.setlist(key, [str(v) for v in values])
        if what == APPENDIX:
            form = AppendixForm(query, project=project)
            if not form.is_valid():
                job_fail(job=job, reason=" ".join(m for ms in form.errors.values() for m in ms))
                return
            appendix = appendix_data(project=project, selection=form.selection())
            job_progress(job=job, step="Writing the file", done=1, total=2)
            fmt = APPENDIX_FORMATS[form.cleaned_data["format"] or "docx"]
            data = render_appendix(appendix, fmt.key, table_layout=form.cleaned_data["table"])
            filename, content_type = f"{project.slug}-appendix.{fmt.extension}", fmt.content_type
        else:
            out = io.BytesIO()
            job_progress(job=job, step="Writing the file", done=1, total=2)
            write_qdpx(project, out, include_suggested=not QdpxExportForm(query).omits_suggested())
            data, filename, content_type = out.getvalue(), f"{project.slug}.qdpx", "application/zip"
        with transaction.atomic():
            ExportFile.objects.filter(job=job).delete()
            ExportFile.objects.create(job=job, filename=filename, content_type=content_type, data=data)
            job_finish(job=job, project=project, result={"filename": filename, "bytes": len(data)})

