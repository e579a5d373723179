"""Escaping of user text for the files every app writes (apps.projects.escaping) and the
one CSV/XLSX writer (apps.projects.spreadsheets), on hostile input."""
from __future__ import annotations

import csv
import io
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from openpyxl import load_workbook

from apps.projects.escaping import formula_like, markdown_escape, markdown_paragraphs, spreadsheet_cell, xml_safe
from apps.projects.spreadsheets import Sheet, csv_file, csv_text, xlsx_file

COMMONMARK = MarkdownIt("commonmark")  # raw HTML allowed, as GitHub, pandoc and most editors render it
HOSTILE = ["<img src=x onerror=alert(1)>", "<script>alert(1)</script>", "[x](javascript:alert(1))",
           "![i](http://evil.example/x.png)", "<javascript:alert(1)>", "<!-- hidden -->", "a\n# heading",
           "x\n\n<b>bold</b>", "<a href='http://evil.example'>y</a>"]
TAG = re.compile(r"<(?!/?(p|pre|code|hr)\b)[a-zA-Z!/]")


def rendered(markdown: str) -> str:
    return COMMONMARK.render(markdown)


def test_markdown_escape_neutralises_markup():
    assert markdown_escape("*bold* _it_ [link](x) <script> # h") == \
        "\\*bold\\* \\_it\\_ \\[link\\](x) \\<script\\> \\# h"
    assert markdown_escape("- item") == "\\- item"
    assert markdown_escape("1. first") == "\\1. first"


def test_markdown_escape_leaves_no_html_no_link_and_no_block_in_hostile_text():
    for text in HOSTILE:
        html = rendered(markdown_escape(text))
        assert not TAG.search(html), (text, html)
        assert "<a " not in html and "<img" not in html and "<script" not in html
        assert html.count("<p>") == 1, (text, html)


def test_markdown_paragraphs_keep_paragraphs_and_escape_each():
    paragraphs = markdown_paragraphs("First <script>x</script>\nstill first\n\n\n[x](javascript:y)\r\n\r\n- third")
    assert paragraphs == ["First \\<script\\>x\\</script\\> still first", "\\[x\\](javascript:y)", "\\- third"]
    assert markdown_paragraphs("") == []


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("<>[]()!:/\\`*_#|~-=+.1 \n\"'") + ["script", "img", "a", "href",
                                                                            "javascript", "onerror"]),
                max_size=30).map("".join))
def test_markdown_escape_never_lets_html_or_links_through(text):
    html = rendered(markdown_escape(text))
    assert not TAG.search(html), html
    assert "<a " not in html and "<img" not in html


def test_spreadsheet_cell_defuses_formulas_only():
    assert spreadsheet_cell("=SUM(A1)") == "'=SUM(A1)"
    assert spreadsheet_cell("@cmd") == "'@cmd"
    assert spreadsheet_cell("-2+3") == "'-2+3"
    assert spreadsheet_cell("- a dash and a space") == "- a dash and a space"
    assert spreadsheet_cell(42) == 42


def test_spreadsheet_cell_defuses_every_formula_start_and_a_call_after_a_dash():
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "- 1+HYPERLINK(\"http://evil.example\")",
                 "-  cmd|' /C calc'!A0"):
        assert formula_like(text), text
        assert spreadsheet_cell(text) == "'" + text
    for text in ("plain", " =1 (leading space)", "1-2", "E1, ¶2", ""):
        assert not formula_like(text) and spreadsheet_cell(text) == text


def test_spreadsheet_cell_finds_a_formula_behind_a_control_character():
    assert spreadsheet_cell("\x01=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert spreadsheet_cell("ok\x0bok") == "okok"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from("=+-@ \t\r\n\x00\x01\x0b\x1f\ufffe\uffffaZ1(|!¶")) | st.text())
def test_spreadsheet_cell_is_its_rule_also_where_it_returns_a_cell_at_once(text):
    """The quick return of plain cells changes no result: each is what the whole rule gives."""
    clean = xml_safe(text)
    assert spreadsheet_cell(text) == ("'" + clean if formula_like(clean) else clean)


def test_xml_safe_drops_control_characters():
    assert xml_safe("a\x00b\x0bc\td\n") == "abc\td\n"


def test_csv_text_neutralises_text_and_keeps_numbers():
    text = csv_text(["", "A", "=B"], [["=HYPERLINK(\"http://evil.example/?x\",\"x\")", 1, 0], ["Armenia", 0, 1]])
    assert text.splitlines() == [",A,'=B", "\"'=HYPERLINK(\"\"http://evil.example/?x\"\",\"\"x\"\")\",1,0",
                                 "Armenia,0,1"]
    assert csv_text(["a"], [["=1"]], neutralise=False).splitlines() == ["a", "=1"]


def test_csv_file_has_a_byte_order_mark_for_spreadsheets():
    data = csv_file(["name"], [["Kazakhstan 2022"]])
    assert data.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == [["name"], ["Kazakhstan 2022"]]


def test_xlsx_file_keeps_formula_like_text_as_quoted_text_and_numbers_as_numbers():
    data = xlsx_file([Sheet("Cases: [all]", ["name", "crisp"], [["=HYPERLINK(\"http://evil.example\")", 1],
                                                               ["- a dash", 0], ["a\x00b", 2]])])
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "Cases   all "
    name, crisp = sheet["A2"], sheet["B2"]
    assert name.value == "=HYPERLINK(\"http://evil.example\")" and name.data_type == "s" and name.quotePrefix
    assert crisp.value == 1 and crisp.data_type == "n"
    assert not sheet["A3"].quotePrefix and sheet["A4"].value == "ab"
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
