"""Reads REFI-QDA project and codebook files into plans: plain data checked in full before
anything is stored. Liberal in what it accepts (files written by QualCoder, ATLAS.ti,
MAXQDA, NVivo and others): elements it cannot map are listed in the report, not fatal.
Fatal, with a clear message: not a zip, no project.qde, XML that is not well-formed or
declares a DTD, a zip bomb.

Text positions are read in the unit the file was written in (positions.py decides it from
the evidence in the file, and the report says which and why); a selection that cannot be
placed exactly is listed in Report.unplaced with its source and text, and the import
stops there unless the user chooses to import without those selections.

An AudioSource or VideoSource whose Transcript is the text of one of the TextSources (the
same plainTextPath, as Casecoder writes it) becomes that transcript's recording, and its
SyncPoints the turns' timings (a point at a turn's start or end; others are reported).
Other media sources are listed as not imported, with their codings.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from charset_normalizer import from_bytes

from apps.transcripts.text import normalise_text

from .conventions import code_fields, variable_meta
from .positions import CODE_POINTS, Reading, Selection, SourceText, decide_file, describe, name_key, name_matches
from .safe import ImportRejected, Package, local, parse_xml

MAX_CODE_DEPTH = 64


@dataclass
class Report:
    """What an import did, and what it could not map."""

    created: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)  # selections that cannot be placed exactly

    def count(self, what: str, n: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + n

    def skip(self, message: str) -> None:
        if message not in self.skipped:
            self.skipped.append(message)

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)

    def summary(self) -> str:
        parts = [f"{n} {what}" for what, n in self.created.items() if n]
        return ", ".join(parts) if parts else "nothing"

    def lines(self) -> list[str]:
        return [f"Imported: {self.summary()}."] + self.notes + [f"Skipped: {s}" for s in self.skipped]

    def unplaced_lines(self) -> list[str]:
        return [f"Not placed exactly: {line}" for line in self.unplaced]


@dataclass
class CodePlan:
    guid: str
    name: str
    colour: str
    fields: dict
    note_guids: list[str] = field(default_factory=list)
    children: list["CodePlan"] = field(default_factory=list)


@dataclass
class VariablePlan:
    guid: str
    name: str
    refi_type: str
    meta: dict


@dataclass
class Value:
    variable_guid: str
    refi_type: str  # the element: Text, Boolean, Integer, Float, Date, DateTime
    text: str


@dataclass
class CodingPlan:
    code_guid: str
    note_guids: list[str]


@dataclass
class SelectionPlan:
    guid: str
    name: str
    start: int
    end: int
    user_guid: str
    memo: str
    codings: list[CodingPlan]
    note_guids: list[str]


@dataclass
class MediaPlan:
    """A recording of a text source: the file's bytes and name, and its sync points as
    (position in code points, seconds)."""

    name: str
    data: bytes
    sync_points: list[tuple[int, float]]


@dataclass
class SourcePlan:
    guid: str
    name: str
    text: str  # normalised as Casecoder stores it; selections index into it
    user_guid: str
    selections: list[SelectionPlan]
    note_guids: list[str]
    values: list[Value]
    recording: MediaPlan | None = None


@dataclass
class CasePlan:
    guid: str
    name: str
    description: str
    values: list[Value]
    source_guids: list[str]
    selection_guids: list[str]


@dataclass
class NotePlan:
    guid: str
    name: str
    text: str
    user_guid: str


@dataclass
class ProjectPlan:
    name: str
    description: str
    users: dict[str, str]
    codes: list[CodePlan]
    variables: dict[str, VariablePlan]
    cases: list[CasePlan]
    sources: list[SourcePlan]
    notes: dict[str, NotePlan]
    project_note_guids: list[str]
    case_notes: list[tuple[str, str]]  # (note guid, case guid)
    report: Report


def children(element, name: str) -> list:
    return [child for child in element if local(child.tag) == name]


def child(element, name: str):
    for node in element:
        if local(node.tag) == name:
            return node
    return None


def text_of(element, name: str) -> str:
    node = child(element, name)
    return (node.text or "") if node is not None else ""


def refs(element, name: str) -> list[str]:
    return [norm_guid(node.get("targetGUID", "")) for node in children(element, name) if node.get("targetGUID")]


def norm_guid(value: str) -> str:
    return (value or "").strip().strip("{}").lower()


def unknown(element, known: set[str], where: str, report: Report) -> None:
    for node in element:
        name = local(node.tag)
        if name and name not in known:
            report.skip(f"<{name}> in {where}: not an element Casecoder can map.")


def colour_of(value: str | None) -> str:
    """#rrggbb from #rgb or #rrggbb; "" for no colour or an unreadable one, so that the code
    gets a colour far from the others' (apps.coding.services.code_create)."""
    value = (value or "").strip()
    if len(value) == 4 and value.startswith("#") and all(c in "0123456789abcdefABCDEF" for c in value[1:]):
        return "#" + "".join(c * 2 for c in value[1:]).lower()
    if len(value) == 7 and value.startswith("#") and all(c in "0123456789abcdefABCDEF" for c in value[1:]):
        return value.lower()
    return ""


def read_codes(container, report: Report, depth: int = 0, *, with_notes: bool = True) -> list[CodePlan]:
    """Code elements (nested) of a CodeBook/Codes or of a Code."""
    if depth > MAX_CODE_DEPTH:
        raise ImportRejected(f"The codebook is nested more than {MAX_CODE_DEPTH} levels deep.")
    plans = []
    for node in children(container, "Code"):
        unknown(node, {"Description", "NoteRef", "Code"}, "a Code", report)
        name = " ".join((node.get("name") or "").split())
        if not name:
            report.skip(f"a code without a name (guid {node.get('guid', '?')}) and its sub-codes")
            continue
        fields = code_fields(text_of(node, "Description"))
        plans.append(CodePlan(guid=norm_guid(node.get("guid", "")), name=name, colour=colour_of(node.get("color")),
                              fields=fields, note_guids=refs(node, "NoteRef") if with_notes else [],
                              children=read_codes(node, report, depth + 1, with_notes=with_notes)))
    return plans


def read_codebook_file(data: bytes, *, label: str = "The codebook") -> tuple[list[CodePlan], Report]:
    """Codes of a .qdc file (or of the CodeBook in a project.qde)."""
    report = Report()
    root = parse_xml(data, what=label)
    if local(root.tag) == "Project":
        root = child(root, "CodeBook")
        if root is None:
            raise ImportRejected(f"{label} is a REFI-QDA project without a codebook.")
    elif local(root.tag) != "CodeBook":
        raise ImportRejected(f"{label} is not a REFI-QDA codebook: its root element is <{local(root.tag)}>, "
                             "not <CodeBook>.")
    unknown(root, {"Codes", "Sets"}, "the CodeBook", report)
    sets = child(root, "Sets")
    if sets is not None and len(sets):
        report.skip(f"{len(children(sets, 'Set'))} code set(s): Casecoder has no code sets.")
    codes = child(root, "Codes")
    if codes is None:
        report.skip("the file has no <Codes> element")
        return [], report
    return read_codes(codes, report, with_notes=False), report


# --- text and offsets --------------------------------------------------------------------

def decode(data: bytes, *, name: str, report: Report) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        best = from_bytes(data).best()
        if best is None:
            raise ImportRejected(f"The text of '{name}' is neither UTF-8 nor any encoding that can be recognised.")
        report.note(f"The text of '{name}' was not UTF-8; read as {best.encoding}.")
        return str(best)


def normalise_with_offsets(raw: str) -> tuple[str, list[int]]:
    """The stored form of `raw` (apps.transcripts.text.normalise_text) and, for every
    offset 0..len(raw), the offset it becomes in the stored form. The steps are those of
    normalise_text, each with its offset map; the result is checked against it."""
    stored = normalise_text(raw)
    if stored == raw:
        return stored, list(range(len(raw) + 1))
    # 1. line ends: CRLF and the other Unicode line breaks become "\n"
    breaks = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    step: list[str] = []
    map1 = [0] * (len(raw) + 1)
    i = 0
    while i < len(raw):
        map1[i] = len(step)
        if raw[i] == "\r" and i + 1 < len(raw) and raw[i + 1] == "\n":
            map1[i + 1] = len(step)
            i += 1
        step.append("\n" if raw[i] in breaks else raw[i])
        i += 1
    map1[len(raw)] = len(step)
    text1 = "".join(step)
    # 2. NFC, cluster by cluster (a starter and the combining marks after it)
    text2, map2 = text1, None
    if not unicodedata.is_normalized("NFC", text1):
        pieces, map2 = [], [0] * (len(text1) + 1)
        j = length = 0
        while j < len(text1):
            k = j + 1
            while k < len(text1) and unicodedata.combining(text1[k]):
                k += 1
            piece = unicodedata.normalize("NFC", text1[j:k])
            for m in range(j, k):
                map2[m] = length
            pieces.append(piece)
            length += len(piece)
            j = k
        map2[len(text1)] = length
        text2 = "".join(pieces)
    # 3. trailing whitespace of each line cut
    map3 = _line_map(text2)
    text3 = "\n".join(line.rstrip() for line in text2.split("\n"))
    # 4. leading BOMs and blank lines, trailing blank lines
    lead = len(text3) - len(text3.lstrip("\ufeff\n"))
    if text3[lead:].rstrip("\n") != stored:
        raise ImportRejected("A source's text could not be normalised together with its offsets (unusual Unicode "
                             "composition); normalise it to NFC and import again. Nothing was imported.")
    mapping = []
    for n in range(len(raw) + 1):
        offset = map1[n]
        if map2 is not None:
            offset = map2[offset]
        mapping.append(min(max(map3[offset] - lead, 0), len(stored)))
    return stored, mapping


def _line_map(text: str) -> list[int]:
    """Offsets of `text` after trailing whitespace is cut from each line."""
    mapping = [0] * (len(text) + 1)
    new_length = 0
    line_start = 0
    while True:
        line_end = text.find("\n", line_start)
        if line_end < 0:
            line_end = len(text)
        content_end = line_start + len(text[line_start:line_end].rstrip())
        for m in range(line_start, line_end + 1):
            mapping[m] = new_length + (min(m, content_end) - line_start)
        new_length += content_end - line_start + 1  # content and the "\n"
        if line_end == len(text):
            break
        line_start = line_end + 1
    return mapping


# --- the project ----------------------------------------------------------------------------

PROJECT_CHILDREN = {"Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Links", "Sets", "Graphs",
                    "Description", "NoteRef"}
SOURCE_CHILDREN = {"Description", "PlainTextContent", "PlainTextSelection", "Coding", "NoteRef", "VariableValue"}
VALUE_TYPES = {"TextValue": "Text", "BooleanValue": "Boolean", "IntegerValue": "Integer", "FloatValue": "Float",
               "DateValue": "Date", "DateTimeValue": "DateTime"}


def read_values(element) -> list[Value]:
    values = []
    for node in children(element, "VariableValue"):
        ref = child(node, "VariableRef")
        if ref is None or not ref.get("targetGUID"):
            continue
        for value_node in node:
            kind = VALUE_TYPES.get(local(value_node.tag))
            if kind and value_node.text is not None:
                values.append(Value(norm_guid(ref.get("targetGUID")), kind, value_node.text.strip()))
    return values


def _plain_text(node, package: Package, name: str, report: Report) -> tuple[str | None, str]:
    """A source's or note's text, inline (PlainTextContent) or in the archive
    (plainTextPath="internal://..."): the text (None where neither holds it) and the path."""
    inline = child(node, "PlainTextContent")
    if inline is not None and inline.text:
        return inline.text, ""
    path = (node.get("plainTextPath") or "").strip()
    if path.lower().startswith("internal://"):
        member = package.find("Sources/" + path[len("internal://"):])
        if member is not None:
            return decode(package.read(member), name=name, report=report), path
    return None, path


def _source_text(node, package: Package, name: str, report: Report) -> str | None:
    text, path = _plain_text(node, package, name, report)
    if text is None and path.lower().startswith("internal://"):
        raise ImportRejected(f"The text of source '{name}' ({path}) is missing from the archive.")
    if text is not None:
        return text
    if path:
        why = f"its text is outside the archive ({path}); only internal:// texts are read"
    else:
        why = "it has no plain text (only rich text or nothing)"
    report.skip(f"source '{name}': {why}{_codings_lost(node)}.")
    return None


def _codings_in(node, *, keep: str | None = None) -> tuple[int, int]:
    """(codings, selections) a source carries, leaving out its child element `keep`."""
    codings = selections = 0
    for element in node:
        if local(element.tag) == keep:
            continue
        for inner in element.iter():  # the element itself first
            tag = local(inner.tag)
            codings += tag == "Coding"
            selections += tag.endswith("Selection")
    return codings, selections


def _codings_lost(node, *, keep: str | None = None) -> str:
    """", with its N codings on M selections, not imported" for what a skipped source
    (or the parts of it other than `keep`) carries; "" when it carries no codings."""
    codings, selections = _codings_in(node, keep=keep)
    if not codings:
        return ""
    return (f", with its {codings} coding{'s' if codings != 1 else ''} on {selections} "
            f"selection{'s' if selections != 1 else ''}, not imported")


@dataclass
class RawSource:
    """A text source as the file has it: its text before normalisation and its selections
    with their positions as written, before the unit of the positions is decided."""

    node: object
    guid: str
    name: str
    raw: str
    selections: list[tuple[object, Selection]]


def collect_source(node, package: Package, report: Report, *, name: str | None = None) -> RawSource | None:
    name = " ".join((name or node.get("name") or "").split()) or "Untitled source"
    unknown(node, SOURCE_CHILDREN, f"source '{name}'", report)
    raw = _source_text(node, package, name, report)
    if raw is None:
        return None
    selections = []
    for sel in children(node, "PlainTextSelection"):
        unknown(sel, {"Description", "Coding", "NoteRef"}, f"a selection of '{name}'", report)
        try:
            start, end = int(sel.get("startPosition", "")), int(sel.get("endPosition", ""))
        except ValueError:
            raise ImportRejected(f"Selection {norm_guid(sel.get('guid', '')) or '?'} in source '{name}' has no valid "
                                 "startPosition/endPosition.")
        selections.append((sel, Selection(start, end, sel.get("name") or "")))
    return RawSource(node=node, guid=norm_guid(node.get("guid", "")), name=name, raw=raw, selections=selections)


def _quoted(text: str, limit: int = 60) -> str:
    words = " ".join(text.split())
    return f"“{words[:limit]}…”" if len(words) > limit else f"“{words}”"


def place_source(source: RawSource, positions: SourceText, reading: Reading, report: Report, *,
                 names_are_text: bool, code_names: dict[str, str]) -> SourcePlan | None:
    """The plan of a source whose positions are read as `reading`; selections that cannot
    be placed exactly go to report.unplaced, with their source and text."""
    text, mapping = normalise_with_offsets(source.raw)
    name = source.name
    if not text.strip():
        report.skip(f"source '{name}': its text is empty{_codings_lost(source.node)}.")
        return None
    if children(source.node, "Coding"):
        report.skip(f"source '{name}': codings of the whole source (Casecoder codes passages, not whole sources).")
    length = len(source.raw) if reading.unit == CODE_POINTS else positions.utf16_length
    selections = []
    for sel, written in source.selections:
        guid = norm_guid(sel.get("guid", ""))
        codings = []
        for coding in children(sel, "Coding"):
            code_guid = refs(coding, "CodeRef")
            if code_guid:
                codings.append(CodingPlan(code_guid[0], refs(coding, "NoteRef")))
        span = positions.span(written, reading)
        problem = None
        if span is None:
            first, last = sorted((written.start, written.end))
            if 0 <= first and last + reading.inclusive_end <= length:
                problem = "one of its ends falls inside a character outside the Basic Multilingual Plane"
            else:
                problem = (f"it points outside its text: {written.start}-{written.end}, but the text has {length} "
                           f"{reading.unit}")
            shown = written.name or source.raw[max(0, min(first, len(source.raw))):max(0, min(last, len(source.raw)))]
        else:
            shown = source.raw[span[0]:span[1]]
            if names_are_text and name_key(written.name) and not name_matches(written.name, shown):
                problem = f"the text at those positions is {_quoted(shown)}, not what its name says"
                shown = written.name
        if problem:
            coded = sorted({code_names.get(c.code_guid, "?") for c in codings})
            report.unplaced.append(
                f"'{name}', selection {written.start}-{written.end} {_quoted(shown) if shown.strip() else '(no text)'}"
                f"{' coded ' + ', '.join(repr(c) for c in coded) if coded else ''}: {problem}.")
            continue
        new_start, new_end = mapping[span[0]], mapping[span[1]]
        if new_start >= new_end:
            report.skip(f"an empty selection ({written.start}-{written.end}) in '{name}'.")
            continue
        selections.append(SelectionPlan(
            guid=guid, name=written.name, start=new_start, end=new_end,
            user_guid=norm_guid(sel.get("creatingUser", "")), memo=text_of(sel, "Description").strip(),
            codings=codings, note_guids=refs(sel, "NoteRef")))
    node = source.node
    return SourcePlan(guid=source.guid, name=name, text=text, user_guid=norm_guid(node.get("creatingUser", "")),
                      selections=selections, note_guids=refs(node, "NoteRef"), values=read_values(node))


UNSUPPORTED_KINDS = {"PDFSource": "PDF", "PictureSource": "picture", "AudioSource": "audio", "VideoSource": "video"}


def place_sources(raw_sources: list[RawSource], *, origin: str, codes: list[CodePlan], report: Report
                  ) -> list[SourcePlan]:
    """Decide the unit of the file's positions (positions.py), say so in the report, and
    place every selection in its source."""
    texts = [(SourceText(s.raw), [written for _, written in s.selections]) for s in raw_sources]
    decision, per_source = decide_file(texts, origin=origin)
    chosen = decision.evidence.get(decision.reading)
    usable = sum(1 for _, selections in texts for s in selections if name_key(s.name))
    names_are_text = bool(usable) and chosen is not None and chosen.named * 2 > usable
    if any(selections for _, selections in texts):
        report.note(f"Text positions were {describe(decision.reading, decision.unit_matters)}. Why: "
                    f"{decision.reason}.")
        if not decision.clear:
            report.note("The evidence for that reading is thin: check a few coded passages against the other tool.")
    code_names: dict[str, str] = {}
    _code_names(codes, code_names)
    plans = []
    for source, (positions, _), own in zip(raw_sources, texts, per_source):
        reading = decision.reading
        if own is not None:
            reading = own.reading
            report.note(f"In source '{source.name}', unlike the rest of the file, text positions were "
                        f"{describe(reading, own.unit_matters)}. Why: {own.reason}.")
        plan = place_source(source, positions, reading, report, names_are_text=names_are_text,
                            code_names=code_names)
        if plan is not None:
            plans.append(plan)
    return plans


def _code_names(plans: list[CodePlan], out: dict[str, str]) -> None:
    for plan in plans:
        out[plan.guid] = plan.name
        _code_names(plan.children, out)


def read_project(package: Package, *, progress=None) -> ProjectPlan:
    """The plan of a .qdpx package; ImportRejected if it cannot be imported at all."""
    report = Report()
    root = parse_xml(package.read(package.project_member()), what="project.qde")
    if local(root.tag) != "Project":
        raise ImportRejected(f"project.qde is not a REFI-QDA project: its root element is <{local(root.tag)}>.")
    unknown(root, PROJECT_CHILDREN, "the Project", report)

    users = {}
    users_node = child(root, "Users")
    if users_node is not None:
        for user in children(users_node, "User"):
            users[norm_guid(user.get("guid", ""))] = (user.get("name") or user.get("id") or "").strip()

    codebook = child(root, "CodeBook")
    codes_node = child(codebook, "Codes") if codebook is not None else None
    codes = read_codes(codes_node, report) if codes_node is not None else []

    variables = {}
    variables_node = child(root, "Variables")
    if variables_node is not None:
        for node in children(variables_node, "Variable"):
            guid = norm_guid(node.get("guid", ""))
            variables[guid] = VariablePlan(guid=guid, name=" ".join((node.get("name") or "").split()),
                                           refi_type=node.get("typeOfVariable") or "Text",
                                           meta=variable_meta(text_of(node, "Description")))

    cases = []
    cases_node = child(root, "Cases")
    if cases_node is not None:
        for node in children(cases_node, "Case"):
            if children(node, "CodeRef"):
                report.skip(f"codes attached to case '{node.get('name', '')}' as a whole (CodeRef in a Case).")
            unknown(node, {"Description", "CodeRef", "VariableValue", "SourceRef", "SelectionRef"}, "a Case",
                    report)
            cases.append(CasePlan(guid=norm_guid(node.get("guid", "")), name=" ".join((node.get("name") or "").split()),
                                  description=text_of(node, "Description"), values=read_values(node),
                                  source_guids=refs(node, "SourceRef"), selection_guids=refs(node, "SelectionRef")))

    raw_sources = []
    media_nodes = []  # AudioSource / VideoSource: matched with the text sources once placed
    lost = 0  # codings on sources (or parts of sources) Casecoder does not hold
    sources_node = child(root, "Sources")
    if sources_node is not None:
        nodes = list(sources_node)
        for number, node in enumerate(nodes, start=1):
            kind = local(node.tag)
            name = node.get("name", "")
            if kind == "TextSource":
                raw = collect_source(node, package, report)
            elif kind == "PDFSource" and child(node, "Representation") is not None:
                raw = collect_source(child(node, "Representation"), package, report, name=name)
                if raw is not None:
                    raw.guid = norm_guid(node.get("guid", "")) or raw.guid
                    report.note(f"PDF source '{raw.name}' was imported as its plain-text representation.")
                    lost += _codings_in(node, keep="Representation")[0]
                    if _codings_lost(node, keep="Representation"):
                        report.skip(f"PDFSource '{raw.name}': the codings of its pages"
                                    f"{_codings_lost(node, keep='Representation')} (Casecoder holds its text, "
                                    "not its pages).")
            elif kind in ("AudioSource", "VideoSource") and child(node, "Transcript") is not None:
                raw = None
                media_nodes.append(node)
            else:
                raw = None
                lost += _codings_in(node)[0]
                what = UNSUPPORTED_KINDS.get(kind)
                report.skip(f"{kind} '{name}'{_codings_lost(node)}: Casecoder imports text sources only"
                            f"{f', not {what} sources' if what else ''}.")
            if raw is not None:
                raw_sources.append(raw)
            if progress:
                progress(number, len(nodes))
    sources = place_sources(raw_sources, origin=root.get("origin") or "", codes=codes, report=report)
    lost += _attach_media(media_nodes, raw_sources, sources, package, report)
    if lost:
        report.note(f"{lost} coding{'s' if lost != 1 else ''} on sources Casecoder does not hold (PDF pages, "
                    "pictures, audio, video) were not imported; each source is listed under Not imported.")

    notes = {}
    notes_node = child(root, "Notes")
    if notes_node is not None:
        for node in children(notes_node, "Note"):
            guid = norm_guid(node.get("guid", ""))
            text = _note_text(node, package, report)
            notes[guid] = NotePlan(guid=guid, name=(node.get("name") or "").strip(), text=text,
                                   user_guid=norm_guid(node.get("creatingUser", "")))

    case_guids = {c.guid for c in cases}
    case_notes = []
    links_node = child(root, "Links")
    if links_node is not None:
        for link in children(links_node, "Link"):
            origin, target = norm_guid(link.get("originGUID", "")), norm_guid(link.get("targetGUID", ""))
            if origin in notes and target in case_guids:
                case_notes.append((origin, target))
            elif target in notes and origin in case_guids:
                case_notes.append((target, origin))
            else:
                report.skip(f"a link{' ' + repr(link.get('name')) if link.get('name') else ''} between objects "
                            "other than a note and a case.")
    for name in ("Sets", "Graphs"):
        node = child(root, name)
        if node is not None and len(node):
            report.skip(f"{len(node)} {name.lower()[:-1]}(s) of <{name}>: Casecoder has no {name.lower()}.")
    return ProjectPlan(name=" ".join((root.get("name") or "").split()), description=text_of(root, "Description"),
                       users=users, codes=codes, variables=variables, cases=cases, sources=sources, notes=notes,
                       project_note_guids=refs(root, "NoteRef"), case_notes=case_notes, report=report)


def _attach_media(nodes: list, raw_sources: list[RawSource], sources: list[SourcePlan], package: Package,
                  report: Report) -> int:
    """Each media source whose Transcript is a text source's text becomes its recording;
    returns the number of codings on the media themselves, which are not imported."""
    by_path = {(raw.node.get("plainTextPath") or "").strip().lower(): raw.guid for raw in raw_sources
               if (raw.node.get("plainTextPath") or "").strip()}
    plans = {s.guid: s for s in sources}
    lost = 0
    for node in nodes:
        kind, name = local(node.tag), " ".join((node.get("name") or "").split()) or "a recording"
        transcript = child(node, "Transcript")
        plan = plans.get(by_path.get((transcript.get("plainTextPath") or "").strip().lower(), ""))
        path = (node.get("path") or "").strip()
        member = package.find("Sources/" + path[len("internal://"):]) if path.lower().startswith("internal://") \
            else None
        lost += _codings_in(node)[0]  # codings on the recording or its transcript's selections: never imported
        if plan is None or member is None or plan.recording is not None:
            why = ("its transcript is not one of the text sources (Casecoder keeps a recording with the text "
                   "source it transcribes)" if plan is None
                   else f"its file ({path or 'no path'}) is not in the package" if member is None
                   else f"source '{plan.name}' has a recording already")
            report.skip(f"{kind} '{name}'{_codings_lost(node)}: {why}.")
            continue
        if _codings_in(node)[0]:
            report.skip(f"{kind} '{name}'{_codings_lost(node)} (codings on the recording itself; the recording "
                        "and its timings were imported).")
        points = []
        for point in children(transcript, "SyncPoint"):
            try:
                points.append((int(point.get("position", "")), int(point.get("timeStamp", "")) / 1000))
            except ValueError:
                report.skip(f"a sync point of {kind} '{name}' without a position or a time stamp.")
        plan.recording = MediaPlan(name=node.get("name") or member.rsplit("/", 1)[-1], data=package.read(member),
                                   sync_points=points)
        report.count("recordings")
    return lost


def _note_text(node, package: Package, report: Report) -> str:
    text, _path = _plain_text(node, package, node.get("name") or "a note", report)
    return text if text is not None else text_of(node, "Description")

