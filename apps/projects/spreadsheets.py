"""The one CSV and XLSX writer of every export: the analysis tables, the comparison's
files and the appendix and codebook. Text that a spreadsheet would run as a formula is
neutralised here, once: in CSV with a leading apostrophe (spreadsheet_cell), in XLSX as a
text cell marked as quoted (Excel's own "'" prefix), so the value stays the user's text.
Numbers stay numbers, which the 0/1 table R's QCA package reads depends on."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .escaping import formula_like, spreadsheet_cell, xml_safe

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_text(header: Sequence, rows: Iterable[Sequence], *, neutralise: bool = True) -> str:
    """CSV text, one line per row. `neutralise=False` is for scripts reading the command
    line's output, never for a file a person opens."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    clean = spreadsheet_cell if neutralise else (lambda v: v)
    writer.writerow([clean(v) for v in header])
    for row in rows:
        writer.writerow([clean(v) for v in row])
    return out.getvalue()


def csv_file(header: Sequence, rows: Iterable[Sequence]) -> bytes:
    """A CSV file for spreadsheets: UTF-8 with a byte order mark, which makes Excel read UTF-8."""
    return csv_text(header, rows).encode("utf-8-sig")


@dataclass
class Sheet:
    title: str
    header: Sequence[str]
    rows: Iterable[Sequence] = ()
    widths: dict[int, int] | None = None  # column (from 1) -> width; None: from the content
    freeze: str = "A2"


def sheet_title(title: str) -> str:
    """A name Excel accepts for a sheet: no []:*?/\\, at most 31 characters."""
    for char in "[]:*?/\\":
        title = title.replace(char, " ")
    return title[:31] or "Table"


def _cell(sheet, value, *, bold: bool = False) -> WriteOnlyCell:
    if isinstance(value, str):
        value = xml_safe(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text is never a formula, even when it starts with '='
        cell.quotePrefix = formula_like(value)
    if bold:
        cell.font = Font(bold=True)
    return cell


def _content_widths(header: Sequence, rows: list[Sequence]) -> dict[int, int]:
    widths: dict[int, int] = {}
    for row in [header, *rows[:200]]:
        for index, value in enumerate(row, start=1):
            if value is not None:
                widths[index] = max(widths.get(index, 8), len(str(value)) + 2)
    return {index: min(60, width) for index, width in widths.items()}


def xlsx_file(sheets: Sequence[Sheet]) -> bytes:
    """An XLSX workbook, one sheet each: bold frozen header, numbers as numbers, text as text."""
    workbook = Workbook(write_only=True)
    for spec in sheets:
        rows = list(spec.rows)
        sheet = workbook.create_sheet(sheet_title(spec.title))
        sheet.freeze_panes = spec.freeze
        widths = spec.widths if spec.widths is not None else _content_widths(spec.header, rows)
        for index, width in widths.items():
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.append([_cell(sheet, name, bold=True) for name in spec.header])
        for row in rows:
            sheet.append([_cell(sheet, value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
