"""Escaping of user text for LaTeX, on any input (Markdown and spreadsheets: tests/projects/test_escaping.py)."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db
from pylatexenc.latexwalker import LatexWalker

from apps.exports.text import latex_escape

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
