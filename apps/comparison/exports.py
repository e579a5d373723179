"""The MSSD table for a thesis (DOCX, LaTeX, Markdown, CSV), with each judgment's
rationale and cited excerpts, and the calibrated 0/1 table as R's QCA package reads it.

R: `read.csv("file.csv", row.names = 1)` gives a data frame with the case names as row
names and one 0/1 column per condition and the outcome, ready for
`truthTable(data, outcome = "...")`; `python manage.py qca file.csv --outcome ...` reads
the same file.
"""
from __future__ import annotations

import io

from apps.projects.escaping import markdown_escape, markdown_paragraphs
from apps.projects.spreadsheets import csv_text

from .selectors import CrispTable, MSSDTable

FORMATS = {
    "docx": ("Word (DOCX)", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "tex": ("LaTeX", "application/x-tex; charset=utf-8"),
    "md": ("Markdown", "text/markdown; charset=utf-8"),
    "csv": ("CSV (one row per cell)", "text/csv; charset=utf-8"),
}


def export(table: MSSDTable, fmt: str) -> tuple[bytes | str, str]:
    writer = {"docx": to_docx, "tex": to_latex, "md": to_markdown, "csv": to_csv}[fmt]
    return writer(table), FORMATS[fmt][1]


def r_qca_csv(crisp: CrispTable) -> str:
    """Case names as row names (first column, empty header as R's write.csv writes it),
    then one 0/1 column per condition and the outcome. The 0/1 cells are numbers; names
    that a spreadsheet would run as a formula are neutralised like in every other CSV."""
    rows = [[case, *(row[c] for c in crisp.conditions), row[crisp.outcome]] for case, row in crisp.rows.items()]
    return csv_text(["", *crisp.conditions, crisp.outcome], rows)


# --- what every format says ---------------------------------------------------------------------

def _title(table: MSSDTable) -> str:
    return f"MSSD table: {table.grid.project.name}"


def _intro(table: MSSDTable) -> str:
    grid = table.grid
    judge = getattr(grid.judge, "username", "")
    outcome = grid.outcome.name if grid.outcome else "no outcome chosen"
    return (f"Judgments by {judge}. Outcome: {outcome}. Values as judged, with the crisp-set calibration "
            f"(1/0) in brackets; the last column says whether the factor is constant across the cases, "
            f"varies with the outcome (method of difference) or varies without it.")


def _cell_text(cell) -> str:
    if not cell.value:
        return "?"
    text = f"{cell.value} ({cell.calibrated})"
    if cell.check and cell.check.status == "contradicted":
        text += " !"
    return text


def _header(table: MSSDTable) -> list[str]:
    return ["Factor", *(c.name for c in table.grid.cases), "Comparison"]


def _lines(table: MSSDTable) -> list[list[str]]:
    lines = [[f"{row.factor.label} ({row.factor.name})", *(_cell_text(c) for c in row.cells),
              row.classification.label] for row in table.rows]
    grid = table.grid
    lines.append([f"Outcome: {grid.outcome.name if grid.outcome else '-'}",
                  *(f"{text or '?'} ({'' if present is None else int(present)})" for _c, text, present
                    in grid.outcome_row), ""])
    return lines


def _pairs(table: MSSDTable) -> list[str]:
    sim = table.similarity
    lines = [f"{p.a} and {p.b}: differ on {p.distance} of {p.compared} factors"
             + (f" ({', '.join(p.differing)})" if p.differing else "") for p in sim.mssd_pairs]
    lines += [f"{p.a} and {p.b} are alike on every factor but differ in outcome: a factor is missing."
              for p in sim.twins]
    return lines


def _judgments(table: MSSDTable):
    """(factor row, cell) for every judged cell, factor by factor."""
    for row in table.rows:
        for cell in row.cells:
            if cell.judgment:
                yield row, cell


# --- Markdown -------------------------------------------------------------------------------------

def to_markdown(table: MSSDTable) -> str:
    out = [f"# {markdown_escape(_title(table))}", "", markdown_escape(_intro(table)), ""]
    header = _header(table)
    out.append("| " + " | ".join(markdown_escape(h) for h in header) + " |")
    out.append("|" + "---|" * len(header))
    for line in _lines(table):
        out.append("| " + " | ".join(markdown_escape(x) for x in line) + " |")
    out += ["", "## Most similar cases with different outcomes", ""]
    out += [f"- {markdown_escape(line)}" for line in _pairs(table)] or ["- none yet"]
    out += ["", "## Judgments and evidence", ""]
    for row, cell in _judgments(table):
        heading = f"{row.factor.label} in {cell.case.name}: {cell.value or '?'}"
        out += [f"### {markdown_escape(heading)}", ""]
        if cell.check and cell.check.status not in ("agrees", "not judged"):
            out += [f"*Evidence: {markdown_escape(cell.check.label)}*", ""]
        for paragraph in markdown_paragraphs(cell.judgment.rationale):
            out += [paragraph, ""]
        for excerpt in cell.cited:
            out.append(f"> \u201c{markdown_escape(excerpt.quote)}\u201d ({markdown_escape(excerpt.citation)})")
            out.append(">")
        if cell.cited:
            out.pop()
            out.append("")
    return "\n".join(out).rstrip() + "\n"


# --- LaTeX ---------------------------------------------------------------------------------------

_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
        "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def tex(text: str) -> str:
    return "".join(_TEX.get(ch, ch) for ch in text)


def to_latex(table: MSSDTable) -> str:
    header = _header(table)
    out = [f"% {tex(_title(table))}", "% Needs \\usepackage{booktabs} and \\usepackage{csquotes}.",
           r"\begin{table}[htbp]", r"\centering\small",
           r"\begin{tabular}{l" + "l" * (len(header) - 2) + r"p{5cm}}", r"\toprule",
           " & ".join(rf"\textbf{{{tex(h)}}}" for h in header) + r" \\", r"\midrule"]
    lines = _lines(table)
    for i, line in enumerate(lines):
        if i == len(lines) - 1:
            out.append(r"\midrule")
        out.append(" & ".join(tex(x) for x in line) + r" \\")
    out += [r"\bottomrule", r"\end{tabular}", rf"\caption{{{tex(_title(table))}. {tex(_intro(table))}}}",
            r"\label{tab:mssd}", r"\end{table}", ""]
    pairs = _pairs(table)
    if pairs:
        out += [r"\paragraph{Most similar cases with different outcomes}", r"\begin{itemize}"]
        out += [rf"\item {tex(line)}" for line in pairs]
        out += [r"\end{itemize}", ""]
    out.append(r"\subsection*{Judgments and evidence}")
    for row, cell in _judgments(table):
        out.append(rf"\paragraph{{{tex(row.factor.label)} in {tex(cell.case.name)}: {tex(cell.value or '?')}}}")
        if cell.check and cell.check.status not in ("agrees", "not judged"):
            out.append(rf"\emph{{Evidence: {tex(cell.check.label)}}}\\")
        if cell.judgment.rationale:
            out.append(tex(cell.judgment.rationale.strip()).replace("\n\n", "\n\n\\noindent "))
        for excerpt in cell.cited:
            out.append(rf"\begin{{quote}}\enquote{{{tex(excerpt.quote)}}} ({tex(excerpt.citation)})\end{{quote}}")
        out.append("")
    return "\n".join(out)


# --- CSV -------------------------------------------------------------------------------------------

def to_csv(table: MSSDTable) -> str:
    """One row per factor and case: the judged value, its 0/1, the comparison, the
    evidence check, the rationale and the cited excerpts with their citations."""
    grid = table.grid
    rows = []
    for row in table.rows:
        for cell in row.cells:
            present = grid.outcome_present.get(cell.case.pk)
            rows.append([
                row.factor.name, row.factor.label, cell.case.name, cell.value,
                "" if cell.calibrated is None else cell.calibrated, "" if present is None else int(present),
                row.classification.label, cell.check.label if cell.check else "",
                cell.proposal.summary if cell.proposal else "",
                cell.judgment.rationale if cell.judgment else "",
                "; ".join(e.citation for e in cell.cited),
                "\n".join(f"\u201c{e.quote}\u201d ({e.citation})" for e in cell.cited),
            ])
    return csv_text(["factor", "label", "case", "value", "crisp", "outcome", "comparison", "evidence check",
                     "proposal", "rationale", "citations", "excerpts"], rows)


# --- DOCX ------------------------------------------------------------------------------------------

def to_docx(table: MSSDTable) -> bytes:
    """Styles are looked up once and table cells reached row by row: python-docx looks
    both up by scanning, which made a 40-case table take seconds."""
    from docx import Document
    from docx.shared import Pt

    document = Document()
    styles = {name: document.styles[name] for name in ("Heading 1", "Heading 2", "Heading 3", "Quote",
                                                        "List Bullet", "Normal")}
    document.add_paragraph(_title(table), style=styles["Heading 1"])
    document.add_paragraph(_intro(table), style=styles["Normal"])
    header = _header(table)
    lines = _lines(table)
    grid_table = document.add_table(rows=0, cols=len(header))
    grid_table.style = "Table Grid"
    for i, line in enumerate([header, *lines]):
        for cell, text in zip(grid_table.add_row().cells, line):
            run = cell.paragraphs[0].add_run(text)
            run.font.size = Pt(9)
            run.bold = i == 0 or None
    pairs = _pairs(table)
    if pairs:
        document.add_paragraph("Most similar cases with different outcomes", style=styles["Heading 2"])
        for line in pairs:
            document.add_paragraph(line, style=styles["List Bullet"])
    document.add_paragraph("Judgments and evidence", style=styles["Heading 2"])
    for row, cell in _judgments(table):
        document.add_paragraph(f"{row.factor.label} in {cell.case.name}: {cell.value or '?'}",
                               style=styles["Heading 3"])
        if cell.check and cell.check.status not in ("agrees", "not judged"):
            document.add_paragraph(style=styles["Normal"]).add_run(f"Evidence: {cell.check.label}").italic = True
        if cell.judgment.rationale:
            for part in cell.judgment.rationale.strip().split("\n\n"):
                document.add_paragraph(part, style=styles["Normal"])
        for excerpt in cell.cited:
            paragraph = document.add_paragraph(style=styles["Quote"])
            paragraph.add_run(f"\u201c{excerpt.quote}\u201d ")
            paragraph.add_run(f"({excerpt.citation})").bold = True
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
