"""The thesis appendix in each format: DOCX, Markdown, LaTeX, CSV and XLSX (the HTML
print view is a template). Each renderer takes the `Appendix` built by
selectors.appendix_data and returns bytes; none of them queries the database.

DOCX uses Word's own styles (Title, Heading 1-3, Quote) plus two paragraph styles of its
own ("Excerpt Citation", "Excerpt Memo"), so a table of contents and restyling work in Word.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph
from lxml import etree

from apps.projects.escaping import markdown_escape, xml_safe
from apps.projects.spreadsheets import Sheet, csv_file, xlsx_file

from .selectors import Appendix, AppendixExcerpt, Section
from .text import latex_escape, latex_paragraphs

CITATION_STYLE = "Excerpt Citation"
MEMO_STYLE = "Excerpt Memo"
TITLE = "Appendix: coded excerpts"


@dataclass(frozen=True)
class Format:
    key: str
    label: str
    extension: str
    content_type: str
    introduction: bool = True  # shows the experts, codebook entries and the choice (the CSV: excerpts alone)


APPENDIX_FORMATS = {
    "docx": Format("docx", "Word (DOCX)", "docx",
                   "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "md": Format("md", "Markdown", "md", "text/markdown; charset=utf-8"),
    "tex": Format("tex", "LaTeX", "tex", "application/x-tex; charset=utf-8"),
    "csv": Format("csv", "CSV (one row per excerpt)", "csv", "text/csv; charset=utf-8", introduction=False),
    "xlsx": Format("xlsx", "Excel (XLSX, one row per excerpt)", "xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "html": Format("html", "Print view (HTML)", "html", "text/html; charset=utf-8"),
}


def excerpt_line(excerpt: AppendixExcerpt) -> str:
    """The line under a quoted excerpt: key, citation, coder, value, and whether the coding
    began as the suggestion engine's."""
    parts = [f"[{excerpt.key}] {excerpt.citation}", f"coded by {excerpt.coder}"]
    if excerpt.value:
        parts.append(f"value: {excerpt.value}")
    if excerpt.suggested:
        parts.append(excerpt.suggested)
    return " · ".join(parts)


def _code_lines(entry) -> list[tuple[str, str]]:
    return [(label, text) for label, text in (
        ("Description", entry.description), ("Include", entry.inclusion), ("Exclude", entry.exclusion),
        ("Example", entry.example), ("Scale", entry.scale_label)) if text]


# --- DOCX ------------------------------------------------------------------------------

def docx_field(paragraph, instruction: str, placeholder: str = "") -> None:
    """A Word field (PAGE, TOC ...) in a paragraph; Word computes it when it opens the file."""
    def char(kind):
        run = paragraph.add_run()
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        run._r.append(element)

    char("begin")
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    char("separate")
    paragraph.add_run(placeholder)
    char("end")


def docx_document(title: str):
    """A document with the paragraph styles of the exports, page numbers in the footer,
    and Word asked to refresh fields (the table of contents) when it opens the file."""
    document = Document()
    styles = document.styles
    if CITATION_STYLE not in [s.name for s in styles]:
        citation = styles.add_style(CITATION_STYLE, 1)
        citation.base_style = styles["Normal"]
        citation.font.size = Pt(9)
        citation.font.color.rgb = RGBColor(0x4A, 0x55, 0x68)
        citation.paragraph_format.space_after = Pt(10)
        citation.paragraph_format.left_indent = Pt(36)
        memo = styles.add_style(MEMO_STYLE, 1)
        memo.base_style = styles["Normal"]
        memo.font.size = Pt(9)
        memo.font.italic = True
        memo.paragraph_format.left_indent = Pt(36)
        memo.paragraph_format.space_after = Pt(10)
    document.core_properties.title = xml_safe(title)
    footer = document.sections[0].footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("Page ")
    docx_field(footer, "PAGE", "1")
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    document.settings.element.append(update)
    return document


class Writer:
    """Adds paragraphs to a document quickly: python-docx looks a style up in the whole
    style sheet and inserts each paragraph by scanning the body for its end, which made a
    3,000-excerpt appendix take ten seconds. Paragraphs are built with lxml here and put
    before the section properties directly; they are ordinary python-docx Paragraphs."""

    def __init__(self, document):
        self.document = document
        self.ids = {s.name: s.style_id for s in document.styles}
        body = document.element.body
        self.end = body.sectPr
        self.body = body

    def paragraph(self, text: str = "", style: str = "Normal") -> Paragraph:
        p = OxmlElement("w:p")
        if style != "Normal":
            ppr = etree.SubElement(p, qn("w:pPr"))
            etree.SubElement(ppr, qn("w:pStyle")).set(qn("w:val"), self.ids[style])
        if text:
            run = etree.SubElement(p, qn("w:r"))
            for i, line in enumerate(xml_safe(text).split("\n")):
                if i:
                    etree.SubElement(run, qn("w:br"))
                if line:
                    t = etree.SubElement(run, qn("w:t"))
                    t.text = line
                    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        if self.end is not None:
            self.end.addprevious(p)
        else:
            self.body.append(p)
        return Paragraph(p, self.document._body)

    def heading(self, text: str, level: int) -> Paragraph:
        return self.paragraph(text, f"Heading {level}")


def _docx_table(document, header: list[str], rows: list[list[str]]):
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values):
            cell.text = xml_safe(text)
    return table


def render_docx(appendix: Appendix, *, table_layout: bool = False) -> bytes:
    document = docx_document(f"{TITLE} — {appendix.project}")
    w = Writer(document)
    w.paragraph(f"{TITLE}: {appendix.project}", "Title")
    w.paragraph(f"Generated by Casecoder on {appendix.generated_at}.")
    docx_field(w.paragraph(), r'TOC \o "1-3" \h \z \u',
               "Right-click and choose Update Field to build the table of contents.")

    w.heading("Introduction", 1)
    for line in appendix.selection_lines:
        w.paragraph(line, "List Bullet")
    w.heading("Experts", 2)
    if appendix.experts:
        names = any(e.real_name for e in appendix.experts)
        header = ["Expert", "Description"] + (["Name"] if names else []) + appendix.expert_attributes
        rows = [[e.pseudonym, e.description] + ([e.real_name] if names else []) + [v for _, v in e.attributes]
                for e in appendix.experts]
        _docx_table(document, header, rows)
    else:
        w.paragraph("No excerpts were selected.")
    w.heading("Codebook entries used", 2)
    for entry in appendix.codes:
        w.paragraph().add_run(xml_safe(entry.path)).bold = True
        for label, text in _code_lines(entry):
            line = w.paragraph(style="List Bullet")
            line.add_run(f"{label}: ").italic = True
            line.add_run(xml_safe(text))

    def excerpts(items: list[AppendixExcerpt]):
        if table_layout:
            header = ["Key", "Citation", "Excerpt", "Coder", "Value"] + (["Memo"] if appendix.include_memos else [])
            _docx_table(document, header, [
                [e.key, e.citation, e.quote, "; ".join(filter(None, [e.coder, e.suggested])), e.value]
                + ([e.memo] if appendix.include_memos else [])
                for e in items])
            w.paragraph()
            return
        for e in items:
            w.paragraph(e.quote, "Quote")
            w.paragraph(excerpt_line(e), CITATION_STYLE)
            if e.memo:
                w.paragraph(f"Memo: {e.memo}", MEMO_STYLE)

    def walk(sections: list[Section]):
        for section in sections:
            w.heading(section.title, section.level)
            excerpts(section.excerpts)
            walk(section.children)

    walk(appendix.sections)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- Markdown --------------------------------------------------------------------------

def render_markdown(appendix: Appendix) -> bytes:
    lines = [f"# {markdown_escape(TITLE)}: {markdown_escape(appendix.project)}", "",
             f"Generated by Casecoder on {appendix.generated_at}.", "", "## Introduction", ""]
    lines += [f"- {markdown_escape(line)}" for line in appendix.selection_lines]
    lines += ["", "### Experts", ""]
    for e in appendix.experts:
        details = [e.description] if e.description else []
        details += [f"name: {e.real_name}"] if e.real_name else []
        details += [f"{name}: {value}" for name, value in e.attributes if value]
        lines.append(f"- **{markdown_escape(e.pseudonym)}**" + (
            f": {markdown_escape('; '.join(details))}" if details else ""))
    lines += ["", "### Codebook entries used", ""]
    for entry in appendix.codes:
        lines.append(f"- **{markdown_escape(entry.path)}**")
        lines += [f"  - *{label}:* {markdown_escape(' '.join(text.split()))}" for label, text in _code_lines(entry)]
    lines.append("")
    offset = 1  # the document title is the only level-1 heading

    def walk(sections):
        for section in sections:
            lines.extend(["#" * (section.level + offset) + " " + markdown_escape(section.title), ""])
            for e in section.excerpts:
                quote = [line for line in e.quote.split("\n")]
                lines.extend("> " + markdown_escape(line) if line.strip() else ">" for line in quote)
                lines.extend(["", markdown_escape(excerpt_line(e)), ""])
                if e.memo:
                    lines.extend([f"*Memo:* {markdown_escape(' '.join(e.memo.split()))}", ""])
            walk(section.children)

    walk(appendix.sections)
    return ("\n".join(lines).rstrip() + "\n").encode("utf-8")


# --- LaTeX -----------------------------------------------------------------------------

LATEX_PREAMBLE = r"""% Compile with xelatex or lualatex (any Unicode text), or pdflatex (Latin and Cyrillic).
\documentclass[11pt,a4paper]{article}
\newif\ifunicodeengine
\ifdefined\XeTeXversion\unicodeenginetrue\fi
\ifdefined\directlua\unicodeenginetrue\fi
\ifunicodeengine
  \usepackage{fontspec}
  \IfFontExistsTF{DejaVu Serif}{\setmainfont{DejaVu Serif}}{%
    \IfFontExistsTF{CMU Serif}{\setmainfont{CMU Serif}}{}}
  \DeclareRobustCommand{\cyr}[1]{#1}
\else
  \usepackage[T2A,T1]{fontenc}
  \usepackage[utf8]{inputenc}
  \DeclareRobustCommand{\cyr}[1]{{\fontencoding{T2A}\selectfont #1}}
\fi
\usepackage[margin=25mm]{geometry}
\setcounter{tocdepth}{3}
\setcounter{secnumdepth}{3}
\sloppy
\newcommand{\excerptkey}[1]{\textbf{#1}}
"""


def render_latex(appendix: Appendix) -> bytes:
    e = latex_escape
    out = [LATEX_PREAMBLE,
           f"\\title{{{e(TITLE)}: {e(appendix.project)}}}",
           f"\\date{{Generated by Casecoder on {e(appendix.generated_at)}}}",
           "\\begin{document}", "\\maketitle", "\\tableofcontents", "",
           "\\section*{Introduction}", "\\begin{itemize}"]
    out += [f"\\item {e(line)}" for line in appendix.selection_lines]
    out += ["\\end{itemize}", "\\subsection*{Experts}"]
    if appendix.experts:
        out.append("\\begin{description}")
        for x in appendix.experts:
            details = [x.description] if x.description else []
            details += [f"name: {x.real_name}"] if x.real_name else []
            details += [f"{name}: {value}" for name, value in x.attributes if value]
            out.append(f"\\item[{{{e(x.pseudonym)}}}] {e('; '.join(details))}")
        out.append("\\end{description}")
    else:
        out.append("No excerpts were selected.")
    out.append("\\subsection*{Codebook entries used}")
    if appendix.codes:
        out.append("\\begin{description}")
        for entry in appendix.codes:
            body = " ".join(f"\\emph{{{label}:}} {e(text)}" for label, text in _code_lines(entry))
            out.append(f"\\item[{{{e(entry.path)}}}] {body}")
        out.append("\\end{description}")
    commands = {1: "section", 2: "subsection", 3: "subsubsection"}

    def walk(sections):
        for section in sections:
            out.append(f"\\{commands[section.level]}{{{e(section.title)}}}")
            for x in section.excerpts:
                out.extend(["\\begin{quote}", latex_paragraphs(x.quote) or "~", "\\end{quote}"])
                line = excerpt_line(x)
                key = f"[{x.key}]"
                out.append(f"\\noindent\\excerptkey{{{e(key)}}}{e(line[len(key):])}\\par\\medskip")
                if x.memo:
                    out.append(f"\\noindent\\emph{{Memo: {e(' '.join(x.memo.split()))}}}\\par\\medskip")
                out.append("")
            walk(section.children)

    walk(appendix.sections)
    out.append("\\end{document}")
    return ("\n".join(out) + "\n").encode("utf-8")


# --- CSV and XLSX ----------------------------------------------------------------------

def table_rows(appendix: Appendix) -> tuple[list[str], list[list]]:
    """One row per excerpt in document order (a segment under two codes or two cases is two
    rows with the same key), every attribute of its expert and case as a column."""
    header = ["key", "code", "code path", "value", "case", "expert", "transcript", "citation", "paragraphs",
              "start", "end", "quote", "coder", "suggested", "all codes", "all cases"]
    if appendix.include_times:
        header.append("time")
    if appendix.include_memos:
        header.append("memo")
    header += [f"expert: {name}" for name in appendix.expert_attributes]
    header += [f"case: {name}" for name in appendix.case_attributes]
    rows = []
    for x in appendix.excerpts:
        row = [x.key, x.code, x.code_path, x.value, x.case, x.pseudonym, x.transcript, x.citation, x.paragraphs,
               x.start, x.end, x.quote, x.coder, x.suggested, x.all_codes, x.all_cases]
        if appendix.include_times:
            row.append(x.clock)
        if appendix.include_memos:
            row.append(x.memo)
        row += [x.expert_values.get(name, "") for name in appendix.expert_attributes]
        row += [x.case_values.get(name, "") for name in appendix.case_attributes]
        rows.append(row)
    return header, rows


def render_csv(appendix: Appendix) -> bytes:
    header, rows = table_rows(appendix)
    return csv_file(header, rows)


def render_xlsx(appendix: Appendix) -> bytes:
    header, rows = table_rows(appendix)
    widths = {header.index("quote") + 1: 80, header.index("citation") + 1: 16, header.index("code path") + 1: 30}
    return xlsx_file([
        Sheet("Excerpts", header, rows, widths),
        Sheet("Experts", ["expert", "description"] + appendix.expert_attributes,
              [[e.pseudonym, e.description] + [v for _, v in e.attributes] for e in appendix.experts]),
        Sheet("Codes", ["path", "description", "inclusion", "exclusion", "example", "scale"],
              [[c.path, c.description, c.inclusion, c.exclusion, c.example, c.scale_label] for c in appendix.codes]),
    ])


RENDERERS = {"docx": render_docx, "md": render_markdown, "tex": render_latex, "csv": render_csv,
             "xlsx": render_xlsx}


def render_appendix(appendix: Appendix, fmt: str, *, table_layout: bool = False) -> bytes:
    if fmt == "docx":
        return render_docx(appendix, table_layout=table_layout)
    return RENDERERS[fmt](appendix)
