"""Writes a project as REFI-QDA: project.qde (valid against Project-mrt2019.xsd) zipped with
the plain text of every transcript under Sources/, and the codebook alone as .qdc.

A transcript with a recording is also an AudioSource (or VideoSource) whose file goes under
Sources/ and whose Transcript is the same text file as the TextSource (which keeps the
codings, where every tool reads them), with a SyncPoint at the start and the end of each
timed turn: timeStamp in milliseconds, position in code points.

The reads are a fixed number of queries whatever the project's size; the output is
deterministic (objects in id order, fixed zip timestamps), so exporting an unchanged
project twice gives the same bytes.
"""
from __future__ import annotations

import datetime
import shutil
import zipfile
from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.db.models import Q
from lxml import etree

from apps.cases.models import Attribute, Case, CaseValue, ExpertValue
from apps.coding.models import Code, Coding, Memo, Segment
from apps.media.models import Recording
from apps.media.timings import Timeline
from apps.projects.models import Project
from apps.transcripts.models import Transcript, Turn

from ..text import xml_safe
from . import NS_CODEBOOK, NS_PROJECT
from ..selectors import suggestion_origins
from .conventions import (CASE_MEMO_LINK_NAME, CASE_SECTION_NAME, EXPERT_VARIABLES, ROLE_EXPERT,
                          ROLE_EXPERT_DESCRIPTION, ROLE_EXPERT_SPEAKER, SUGGESTION_NOTE_NAME, TYPE_TO_REFI,
                          VALUE_ELEMENTS, VALUE_NOTE_NAME, code_description, role_description, variable_description)
from .guids import Guids

ORIGIN = "Casecoder 0.1"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def when(moment: datetime.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Builder:
    """lxml elements in one namespace, skipping attributes whose value is None."""

    def __init__(self, namespace: str):
        self.ns = namespace

    def __call__(self, parent, tag: str, text: str | None = None, **attributes):
        attrs = {k: str(v) for k, v in attributes.items() if v is not None}
        element = etree.Element(f"{{{self.ns}}}{tag}", attrs, nsmap={None: self.ns}) if parent is None \
            else etree.SubElement(parent, f"{{{self.ns}}}{tag}", attrs)
        if text is not None:
            element.text = xml_safe(text)
        return element


def _alive_codes(project: Project) -> list[Code]:
    return list(Code.objects.filter(project=project, deleted_at__isnull=True).order_by("position", "name", "id"))


def _codes_tree(el, parent, codes: list[Code], guid, notes_by_code=None):
    by_parent: dict[int | None, list[Code]] = defaultdict(list)
    for code in codes:
        by_parent[code.parent_id].append(code)
    alive = {c.pk for c in codes}

    def add(container, code: Code):
        node = el(container, "Code", guid=guid("code", code.pk), name=xml_safe(code.name), isCodable="true",
                  color=code.colour)
        description = code_description(code)
        if description:
            el(node, "Description", description)
        for note_guid in (notes_by_code or {}).get(code.pk, []):
            el(node, "NoteRef", targetGUID=note_guid)
        for child in by_parent.get(code.pk, []):
            add(node, child)

    roots = [c for c in codes if c.parent_id is None or c.parent_id not in alive]
    for code in roots:
        add(parent, code)


def codebook_qdc(project: Project) -> bytes:
    """The codebook as a REFI-QDA .qdc file (valid against Codebook.xsd)."""
    codes = _alive_codes(project)
    if not codes:
        from django.core.exceptions import ValidationError

        raise ValidationError({"codebook": "The codebook is empty: there is nothing to export."})
    el = Builder(NS_CODEBOOK)
    root = el(None, "CodeBook", origin=ORIGIN)
    _codes_tree(el, el(root, "Codes"), codes, Guids(project))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _decimal(value) -> str:
    try:
        return format(Decimal(str(value)), "f")
    except InvalidOperation:
        return str(value)


def _variable_value(el, parent, attribute: Attribute, value, guid):
    if value is None or value == "":
        return
    refi = TYPE_TO_REFI[attribute.type]
    if refi == "Boolean":
        text = "true" if value is True else "false" if value is False else None
    elif refi == "Float":
        text = _decimal(value)
    else:
        text = str(value)
    if text is None:
        return
    node = el(parent, "VariableValue")
    el(node, "VariableRef", targetGUID=guid("variable", attribute.pk))
    el(node, VALUE_ELEMENTS[refi], text)


def project_qde(project: Project, *, progress=None, include_suggested: bool = True) -> tuple[bytes, dict[str, str]]:
    """project.qde and the source files {zip path: text}. About fifteen queries.

    A coding accepted from the suggestion engine refers to a note saying so (engine, version,
    who accepted it); with `include_suggested` False it is left out, and so is its passage
    when nothing else is coded there and no case is linked to it."""
    guid = Guids(project)
    el = Builder(NS_PROJECT)
    User = get_user_model()

    codes = _alive_codes(project)
    code_ids = {c.pk for c in codes}
    attributes = list(Attribute.objects.filter(project=project).order_by("applies_to", "position", "id"))
    cases = list(Case.objects.filter(project=project).prefetch_related("transcripts").order_by("position", "id"))
    case_values = defaultdict(list)
    for value in CaseValue.objects.filter(case__project=project).select_related("attribute").order_by("attribute_id"):
        case_values[value.case_id].append(value)
    transcripts = list(Transcript.objects.filter(project=project).select_related("expert").order_by("id"))
    expert_values = defaultdict(list)
    for value in ExpertValue.objects.filter(expert__project=project).select_related("attribute").order_by(
            "attribute_id"):
        expert_values[value.expert_id].append(value)
    segments = list(Segment.objects.filter(project=project).order_by("transcript_id", "start", "end", "id"))
    codings = defaultdict(list)
    for coding in Coding.objects.filter(content_object__project=project, content_object__deleted_at__isnull=True,
                                        tag__deleted_at__isnull=True).order_by("content_object_id", "id"):
        codings[coding.content_object_id].append(coding)
    origins = suggestion_origins(project=project)
    suggested = {(segment_id, code_id) for segment_id, (code_id, _) in origins.items()}
    omitted = set()  # segments whose every coding was a suggestion left out
    if not include_suggested:
        for segment_id, found in list(codings.items()):
            kept = [c for c in found if (segment_id, c.tag_id) not in suggested]
            if kept:
                codings[segment_id] = kept
            else:
                del codings[segment_id]
                omitted.add(segment_id)
    segment_ids = {s.pk for s in segments}
    transcript_ids = {t.pk for t in transcripts}
    case_ids = {c.pk for c in cases}
    memos = [m for m in Memo.objects.filter(project=project).order_by("id")
             if (m.segment_id is None or m.segment_id in segment_ids) and (m.code_id is None or m.code_id in code_ids)]

    user_ids = {project.created_by_id} | {s.coder_id for s in segments} | {m.author_id for m in memos} | \
        {t.created_by_id for t in transcripts}
    users = list(User.objects.filter(Q(pk__in=user_ids) | Q(memberships__project=project)).distinct().order_by("id"))

    root = el(None, "Project", name=xml_safe(project.name), origin=ORIGIN,
              creatingUserGUID=guid("user", project.created_by_id), creationDateTime=when(project.created_at),
              modifiedDateTime=when(project.updated_at))
    if users:
        node = el(root, "Users")
        for user in users:
            el(node, "User", guid=guid("user", user.pk), name=xml_safe(user.username), id=xml_safe(user.username))

    notes_by = defaultdict(list)  # (kind, id) -> note guids
    for memo in memos:
        target = (("segment", memo.segment_id) if memo.segment_id else ("transcript", memo.transcript_id)
                  if memo.transcript_id else ("case", memo.case_id) if memo.case_id else ("code", memo.code_id)
                  if memo.code_id else ("project", project.pk))
        notes_by[target].append(guid("memo", memo.pk))
    if codes:
        _codes_tree(el, el(el(root, "CodeBook"), "Codes"), codes, guid,
                    {cid: notes for (kind, cid), notes in notes_by.items() if kind == "code"})

    has_experts = any(t.expert_id or t.expert_speaker for t in transcripts)
    if attributes or has_experts:
        node = el(root, "Variables")
        for attribute in attributes:
            variable = el(node, "Variable", guid=guid("variable", attribute.pk), name=xml_safe(attribute.name),
                          typeOfVariable=TYPE_TO_REFI[attribute.type])
            el(variable, "Description", variable_description(attribute))
        if has_experts:
            for role, name in EXPERT_VARIABLES.items():
                variable = el(node, "Variable", guid=guid("role", role), name=name, typeOfVariable="Text")
                el(variable, "Description", role_description(role))

    linked = defaultdict(list)  # case id -> segment ids linked directly (no IN list: any size)
    for segment_id, case_id in (Segment.cases.through.objects.filter(
            segment__project=project, segment__deleted_at__isnull=True)
            .order_by("segment__transcript_id", "segment__start", "segment__end", "segment_id")
            .values_list("segment_id", "case_id")):
        linked[case_id].append(segment_id)
    linked_ids = {segment_id for ids in linked.values() for segment_id in ids}
    if cases:
        node = el(root, "Cases")
        for case in cases:
            case_node = el(node, "Case", guid=guid("case", case.pk), name=xml_safe(case.name))
            if case.description:
                el(case_node, "Description", case.description)
            for value in case_values.get(case.pk, []):
                _variable_value(el, case_node, value.attribute, value.value, guid)
            for transcript in sorted(case.transcripts.all(), key=lambda t: t.pk):
                el(case_node, "SourceRef", targetGUID=guid("source", transcript.pk))
            for segment_id in linked.get(case.pk, []):
                el(case_node, "SelectionRef", targetGUID=guid("selection", segment_id))

    files: dict[str, str] = {}
    value_notes = []  # (guid, coding)
    suggestion_notes = []  # segments whose coding began as an accepted suggestion
    by_transcript = defaultdict(list)
    for segment in segments:
        by_transcript[segment.transcript_id].append(segment)
    if transcripts:
        node = el(root, "Sources")
        for number, transcript in enumerate(transcripts, start=1):
            source_guid = guid("source", transcript.pk)
            source = el(node, "TextSource", guid=source_guid, name=xml_safe(transcript.title),
                        plainTextPath=f"internal://{source_guid}.txt",
                        creatingUser=guid("user", transcript.created_by_id),
                        creationDateTime=when(transcript.created_at), modifiedDateTime=when(transcript.updated_at))
            files[f"Sources/{source_guid}.txt"] = transcript.text
            for segment in by_transcript.get(transcript.pk, []):
                if segment.pk in omitted and segment.pk not in linked_ids:
                    continue
                # Code points with an exclusive end, as the standard says; NVivo's UTF-16 units
                # are only ever read (positions.py), never written.
                selection = el(source, "PlainTextSelection", guid=guid("selection", segment.pk),
                               name=CASE_SECTION_NAME if segment.is_case_section else None,
                               startPosition=segment.start, endPosition=segment.end,
                               creatingUser=guid("user", segment.coder_id),
                               creationDateTime=when(segment.created_at), modifiedDateTime=when(segment.updated_at))
                if segment.memo:
                    el(selection, "Description", segment.memo)
                for coding in codings.get(segment.pk, []):
                    if coding.tag_id not in code_ids:
                        continue
                    coding_node = el(selection, "Coding", guid=guid("coding", coding.pk),
                                     creatingUser=guid("user", segment.coder_id),
                                     creationDateTime=when(coding.created_at))
                    el(coding_node, "CodeRef", targetGUID=guid("code", coding.tag_id))
                    if coding.value:
                        el(coding_node, "NoteRef", targetGUID=guid("value", coding.pk))
                        value_notes.append((segment, coding))
                    if (segment.pk, coding.tag_id) in suggested:
                        el(coding_node, "NoteRef", targetGUID=guid("suggestion", segment.pk))
                        suggestion_notes.append(segment)
                for note_guid in notes_by.get(("segment", segment.pk), []):
                    el(selection, "NoteRef", targetGUID=note_guid)
            for note_guid in notes_by.get(("transcript", transcript.pk), []):
                el(source, "NoteRef", targetGUID=note_guid)
            expert = transcript.expert
            for role, text in ((ROLE_EXPERT, expert.pseudonym if expert else ""),
                               (ROLE_EXPERT_DESCRIPTION, expert.description if expert else ""),
                               (ROLE_EXPERT_SPEAKER, transcript.expert_speaker)):
                if text:
                    value = el(source, "VariableValue")
                    el(value, "VariableRef", targetGUID=guid("role", role))
                    el(value, "TextValue", text)
            if expert:
                for value in expert_values.get(expert.pk, []):
                    _variable_value(el, source, value.attribute, value.value, guid)
            if progress:
                progress(number, len(transcripts))
        _media_sources(el, node, project, guid, files)

    if memos or value_notes or suggestion_notes:
        node = el(root, "Notes")
        for memo in memos:
            note = el(node, "Note", guid=guid("memo", memo.pk), name=xml_safe(memo.title) or None,
                      creatingUser=guid("user", memo.author_id), creationDateTime=when(memo.created_at),
                      modifiedDateTime=when(memo.updated_at))
            el(note, "PlainTextContent", memo.text)
        for segment, coding in value_notes:
            note = el(node, "Note", guid=guid("value", coding.pk), name=VALUE_NOTE_NAME,
                      creatingUser=guid("user", segment.coder_id), creationDateTime=when(coding.created_at))
            el(note, "PlainTextContent", coding.value)
        for segment in suggestion_notes:
            note = el(node, "Note", guid=guid("suggestion", segment.pk), name=SUGGESTION_NOTE_NAME,
                      creatingUser=guid("user", segment.coder_id), creationDateTime=when(segment.created_at))
            el(note, "PlainTextContent", origins[segment.pk][1])

    case_links = [(note_guid, case_id) for (kind, case_id), note_guids in notes_by.items() if kind == "case"
                  and case_id in case_ids for note_guid in note_guids]
    if case_links:
        node = el(root, "Links")
        for note_guid, case_id in case_links:
            el(node, "Link", guid=guid("link", note_guid), name=CASE_MEMO_LINK_NAME, direction="OneWay",
               originGUID=note_guid, targetGUID=guid("case", case_id))
    if project.description:
        el(root, "Description", project.description)
    for note_guid in notes_by.get(("project", project.pk), []):
        el(root, "NoteRef", targetGUID=note_guid)
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return xml, files


def _media_sources(el, node, project: Project, guid, files: dict) -> None:
    """An AudioSource or VideoSource per recording, after the text sources; two queries."""
    recordings = list(Recording.objects.filter(transcript__project=project).order_by("transcript_id"))
    if not recordings:
        return
    turns: dict[int, list[Turn]] = defaultdict(list)
    for turn in (Turn.objects.filter(transcript__project=project).exclude(meta={})
                 .only("transcript_id", "number", "start", "end", "meta").order_by("transcript_id", "number")):
        turns[turn.transcript_id].append(turn)
    for recording in recordings:
        media_guid = guid("recording", recording.pk)
        source_guid = guid("source", recording.transcript_id)
        kind = "VideoSource" if recording.kind == Recording.Kind.VIDEO else "AudioSource"
        media = el(node, kind, guid=media_guid, name=xml_safe(recording.original_name or recording.format),
                   path=f"internal://{media_guid}.{recording.format}",
                   creationDateTime=when(recording.uploaded_at))
        files[f"Sources/{media_guid}.{recording.format}"] = recording.file
        transcript = el(media, "Transcript", guid=guid("recording-transcript", recording.pk),
                        plainTextPath=f"internal://{source_guid}.txt")
        for turn in Timeline(turns.get(recording.transcript_id, []), duration=recording.duration).turns:
            el(transcript, "SyncPoint", guid=guid("sync", f"{turn.number}:start:{recording.pk}"),
               timeStamp=round(turn.begins * 1000), position=turn.start)
            el(transcript, "SyncPoint", guid=guid("sync", f"{turn.number}:end:{recording.pk}"),
               timeStamp=round(turn.ends * 1000), position=turn.end)


def write_qdpx(project: Project, out, *, progress=None, include_suggested: bool = True) -> dict:
    """Write project.qde and Sources/ as a .qdpx zip into the binary file `out`. A
    recording is copied from its storage in chunks, stored as it is (already compressed)."""
    xml, files = project_qde(project, progress=progress, include_suggested=include_suggested)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("project.qde", ZIP_TIME), xml, compress_type=zipfile.ZIP_DEFLATED)
        for path in sorted(files):
            content = files[path]
            if isinstance(content, str):
                archive.writestr(zipfile.ZipInfo(path, ZIP_TIME), content.encode("utf-8"),
                                 compress_type=zipfile.ZIP_DEFLATED)
                continue
            info = zipfile.ZipInfo(path, ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.file_size = content.size
            with content.storage.open(content.name, "rb") as source, archive.open(info, "w") as target:
                shutil.copyfileobj(source, target, 1024 * 1024)
    return {"sources": len(files), "bytes": len(xml)}
