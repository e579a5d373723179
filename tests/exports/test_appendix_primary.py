"""The appendix defaults to the primary coding (the primary coder's and the settled
codings), and quotes no passage twice: identical spans coded by several people, with every
coder included, are one excerpt naming all of them (issue #16, build 4)."""
from __future__ import annotations

import io
import re
from collections import defaultdict

import pytest
from docx import Document
from django.urls import reverse

from apps.agreement.services import KEEP, passage_settle
from apps.coding.services import segment_create
from apps.exports.appendix import CITATION_STYLE, render_appendix
from apps.exports.selectors import AppendixSelection, appendix_data
from apps.projects.services import project_primary_coder_set
from tests.conftest import phrase_span

PRIMARY = AppendixSelection()
EVERYONE = AppendixSelection(all_coders=True)


def twice_coded(transcript, phrase, code, first, second, values=("", "")):
    """The same passage coded by two people (a reliability coding)."""
    start, end = phrase_span(transcript, phrase)
    return [segment_create(transcript=transcript, start=start, end=end, codes=[code], coder=coder,
                           values={code.pk: value} if value else None)
            for coder, value in ((first, values[0]), (second, values[1]))]


# --- which codings -----------------------------------------------------------------------

def test_the_default_appendix_quotes_the_primary_coders_codings_only(project, owner, coder, transcript, threat):
    mine, theirs = twice_coded(transcript, "Because Moscow wanted it to.", threat, owner, coder)
    appendix = appendix_data(project=project, selection=PRIMARY)
    assert [(e.segment_id, e.coder) for e in appendix.excerpts] == [(mine.pk, "olga")]
    assert "Coders: the primary coder (olga) and settled codings" in appendix.selection_lines


def test_naming_another_primary_coder_quotes_their_codings(project, owner, coder, transcript, threat):
    mine, theirs = twice_coded(transcript, "Because Moscow wanted it to.", threat, owner, coder)
    project_primary_coder_set(project=project, user=coder, actor=owner)
    assert [e.segment_id for e in appendix_data(project=project, selection=PRIMARY).excerpts] == [theirs.pk]


def test_a_settled_coding_counts_as_primary(project, owner, coder, transcript, threat):
    start, end = phrase_span(transcript, "Because Moscow wanted it to.")
    mine = segment_create(transcript=transcript, start=start, end=end - 1, codes=[threat], coder=owner)
    theirs = segment_create(transcript=transcript, start=start, end=end, codes=[threat], coder=coder)
    passage_settle(action=KEEP, code=threat, segments=[mine, theirs], keep=theirs,
                   versions={mine.pk: mine.version, theirs.pk: theirs.version}, actor=owner)
    excerpts = appendix_data(project=project, selection=PRIMARY).excerpts
    assert [(e.segment_id, e.coder) for e in excerpts] == [(theirs.pk, "cora")]


def test_with_every_coder_an_identical_passage_is_one_excerpt_with_both_coders(project, owner, coder, transcript,
                                                                              russian_interest):
    mine, theirs = twice_coded(transcript, "Because Moscow wanted it to.", russian_interest, owner, coder,
                               values=("high", "medium"))
    excerpts = appendix_data(project=project, selection=EVERYONE).excerpts
    assert len(excerpts) == 1
    assert excerpts[0].segment_id == mine.pk and excerpts[0].coder == "olga, cora"
    assert excerpts[0].value == "high (olga); medium (cora)"


def test_a_passage_two_coders_coded_differently_has_one_citation_key(project, owner, coder, transcript, threat,
                                                                     russian_interest):
    start, end = phrase_span(transcript, "Because Moscow wanted it to.")
    mine = segment_create(transcript=transcript, start=start, end=end, codes=[threat], coder=owner)
    segment_create(transcript=transcript, start=start, end=end, codes=[russian_interest], coder=coder)
    excerpts = appendix_data(project=project, selection=EVERYONE).excerpts
    assert sorted((e.code, e.coder) for e in excerpts) == [("Russian interest", "cora"), ("Threat perception", "olga")]
    assert {e.key for e in excerpts} == {f"E1-{mine.pk:04d}"}


def test_with_every_coder_different_spans_stay_apart(project, owner, coder, transcript, threat):
    start, end = phrase_span(transcript, "Because Moscow wanted it to.")
    segment_create(transcript=transcript, start=start, end=end, codes=[threat], coder=owner)
    segment_create(transcript=transcript, start=start, end=end - 1, codes=[threat], coder=coder)
    assert len(appendix_data(project=project, selection=EVERYONE).excerpts) == 2


def test_the_appendix_runs_the_same_number_of_queries_for_any_number_of_coders(
        project, owner, coder, transcript, threat, django_assert_max_num_queries):
    twice_coded(transcript, "Because Moscow wanted it to.", threat, owner, coder)
    for selection in (PRIMARY, EVERYONE):
        with django_assert_max_num_queries(11):  # as test_appendix's, and the primary coder
            appendix_data(project=project, selection=selection)


def test_the_appendix_page_offers_every_coder(client_for, project, owner, coder, transcript, threat):
    twice_coded(transcript, "Because Moscow wanted it to.", threat, owner, coder)
    client = client_for(owner)
    assert 'name="all_coders"' in client.get(reverse("exports", args=[project.slug])).content.decode()
    response = client.get(reverse("exports_appendix", args=[project.slug]), {"format": "md", "all_coders": "on"})
    assert "coded by olga, cora" in response.content.decode()
    response = client.get(reverse("exports_appendix", args=[project.slug]), {"format": "md"})
    assert "coded by olga" in response.content.decode() and "cora" not in response.content.decode()


# --- the demo, in its outputs ------------------------------------------------------------

def spans_in_docx(data: bytes) -> list[tuple[tuple[str, ...], str, str, str]]:
    """(headings, citation, quote, key) of every quoted excerpt in a DOCX appendix."""
    found, headings, quote = [], {}, None
    for paragraph in Document(io.BytesIO(data)).paragraphs:
        style = paragraph.style.name
        if style.startswith("Heading "):
            level = int(style.split()[1])
            headings = {k: v for k, v in headings.items() if k < level} | {level: paragraph.text}
        elif style == "Quote":
            quote = paragraph.text
        elif style == CITATION_STYLE and quote is not None:
            key, citation = re.match(r"\[([^\]]+)\] ([^·]+?) ·", paragraph.text).groups()
            found.append((tuple(headings.values()), citation, quote, key))
            quote = None
    return found


def spans_in_markdown(text: str) -> list[tuple[tuple[str, ...], str, str, str]]:
    """(headings, citation, quote, key) of every quoted excerpt in a Markdown appendix."""
    found, headings, quote = [], {}, []
    for line in text.splitlines():
        heading = re.match(r"(#{1,6}) (.*)", line)
        if heading:
            level = len(heading.group(1))
            headings = {k: v for k, v in headings.items() if k < level} | {level: heading.group(2)}
        elif line.startswith(">"):
            quote.append(line[1:].strip())
        elif quote and line.strip():
            key, citation = re.match(r"\\?\[([^\]\\]+)\\?\] ([^·]+?) ·", line.strip().strip("*_")).groups()
            found.append((tuple(headings.values()), citation, " ".join(quote), key))
            quote = []
    return found


def assert_no_span_twice(spans):
    """No section quotes a passage twice, and a passage has one citation key however often
    it is quoted (under each of its codes and cases)."""
    keys = defaultdict(set)
    for _headings, citation, quote, key in spans:
        keys[(citation, quote)].add(key)
    assert {span: k for span, k in keys.items() if len(k) > 1} == {}
    per_section = [(headings, citation, quote) for headings, citation, quote, _ in spans]
    assert len(per_section) == len(set(per_section))


@pytest.mark.parametrize("selection", [PRIMARY, EVERYONE], ids=["primary", "every-coder"])
def test_the_demo_appendix_quotes_no_span_twice(demo, selection):
    appendix = appendix_data(project=demo, selection=selection)
    docx_spans = spans_in_docx(render_appendix(appendix, "docx"))
    markdown_spans = spans_in_markdown(render_appendix(appendix, "md").decode())
    assert len(docx_spans) == len(markdown_spans) == len(appendix.excerpts) > 100
    assert_no_span_twice(docx_spans)
    assert_no_span_twice(markdown_spans)
