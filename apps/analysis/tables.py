"""The analysis tables as plain rows, and their CSV and XLSX (openpyxl) files.

One builder per table turns a selector's result into a `Table`; the pages, the
downloads and the management commands all print the same rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpResponse
from django.utils.text import slugify

from apps.projects.downloads import attachment
from apps.projects.spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, Sheet, csv_file, csv_text, xlsx_file

from .selectors import MEASURES, Cooccurrence, FrequencyRow, Matrix

FORMATS = {"csv": CSV_CONTENT_TYPE, "xlsx": XLSX_CONTENT_TYPE}


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list] = field(default_factory=list)


def frequencies_table(rows: list[FrequencyRow]) -> Table:
    return Table(
        title="Code frequencies",
        header=["Code", "Depth", "Segments", "Distinct experts", "Words coded", "Segments with sub-codes",
                "Distinct experts with sub-codes", "Words coded with sub-codes"],
        rows=[[r.path, r.depth, r.segments, r.experts, r.words, r.total_segments, r.total_experts, r.total_words]
              for r in rows],
    )


def matrix_table(matrix: Matrix, *, title: str | None = None) -> Table:
    """First column the code's path in the tree, then one column per case (or expert, value...)."""
    return Table(
        title=title or f"{MEASURES[matrix.measure]}: codes x {matrix.column_title.lower()}",
        header=["Code", *[c.label for c in matrix.columns]],
        rows=[[row.path, *[cell.count for cell in cells]] for row, cells in matrix.lines()],
    )


def matrix_values_table(matrix: Matrix) -> Table:
    """The coded values in each cell with the experts who gave them: 'present: E1, E2; absent: E3'."""
    return Table(
        title=f"Coded values: codes x {matrix.column_title.lower()}",
        header=["Code", *[c.label for c in matrix.columns]],
        rows=[[row.path, *["; ".join(f"{value}: {', '.join(experts)}" for value, experts in cell.values.items())
                           for cell in cells]]
              for row, cells in matrix.lines()],
    )


def cooccurrence_table(result: Cooccurrence) -> Table:
    title = "Code co-occurrence" + (f" in {result.case.name}" if result.case else "")
    return Table(
        title=title,
        header=["Segments coded ... overlapping a segment coded ->", *[r.path for r in result.rows]],
        rows=[[row.path, *["" if c.diagonal else c.count for c in cells]] for row, cells in result.lines()],
    )


def progress_table(dashboard: dict) -> Table:
    return Table(
        title="Coding progress",
        header=["Transcript", "Expert", "Characters", "Characters coded", "Share coded (%)", "Segments",
                *[f"Segments by {c}" for c in dashboard["coders"]], "Review", "Review note"],
        rows=[[p.transcript.title, p.transcript.expert.pseudonym if p.transcript.expert else "", p.length, p.coded,
               p.percent, p.segments, *p.by_coder, p.review.get_status_display() if p.review else "",
               p.review.note if p.review else ""]
              for p in dashboard["progress"]],
    )


# --- files ------------------------------------------------------------------------------

def table_csv(table: Table, *, guard: bool = True) -> str:
    """CSV text. `guard` (for files people open in a spreadsheet) defuses formula-like text;
    the command line prints the plain values for scripts."""
    return csv_text(table.header, table.rows, neutralise=guard)


def table_xlsx(table: Table) -> bytes:
    """An XLSX workbook with one sheet: bold header, frozen first row and column, numbers as numbers."""
    return xlsx_file([Sheet(table.title, table.header, table.rows, freeze="B2")])


def download(table: Table, fmt: str, *, name: str) -> HttpResponse:
    """The table as a file to save: `name`.csv (UTF-8 with BOM, for spreadsheets) or `name`.xlsx."""
    filename = f"{slugify(name) or 'table'}.{fmt}"
    if fmt == "csv":
        body = csv_file(table.header, table.rows)
    else:
        body = table_xlsx(table)
    return attachment(body, filename, FORMATS[fmt])
