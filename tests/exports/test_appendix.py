"""The thesis appendix: the choice of excerpts and their grouping, stable citation keys,
and every format (DOCX with Word's styles, Markdown, LaTeX that compiles, CSV, XLSX).

The `coded` project's two coders code different passages as one team, so most tests ask for
every coder's codings; the default (the primary coding) has tests of its own below."""
from __future__ import annotations

import csv
import io
import shutil
import subprocess

import pytest
from docx import Document
from openpyxl import load_workbook

from apps.coding.citations import citation_key
from apps.coding.selectors import segment_case_pairs
from apps.coding.services import segment_delete
from apps.exports.appendix import CITATION_STYLE, render_appendix
from apps.exports.selectors import GROUP_CASE_CODE, NO_CASE, AppendixSelection, appendix_data

LATEX_ENGINES = ("xelatex", "lualatex")
EVERYONE = AppendixSelection(all_coders=True)


def everyone(**choices) -> AppendixSelection:
    return AppendixSelection(all_coders=True, **choices)


def leaves(appendix):
    """(heading path, key) of every excerpt, in document order."""
    found = []

    def walk(sections, path):
        for section in sections:
            found.extend((path + (section.title,), e.key) for e in section.excerpts)
            walk(section.children, path + (section.title,))

    walk(appendix.sections, ())
    return found


def test_every_coded_segment_appears_under_each_of_its_codes_and_cases(coded):
    project = coded["project"]
    appendix = appendix_data(project=project, selection=EVERYONE)
    pairs = segment_case_pairs(project=project)
    expected = set()
    for segment in coded["segments"] + [s for s in coded["russian"].segments.all()]:
        cases = sorted({c for s, c in pairs if s == segment.pk}) or [None]
        for coding in segment.codings.all():
            for case in cases:
                expected.add((coding.tag_id, case, segment.pk))
    got = {(next(c.id for c in appendix.codes if c.path == e.code_path),
            next((c.pk for c in project.cases.all() if c.name == e.case), None), e.segment_id)
           for e in appendix.excerpts}
    assert got == expected
    assert len(appendix.excerpts) == len(expected)  # each once


def test_grouping_is_code_then_case_then_expert(coded):
    appendix = appendix_data(project=coded["project"], selection=EVERYONE)
    assert [s.kind for s in appendix.sections] == ["code"] * len(appendix.sections)
    first = appendix.sections[0]
    assert first.title == "Threat perception"
    assert [c.title for c in first.children] == ["Kazakhstan 2022", "Armenia 2022"]
    assert {c.kind for c in first.children} == {"case"}
    assert [e.title for e in first.children[0].children] == ["E1", "E2"]


def test_grouping_by_case_then_code(coded):
    appendix = appendix_data(project=coded["project"], selection=everyone(grouping=GROUP_CASE_CODE))
    assert [s.title for s in appendix.sections] == ["Kazakhstan 2022", "Armenia 2022"]
    assert [c.title for c in appendix.sections[0].children][:2] == ["Threat perception",
                                                                   "Threat perception > Spill-over"]


def test_choosing_a_branch_takes_its_sub_codes(coded, threat):
    branch = appendix_data(project=coded["project"], selection=everyone(code_ids=(threat.pk,)))
    assert {c.path for c in branch.codes} == {"Threat perception", "Threat perception > Spill-over"}
    alone = appendix_data(project=coded["project"], selection=everyone(code_ids=(threat.pk,), include_subcodes=False))
    assert {c.path for c in alone.codes} == {"Threat perception"}


def test_choosing_cases_experts_and_coders_narrows_the_excerpts(coded, armenia, coder):
    by_case = appendix_data(project=coded["project"], selection=everyone(case_ids=(armenia.pk,)))
    assert {e.case for e in by_case.excerpts} == {"Armenia 2022"}
    assert NO_CASE not in [s.title for s in leaves(by_case) for s in s[0]]
    by_expert = appendix_data(project=coded["project"], selection=everyone(expert_ids=(coded["e2"].pk,)))
    assert {e.pseudonym for e in by_expert.excerpts} == {"E2"}
    by_coder = appendix_data(project=coded["project"], selection=everyone(coder_ids=(coder.pk,)))
    assert {e.coder for e in by_coder.excerpts} == {"cora"}


def test_citation_key_comes_from_the_segment_and_survives_other_changes(coded, owner):
    segment = coded["segments"][2]
    key = citation_key(segment_id=segment.pk, pseudonym="E1")
    assert key == f"E1-{segment.pk:04d}"
    before = {e.segment_id: e.key for e in appendix_data(project=coded["project"],
                                                         selection=EVERYONE).excerpts}
    segment_delete(segment=coded["segments"][0], actor=owner)
    after = {e.segment_id: e.key for e in appendix_data(project=coded["project"],
                                                        selection=EVERYONE).excerpts}
    assert before[segment.pk] == after[segment.pk] == key
    assert coded["segments"][0].pk not in after


def test_excerpts_carry_citation_coder_value_and_memo(coded):
    appendix = appendix_data(project=coded["project"], selection=EVERYONE)
    s4 = coded["segments"][3]
    interest = next(e for e in appendix.excerpts if e.segment_id == s4.pk and e.code == "Russian interest")
    assert interest.citation == "E2, ¶2" and interest.value == "medium" and interest.coder == "cora"
    assert interest.memo == "Key passage & more."
    without = appendix_data(project=coded["project"], selection=everyone(include_memos=False))
    assert all(e.memo == "" for e in without.excerpts)


def test_introduction_lists_experts_without_real_names_unless_asked(coded):
    appendix = appendix_data(project=coded["project"], selection=EVERYONE)
    assert [(e.pseudonym, e.real_name, e.attributes) for e in appendix.experts] == [
        ("E1", "", [("country", "Germany")]), ("E2", "", [("country", "Kazakhstan")])]
    for fmt in ("docx", "md", "tex", "csv", "xlsx"):
        assert b"Secretname" not in render_appendix(appendix, fmt)
    asked = appendix_data(project=coded["project"], selection=everyone(real_names=True))
    assert asked.experts[0].real_name == "Anna Secretname"


def test_appendix_data_runs_the_same_number_of_queries_for_small_and_large_projects(
        coded, demo, django_assert_max_num_queries):
    # The codebook, the passages with their codings (and suggestions), cases, memberships,
    # attributes, case values, experts, expert values, memos, turns.
    for project in (coded["project"], demo):
        with django_assert_max_num_queries(10):
            appendix_data(project=project, selection=EVERYONE)


# --- DOCX ---------------------------------------------------------------------------------

def docx_outline(data: bytes):
    """(style, text) of every paragraph of a DOCX, body only."""
    document = Document(io.BytesIO(data))
    return document, [(p.style.name, p.text) for p in document.paragraphs]


def test_docx_uses_word_headings_and_quote_style_with_every_excerpt_once(coded):
    appendix = appendix_data(project=coded["project"], selection=EVERYONE)
    document, paragraphs = docx_outline(render_appendix(appendix, "docx"))
    headings = [(style, text) for style, text in paragraphs if style.startswith("Heading")]
    assert ("Heading 1", "Threat perception") in headings
    assert ("Heading 2", "Kazakhstan 2022") in headings and ("Heading 3", "E2") in headings
    # walk the document: under which headings does each citation line stand?
    placed, path = [], {}
    for i, (style, text) in enumerate(paragraphs):
        if style.startswith("Heading "):
            level = int(style.split()[1])
            path = {k: v for k, v in path.items() if k < level}
            path[level] = text
        if style == CITATION_STYLE:
            assert paragraphs[i - 1][0] == "Quote"
            key = text.split("]")[0].lstrip("[")
            placed.append((tuple(path[k] for k in sorted(path)), key))
    assert placed == leaves(appendix)
    assert len(set(placed)) == len(placed)
    by_key = {e.key: e for e in appendix.excerpts}
    for _, key in placed:
        line = next(t for s, t in paragraphs if s == CITATION_STYLE and t.startswith(f"[{key}]"))
        assert by_key[key].citation in line
    quotes = [t for s, t in paragraphs if s == "Quote"]
    assert quotes == [e.quote for e in appendix.excerpts]


def test_docx_has_page_numbers_and_a_table_of_contents(coded):
    data = render_appendix(appendix_data(project=coded["project"], selection=EVERYONE), "docx")
    document = Document(io.BytesIO(data))
    footer_xml = document.sections[0].footer._element.xml
    assert "PAGE" in footer_xml and "fldChar" in footer_xml
    assert 'TOC \\o "1-3"' in document.element.xml
    assert document.paragraphs[0].style.name == "Title"


def test_docx_table_layout_puts_each_excerpt_in_a_row(coded):
    appendix = appendix_data(project=coded["project"], selection=EVERYONE)
    document = Document(io.BytesIO(render_appendix(appendix, "docx", table_layout=True)))
    rows = [[c.text for c in row.cells] for table in document.tables[1:] for row in table.rows[1:]]
    assert [(r[0], r[1], r[2]) for r in rows] == [(e.key, e.citation, e.quote) for e in appendix.excerpts]


# --- Markdown and LaTeX -------------------------------------------------------------------------

def test_markdown_has_headings_quotes_and_escaped_text(coded):
    text = render_appendix(appendix_data(project=coded["project"], selection=EVERYONE), "md").decode()
    assert "\n## Threat perception\n" in text and "\n### Kazakhstan 2022\n" in text and "\n#### E2\n" in text
    assert "> Because Moscow wanted it to." in text
    assert "\\_of\\_it" not in text  # that passage is not coded
    assert "[E2-" in text.replace("\\[", "[")


def latex_of(project, **kwargs) -> str:
    return render_appendix(appendix_data(project=project, selection=everyone(**kwargs)), "tex").decode()


def test_latex_escapes_every_special_character(coded):
    from pylatexenc.latexwalker import LatexWalker

    tex = latex_of(coded["project"])
    LatexWalker(tex[tex.index("\\begin{document}"):], tolerant_parsing=False).get_latex_nodes()
    assert "Москва этого хотела \\& боялась 100\\% потери влияния; \\$ и \\# тоже." in tex.replace(
        "\\cyr{", "").replace("}", "")
    assert "\\textbackslash{}" in tex


def test_latex_compiles_with_a_unicode_engine(coded, tmp_path):
    engine = next((e for e in LATEX_ENGINES if shutil.which(e)), None)
    if engine is None:
        pytest.skip("No LaTeX engine: install Debian's texlive-xetex to compile the appendix "
                    "(the escaping is still checked by test_latex_escapes_every_special_character).")
    (tmp_path / "appendix.tex").write_text(latex_of(coded["project"]), encoding="utf-8")
    run = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "appendix.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:]
    assert (tmp_path / "appendix.pdf").stat().st_size > 1000
    assert "Missing character" not in (tmp_path / "appendix.log").read_text(errors="replace")


# --- CSV and XLSX --------------------------------------------------------------------------------

def test_csv_has_one_row_per_excerpt_with_every_attribute(coded):
    appendix = appendix_data(project=coded["project"], selection=EVERYONE)
    rows = list(csv.DictReader(io.StringIO(render_appendix(appendix, "csv").decode("utf-8-sig"))))
    assert [r["key"] for r in rows] == [e.key for e in appendix.excerpts]
    assert {"expert: country", "case: intervention granted", "citation", "quote", "coder", "value", "memo"} <= set(
        rows[0])
    armenia_row = next(r for r in rows if r["case"] == "Armenia 2022")
    assert armenia_row["case: intervention granted"] == "no" and armenia_row["expert: country"] == "Germany"


@pytest.mark.parametrize("selection", [EVERYONE, AppendixSelection(), everyone(grouping=GROUP_CASE_CODE),
                                       everyone(include_memos=False), AppendixSelection(include_times=True)])
def test_csv_without_the_introduction_is_the_same_csv(coded, demo, selection):
    """The CSV shows no introduction (experts, codebook entries, the choice), so the
    download leaves it out (`introduction=False`, one query less) and the bytes are the same."""
    for project in (coded["project"], demo):
        whole = render_appendix(appendix_data(project=project, selection=selection), "csv")
        alone = appendix_data(project=project, selection=selection, introduction=False)
        assert render_appendix(alone, "csv") == whole
        assert alone.experts == [] and alone.selection_lines == []


def test_xlsx_has_one_row_per_excerpt_and_never_a_formula(coded, owner, threat):
    from apps.coding.services import segment_create
    from tests.conftest import phrase_span

    transcript = coded["segments"][0].transcript
    start, end = phrase_span(transcript, "Baku had too many friends in the room.")
    segment_create(transcript=transcript, start=start, end=end, coder=owner, codes=[threat],
                   memo="=HYPERLINK(\"http://evil.example\")")
    appendix = appendix_data(project=coded["project"], selection=EVERYONE)
    sheet = load_workbook(io.BytesIO(render_appendix(appendix, "xlsx")))["Excerpts"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header = values[0]
    assert [r[header.index("key")] for r in values[1:]] == [e.key for e in appendix.excerpts]
    memos = [row[header.index("memo")] for row in sheet.iter_rows(min_row=2) if row[header.index("memo")].value]
    # the user's text, kept as text: a string cell marked as quoted (Excel's "'" prefix), never a formula
    assert [(c.value, c.data_type, c.quotePrefix) for c in memos if "HYPERLINK" in c.value] == [
        ("=HYPERLINK(\"http://evil.example\")", "s", True)]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
