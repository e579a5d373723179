"""The codebook on its own: DOCX, Markdown, CSV and REFI-QDA .qdc out; .qdc and CSV in.

Renderers take the entries of selectors.codebook_entries and return bytes. Readers turn
a file into CodePlans (the same plans the .qdpx import uses); services.codebook_import
merges them into a project.
"""
from __future__ import annotations

import csv
import io

from apps.coding.models import Code
from apps.projects.escaping import markdown_escape, xml_safe
from apps.projects.spreadsheets import csv_file

from .appendix import Format, Writer, docx_document
from .refiqda.reader import CodePlan, Report, colour_of, decode, read_codebook_file
from .refiqda.safe import ImportRejected
from .refiqda.writer import codebook_qdc
from .selectors import CodeEntry

CODEBOOK_FORMATS = {
    "docx": Format("docx", "Word (DOCX)", "docx",
                   "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "md": Format("md", "Markdown", "md", "text/markdown; charset=utf-8"),
    "csv": Format("csv", "CSV", "csv", "text/csv; charset=utf-8"),
    "qdc": Format("qdc", "REFI-QDA codebook (.qdc)", "qdc", "application/xml"),
}
CSV_COLUMNS = ["name", "path", "description", "inclusion", "exclusion", "example", "colour", "scale", "levels",
               "segments", "experts"]
PATH_SEPARATOR = " > "


def _fields(entry: CodeEntry) -> list[tuple[str, str]]:
    return [(label, text) for label, text in (
        ("Description", entry.description), ("Include", entry.inclusion), ("Exclude", entry.exclusion),
        ("Example", entry.example), ("Scale", entry.scale_label)) if text]


def render_codebook_docx(project_name: str, entries: list[CodeEntry]) -> bytes:
    document = docx_document(f"Codebook — {project_name}")
    w = Writer(document)
    w.paragraph(f"Codebook: {project_name}", "Title")
    for entry in entries:
        w.heading(entry.name, min(entry.depth + 1, 3))
        if entry.depth >= 2:
            w.paragraph(entry.path, "Subtitle")
        for label, text in _fields(entry):
            if label == "Example":
                w.paragraph(text, "Quote")
                continue
            paragraph = w.paragraph()
            paragraph.add_run(f"{label}: ").bold = True
            paragraph.add_run(xml_safe(text))
        w.paragraph(f"{entry.segments} segment{'s' if entry.segments != 1 else ''} from {entry.experts} "
                    f"expert{'s' if entry.experts != 1 else ''}.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def render_codebook_markdown(project_name: str, entries: list[CodeEntry]) -> bytes:
    lines = [f"# Codebook: {markdown_escape(project_name)}", ""]
    for entry in entries:
        lines += [f"{'#' * min(entry.depth + 2, 6)} {markdown_escape(entry.name)}", ""]
        if entry.depth:
            lines += [f"*{markdown_escape(entry.path)}*", ""]
        for label, text in _fields(entry):
            lines += [f"**{label}:** {markdown_escape(' '.join(text.split()))}", ""]
        lines += [f"{entry.segments} segments from {entry.experts} experts.", ""]
    return ("\n".join(lines).rstrip() + "\n").encode("utf-8")


def render_codebook_csv(project_name: str, entries: list[CodeEntry]) -> bytes:
    return csv_file(CSV_COLUMNS, [[e.name, e.path, e.description, e.inclusion, e.exclusion, e.example, e.colour,
                                   e.scale, "; ".join(e.levels), e.segments, e.experts] for e in entries])


def render_codebook(project, entries: list[CodeEntry], fmt: str) -> bytes:
    if fmt == "qdc":
        return codebook_qdc(project)
    return {"docx": render_codebook_docx, "md": render_codebook_markdown, "csv": render_codebook_csv}[fmt](
        project.name, entries)


# The CSV codebooks other tools write, by their header (lower case):
# - Casecoder: name, path ("Parent > Child"), description, inclusion, exclusion, example,
#   colour, scale, levels, segments, experts (render_codebook_csv above);
# - Taguette's codebook export: tag, description, number of highlights (before 1.0),
#   tag, parent, description, number of highlights (since): a tag's name is whole, its
#   parent is named in `parent`;
# - MAXQDA's code list ("Import codes and memos from an Excel table", saved as CSV): Code,
#   Memo, where sub-codes are written "Parent\Child" or "Parent > Child".
# QualCoder writes its codebook as .odt or REFI-QDA .qdc, not CSV; the .qdc is read by
# read_codebook_file. Counts (segments, highlights) are derived data and not read.
NAME_COLUMNS = ("path", "name", "tag", "code")
DESCRIPTION_COLUMNS = ("description", "memo", "code memo")
COUNT_COLUMNS = {"segments", "experts", "number of highlights", "number of documents"}
READ_COLUMNS = {*NAME_COLUMNS, *DESCRIPTION_COLUMNS, "parent", "inclusion", "exclusion", "example", "colour",
                "color", "scale", "levels", *COUNT_COLUMNS}


def _split(path: str, separators: str) -> list[str]:
    for separator in separators[1:]:
        path = path.replace(separator, separators[0])
    return [" ".join(part.split()) for part in path.split(separators[0]) if part.strip()]


def _row_parts(row: dict[str, str]) -> list[str]:
    """The code's path in the tree, from the first name column the file has."""
    name = " ".join(row.get("name", "").split())
    if row.get("path"):
        parts = _split(row["path"], ">")
        return parts + [name] if name and parts[-1] != name else parts
    if name:
        return [name]
    if row.get("tag"):
        return [" ".join(row["tag"].split())]
    return _split(row.get("code", ""), ">\\")


def _parent_paths(rows: list[tuple[int, dict, list[str]]], report: Report) -> None:
    """Put each code with a `parent` (Taguette) under its parent's path, in place; a
    parent that leads back to the code itself leaves it at the top, with a line."""
    parent_of = {parts[-1]: " ".join(row.get("parent", "").split()) for _, row, parts in rows if parts}

    def ancestors(name: str) -> list[str] | None:
        chain, seen = [], {name}
        while parent := parent_of.get(chain[0] if chain else name, ""):
            if parent in seen:
                return None
            seen.add(parent)
            chain.insert(0, parent)
        return chain

    paths = {}
    for number, row, parts in rows:
        if parts and row.get("parent"):
            chain = ancestors(parts[-1])
            if chain is None:
                report.skip(f"row {number}: the parents of '{parts[-1]}' lead back to it; imported at the top")
                chain = []
            paths[number] = chain + parts[-1:]
    for number, _, parts in rows:
        if number in paths:
            parts[:] = paths[number]


def read_codebook_csv(data: bytes, *, label: str = "The CSV file") -> tuple[list[CodePlan], Report]:
    """CodePlans from a CSV codebook (Casecoder's, Taguette's or MAXQDA's, see above): a
    name column at least; description, inclusion, exclusion, example, colour, scale, levels
    if present. Parents named only in a path or a parent column are created as plain codes."""
    report = Report()
    text = decode(data, name=label, report=report)
    if not text.strip():
        raise ImportRejected(f"{label} is empty.")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.DictReader(io.StringIO(text), dialect=dialect))
    header = {(h or "").strip().lower() for h in (rows[0].keys() if rows else ())}
    if not rows or not (set(NAME_COLUMNS) & header):
        raise ImportRejected(f"{label} needs a header row with a 'name' or 'path' column (or 'tag' as Taguette "
                             "writes it, or 'Code' as MAXQDA writes it).")
    unread = sorted(header - READ_COLUMNS - {""})
    if unread:
        report.note(f"Column{'s' if len(unread) > 1 else ''} {', '.join(repr(c) for c in unread)} of {label} "
                    f"{'are' if len(unread) > 1 else 'is'} not read: Casecoder has no field for "
                    f"{'them' if len(unread) > 1 else 'it'}.")
    parsed = []
    for number, raw in enumerate(rows, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        parsed.append((number, row, _row_parts(row)))
    if "parent" in header:
        _parent_paths(parsed, report)
    roots: list[CodePlan] = []
    by_path: dict[tuple[str, ...], CodePlan] = {}
    for number, row, parts in parsed:
        if not parts:
            report.skip(f"row {number}: no name")
            continue
        scale, levels = (row.get("scale") or Code.Scale.NONE).lower(), [
            lv.strip() for lv in row.get("levels", "").replace("|", ";").split(";") if lv.strip()]
        if scale not in Code.Scale.values:
            report.skip(f"row {number}: unknown scale {scale!r}, imported without a scale")
            scale, levels = Code.Scale.NONE, []
        colour = row.get("colour") or row.get("color") or ""
        if colour and not colour_of(colour):
            report.skip(f"row {number}: {colour!r} is not a colour as #rrggbb; one far from the other codes' was "
                        "chosen")
        description = next((row[c] for c in DESCRIPTION_COLUMNS if row.get(c)), "")
        fields = {"description": description, "inclusion": row.get("inclusion", ""),
                  "exclusion": row.get("exclusion", ""), "example": row.get("example", ""), "scale": scale,
                  "levels": levels}
        siblings = roots
        for depth in range(1, len(parts)):
            key = tuple(parts[:depth])
            if key not in by_path:
                parent = CodePlan(guid="", name=parts[depth - 1], colour="",
                                  fields={"description": "", "inclusion": "", "exclusion": "", "example": "",
                                          "scale": Code.Scale.NONE, "levels": []})
                siblings.append(parent)
                by_path[key] = parent
            siblings = by_path[key].children
        key = tuple(parts)
        if key in by_path:
            existing = by_path[key]
            if existing.fields.get("_listed"):
                report.skip(f"row {number}: '{PATH_SEPARATOR.join(parts)}' is listed twice; the first row counts")
                continue
            existing.colour, existing.fields = colour_of(colour), {**fields, "_listed": True}
            continue
        plan = CodePlan(guid="", name=parts[-1], colour=colour_of(colour), fields={**fields, "_listed": True})
        siblings.append(plan)
        by_path[key] = plan
    return roots, report


def read_codebook(data: bytes, filename: str) -> tuple[list[CodePlan], Report]:
    """CodePlans from a .qdc (or .qde) or a .csv file, chosen by the name, else by content."""
    name = filename.lower()
    if name.endswith(".csv") or (not name.endswith((".qdc", ".qde", ".xml")) and not data.lstrip().startswith(b"<")):
        return read_codebook_csv(data, label=filename or "The CSV file")
    return read_codebook_file(data, label=filename or "The codebook")
