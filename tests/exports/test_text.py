"""Escaping of user text for LaTeX, Markdown and spreadsheets, on any input."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db
from pylatexenc.latexwalker import LatexWalker

from apps.exports.text import latex_escape, markdown_escape, spreadsheet_cell, xml_safe

SPECIALS = "#$%&~_^\\{}[]<>|`-"
text = st.text(alphabet=st.sampled_from(list(SPECIALS) + list("aZ 9é") + ["Ж", "ж", "\u00a0", "™"]), max_size=40)


CONTEXT = get_default_latex_context_db().filter_context()
CONTEXT.add_context_category("text symbols", prepend=True, macros=[
    MacroTextSpec(name, text) for name, text in (("textless", "<"), ("textgreater", ">"), ("textbar", "|"),
                                                 ("textasciigrave", "`"), ("textbackslash", "\\"),
                                                 ("textasciitilde", "~"), ("textasciicircum", "^"))])


def back(latex: str) -> str:
    """What a reader of the typeset text sees, as pylatexenc renders it."""
    source = latex.replace("\\cyr{", "{")
    return LatexNodes2Text(latex_context=CONTEXT, math_mode="verbatim",
                           strict_latex_spaces=True).latex_to_text(source)


@settings(max_examples=300, deadline=None)
@given(text)
def test_latex_escape_keeps_the_text_and_leaves_no_active_character(value):
    escaped = latex_escape(value)
    LatexWalker(escaped, tolerant_parsing=False).get_latex_nodes()
    # no special character is left bare: each is a command or a backslash escape
    bare = re.sub(r"\\(textbackslash|textasciitilde|textasciicircum|textless|textgreater|textbar|"
                  r"textasciigrave|cyr)\{\}|\\[#$%&_{}]|\{\[\}|\{\]\}|\\cyr\{|-\{\}", "", escaped)
    assert not set(bare) & set("#$%&_^\\[]<>|`"), escaped
    expected = value.replace("\u00a0", " ")
    assert back(escaped).replace("\u00a0", " ") == expected


def test_latex_escape_examples():
    assert latex_escape("50% & $5 #1 a_b ~ ^ \\ {x}") == (
        "50\\% \\& \\$5 \\#1 a\\_b \\textasciitilde{} \\textasciicircum{} \\textbackslash{} \\{x\\}")
    assert latex_escape("Москва -- да") == "\\cyr{Москва} -{}- \\cyr{да}"
    assert latex_escape("line one\nline two") == "line one line two"


def test_markdown_escape_neutralises_markup():
    assert markdown_escape("*bold* _it_ [link](x) <script> # h") == \
        "\\*bold\\* \\_it\\_ \\[link\\](x) \\<script\\> \\# h"
    assert markdown_escape("- item") == "\\- item"
    assert markdown_escape("1. first") == "\\1. first"


def test_spreadsheet_cell_defuses_formulas_only():
    assert spreadsheet_cell("=SUM(A1)") == "'=SUM(A1)"
    assert spreadsheet_cell("@cmd") == "'@cmd"
    assert spreadsheet_cell("-2+3") == "'-2+3"
    assert spreadsheet_cell("- a dash and a space") == "- a dash and a space"
    assert spreadsheet_cell(42) == 42


def test_xml_safe_drops_control_characters():
    assert xml_safe("a\x00b\x0bc\td\n") == "abc\td\n"
