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
from .refiqda.reader import DEFAULT_COLOUR, CodePlan, Report, colour_of, decode, read_codebook_file
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


def read_codebook_csv(data: bytes, *, label: str = "The CSV file") -> tuple[list[CodePlan], Report]:
    """CodePlans from a CSV codebook: a column `name` or `path` ("Parent > Child") at
    least; description, inclusion, exclusion, example, colour, scale, levels if present.
    Parents named only in a path are created as plain codes."""
    report = Report()
    text = decode(data, name=label, report=report)
    if not text.strip():
        raise ImportRejected(f"{label} is empty.")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.DictReader(io.StringIO(text), dialect=dialect))
    if not rows or not ({"name", "path"} & {(h or "").strip().lower() for h in rows[0].keys()}):
        raise ImportRejected(f"{label} needs a header row with a 'name' or 'path' column.")
    roots: list[CodePlan] = []
    by_path: dict[tuple[str, ...], CodePlan] = {}
    for number, raw in enumerate(rows, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        parts = [" ".join(p.split()) for p in row.get("path", "").split(">") if p.strip()]
        name = " ".join(row.get("name", "").split())
        if not parts:
            parts = [name] if name else []
        elif name and parts[-1] != name:
            parts.append(name)
        if not parts:
            report.skip(f"row {number}: no name")
            continue
        scale, levels = (row.get("scale") or Code.Scale.NONE).lower(), [
            lv.strip() for lv in row.get("levels", "").replace("|", ";").split(";") if lv.strip()]
        if scale not in Code.Scale.values:
            report.skip(f"row {number}: unknown scale {scale!r}, imported without a scale")
            scale, levels = Code.Scale.NONE, []
        colour = row.get("colour") or row.get("color") or ""
        if colour and colour_of(colour) == DEFAULT_COLOUR and colour.lower() != DEFAULT_COLOUR:
            report.skip(f"row {number}: {colour!r} is not a colour as #rrggbb; the default colour was used")
        fields = {"description": row.get("description", ""), "inclusion": row.get("inclusion", ""),
                  "exclusion": row.get("exclusion", ""), "example": row.get("example", ""), "scale": scale,
                  "levels": levels}
        siblings = roots
        for depth in range(1, len(parts)):
            key = tuple(parts[:depth])
            if key not in by_path:
                parent = CodePlan(guid="", name=parts[depth - 1], colour=DEFAULT_COLOUR,
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
