"""Escaping of user text for the export formats: LaTeX, Markdown, XML-based files (DOCX,
XLSX, REFI-QDA) and spreadsheets. One function per target, each tested on hostile input."""
from __future__ import annotations

import re

# Characters XML 1.0 cannot carry at all (python-docx, openpyxl and lxml refuse them).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Text without the control characters XML 1.0 forbids."""
    return _XML_ILLEGAL.sub("", text or "")


_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "#": r"\#", "$": r"\$", "%": r"\%", "&": r"\&",
    "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}",
    "|": r"\textbar{}", "`": r"\textasciigrave{}", "[": "{[}", "]": "{]}", "\u00a0": "~",
}
_LATEX_RUN = re.compile(r"[\\{}#$%&_~^<>|`\[\]\u00a0]|-(?=-)|[\u0400-\u04ff\u0500-\u052f]+")


def latex_escape(text: str) -> str:
    """Text for the body of a LaTeX document, on one line: every special character
    escaped, `--` kept as two hyphens, Cyrillic wrapped in \\cyr{} (the preamble makes it a
    no-op under xelatex/lualatex and switches to the T2A encoding under pdflatex)."""

    def replace(match: re.Match) -> str:
        token = match.group()
        if token == "-":
            return "-{}"
        if token in _LATEX_SPECIALS:
            return _LATEX_SPECIALS[token]
        return r"\cyr{" + token + "}"

    flat = " ".join(xml_safe(text).split("\n"))
    return _LATEX_RUN.sub(replace, flat)


def latex_paragraphs(text: str) -> str:
    """Multi-line text as LaTeX paragraphs: each non-blank line becomes a paragraph."""
    lines = [line for line in (text or "").split("\n") if line.strip()]
    return "\\par\n".join(latex_escape(line) for line in lines)


_MD_SPECIALS = re.compile(r"([\\`*_\[\]<>#|~])")
_MD_LINE_START = re.compile(r"^(\s*)([-+=]|\d+[.)])(?=\s|$)")


def markdown_escape(text: str) -> str:
    """One line of user text for Markdown: no emphasis, links, HTML, headings or lists."""
    escaped = _MD_SPECIALS.sub(r"\\\1", xml_safe(text))
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)


def spreadsheet_cell(value):
    """A value for a CSV or XLSX cell. Text that a spreadsheet would run as a formula
    (=, +, @, or - followed by no space) gets a leading apostrophe."""
    if not isinstance(value, str):
        return value
    value = xml_safe(value)
    if value and (value[0] in "=+@\t\r" or (value[0] == "-" and len(value) > 1 and not value[1].isspace())):
        return "'" + value
    return value
