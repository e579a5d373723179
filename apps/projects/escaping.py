"""Escaping of user text for the files every app writes: XML 1.0 (DOCX, XLSX, REFI-QDA),
Markdown, and spreadsheet cells. It lives on the lowest floor so that the analysis tables,
the comparison's exports and the appendix share one rule per target; each is tested on
hostile input (tests/projects/test_escaping.py)."""
from __future__ import annotations

import re

# Characters XML 1.0 cannot carry at all (python-docx, openpyxl and lxml refuse them).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Text without the control characters XML 1.0 forbids."""
    return _XML_ILLEGAL.sub("", text or "")


# --- Markdown ------------------------------------------------------------------------------

_MD_SPECIALS = re.compile(r"([\\`*_\[\]<>#|~])")
_MD_LINE_START = re.compile(r"^(\s*)([-+=]|\d+[.)])(?=\s|$)")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\u2028\u2029]")


def markdown_escape(text: str) -> str:
    """One line of user text for Markdown: no emphasis, links, HTML, headings, lists or
    table cells. Line breaks become spaces, so the text cannot start a block of its own."""
    escaped = _MD_SPECIALS.sub(r"\\\1", _LINE_BREAKS.sub(" ", xml_safe(text)))
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)


def markdown_paragraphs(text: str) -> list[str]:
    """Multi-line user text as escaped Markdown paragraphs (blank lines separate them;
    the lines within one are joined)."""
    paragraphs = re.split(r"\n\s*\n", _LINE_BREAKS.sub("\n", xml_safe(text)).strip())
    return [markdown_escape(" ".join(p.split())) for p in paragraphs if p.strip()]


# --- spreadsheets --------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# After "- " a spreadsheet reads a formula too; prose after a dash stays as it is unless it
# could call a function or another program (a bracket, a pipe, an exclamation mark).
_DASH_PROSE = re.compile(r"-\s+[^(|!=+@]*")


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would run `text` as a formula (CSV injection)."""
    return text.startswith(FORMULA_STARTS) and not _DASH_PROSE.fullmatch(text)


# What a cell may need, from the two rules above: a formula's first character, or a
# character XML forbids anywhere. Most cells have neither and are returned as they are.
_CELL_NEEDS_CARE = re.compile(f"[{re.escape(''.join(FORMULA_STARTS))}]|.*?{_XML_ILLEGAL.pattern}", re.S)


def spreadsheet_cell(value):
    """A value for a CSV cell: text that a spreadsheet would run as a formula (=, +, -,
    @, tab, carriage return) gets a leading apostrophe; numbers stay numbers."""
    if not isinstance(value, str) or not _CELL_NEEDS_CARE.match(value):
        return value
    value = xml_safe(value)
    return "'" + value if formula_like(value) else value
