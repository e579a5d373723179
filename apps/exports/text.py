"""Escaping of user text for LaTeX, tested on hostile input. Markdown, XML and
spreadsheet cells are escaped by apps.projects.escaping, which every floor shares."""
from __future__ import annotations

import re

from apps.projects.escaping import xml_safe


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
