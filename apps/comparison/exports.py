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

from .methods import rscript
from .methods.qca import QCAInputError
from .selectors import CrispTable, MSSDTable, SetAnalysis

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


# --- the set analysis: calibrated data, truth table, solutions, the R script ---------------------

SET_FORMATS = {
    "csv": ("Calibrated data (CSV)", "text/csv; charset=utf-8"),
    "truth-table-csv": ("Truth table (CSV)", "text/csv; charset=utf-8"),
    "solutions-csv": ("Solutions (CSV)", "text/csv; charset=utf-8"),
    "docx": ("All three tables (DOCX)", FORMATS["docx"][1]),
    "tex": ("All three tables (LaTeX)", FORMATS["tex"][1]),
    "R": ("R script for the QCA package", "text/plain; charset=utf-8"),
    "r-csv": ("The CSV the R script reads", "text/csv; charset=utf-8"),
}


class ExportRefused(Exception):
    """The analysis cannot be written in this format; the message says why."""


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def set_tables(page: SetAnalysis) -> list[tuple[str, list[str], list[list]]]:
    """(title, header, rows) of the calibrated data, the truth table and the solutions:
    what every format of the set analysis writes."""
    columns = page.columns
    data_rows = []
    for case in page.grid.cases:
        line = [case.name]
        for column in columns:
            row = column.by_case[case.name]
            line += [_number(row.score), "" if row.raw is None else f"{row.raw:g}",
                     row.stored.raw_source if row.stored and column.method == "direct" else ""]
        data_rows.append(line)
    data_header = ["case"]
    for column in columns:
        method = column.method + (f" ({column.anchors})" if column.anchors else "")
        data_header += [f"{column.label} [{method}]", f"{column.label} raw", f"{column.label} source"]
    tables = [("Calibrated data", data_header, data_rows)]
    tt = page.truth_table
    if tt is not None:
        tables.append((f"Truth table for {tt.label}", [*tt.conditions, "OUT", "n", "incl", "PRI", "cases",
                                                       "deviant cases"],
                       [[*row.values, row.outcome, row.n, _number(row.consistency), _number(row.pri),
                         ", ".join(row.cases), ", ".join(row.deviant_cases)] for row in tt.rows]))
        lines = []
        for title, solution in page.solutions:
            for number, model in enumerate(solution.models, start=1):
                for term in model.terms:
                    lines.append([title, f"M{number}", str(model), str(term), _number(term.consistency),
                                  _number(term.pri), _number(term.raw_coverage), _number(term.unique_coverage),
                                  ", ".join(term.cases)])
                lines.append([title, f"M{number}", str(model), "(solution)", _number(model.consistency),
                              _number(model.pri), _number(model.coverage), "", ", ".join(model.cases)])
        tables.append((f"Solutions for {tt.label}", ["solution", "model", "formula", "term", "incl", "PRI",
                                                     "cov.r", "cov.u", "cases"], lines))
    return tables


def set_export(page: SetAnalysis, fmt: str) -> tuple[bytes | str, str, str]:
    """(body, content type, file name) of one download of the set analysis."""
    content_type = SET_FORMATS[fmt][1]
    tables = set_tables(page)
    named = {"csv": (0, "sets-data.csv"), "truth-table-csv": (1, "sets-truth-table.csv"),
             "solutions-csv": (2, "sets-solutions.csv")}
    if fmt in named:
        wanted, name = named[fmt]
        if wanted >= len(tables):
            raise ExportRefused(f"There is no truth table yet: {page.error}.")
        _title, header, rows = tables[wanted]
        return csv_text(header, rows), content_type, name
    if fmt in ("R", "r-csv"):
        if page.truth_table is None:
            raise ExportRefused(f"There is nothing to analyse in R yet: {page.error}.")
        csv_name = f"{page.grid.project.slug}-sets-r.csv"
        try:
            script, table = rscript.r_script(
                page.raw_data, conditions=page.conditions, outcome=page.outcome, negate=page.params.negate,
                incl_cut1=page.incl_cut1, incl_cut0=page.params.incl_cut0, pri_cut=page.params.pri_cut,
                n_cut=page.params.n_cut, anchors=page.anchors, expectations=page.params.expectations,
                exclude=page.esa.excluded if page.esa else (), csv_name=csv_name)
        except QCAInputError as error:
            raise ExportRefused(str(error)) from None
        return (script, content_type, "sets.R") if fmt == "R" else (table, content_type, "sets-r.csv")
    if fmt == "tex":
        return _sets_latex(page, tables), content_type, "sets.tex"
    return _sets_docx(page, tables), content_type, "sets.docx"


def _sets_title(page: SetAnalysis) -> str:
    return f"Set analysis: {page.grid.project.name}"


def _sets_latex(page: SetAnalysis, tables) -> str:
    out = [f"% {tex(_sets_title(page))}", "% Needs \\usepackage{booktabs}."]
    for title, header, rows in tables:
        out += [r"\begin{table}[htbp]", r"\centering\small", r"\begin{tabular}{" + "l" * len(header) + "}",
                r"\toprule", " & ".join(rf"\textbf{{{tex(str(h))}}}" for h in header) + r" \\", r"\midrule"]
        out += [" & ".join(tex(str(x)) for x in row) + r" \\" for row in rows]
        out += [r"\bottomrule", r"\end{tabular}", rf"\caption{{{tex(title)}}}", r"\end{table}", ""]
    return "\n".join(out)


def _sets_docx(page: SetAnalysis, tables) -> bytes:
    from docx import Document
    from docx.shared import Pt

    document = Document()
    document.add_paragraph(_sets_title(page), style=document.styles["Heading 1"])
    for title, header, rows in tables:
        document.add_paragraph(title, style=document.styles["Heading 2"])
        table = document.add_table(rows=0, cols=len(header))
        table.style = "Table Grid"
        for i, line in enumerate([header, *rows]):
            for cell, text in zip(table.add_row().cells, line):
                run = cell.paragraphs[0].add_run(str(text))
                run.font.size = Pt(8)
                run.bold = i == 0 or None
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
