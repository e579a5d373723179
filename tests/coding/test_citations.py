"""Citing a passage: the source, the paragraphs it spans and the citation, for any number
of passages in one query of turns; the text around it where asked."""
from __future__ import annotations

from apps.coding.citations import Excerpt, citation_key, cited_excerpts
from apps.coding.services import segment_create
from apps.transcripts.models import Transcript
from apps.transcripts.services import transcript_create
from tests.conftest import phrase_span


def passage(transcript: Transcript, phrase: str) -> Excerpt:
    start, end = phrase_span(transcript, phrase)
    return Excerpt.in_transcript(transcript, start=start, end=end)


def test_a_passage_is_cited_by_its_expert_and_the_paragraphs_it_spans(transcript):
    one, two = cited_excerpts([passage(transcript, "The members feared"),
                               passage(transcript, "at home.\n\nInterviewer: And")])
    assert (one.source, one.first, one.last, one.citation, one.paragraphs) == ("E1", 2, 2, "E1, ¶2", "2")
    assert (two.first, two.last, two.citation, two.paragraphs) == (2, 3, "E1, ¶2–3", "2–3")


def test_a_transcript_without_an_expert_is_its_own_source(project, owner):
    untitled = transcript_create(project=project, title="Group interview", text="A: one.\n\nB: two.",
                                 created_by=owner)
    cited = cited_excerpts([passage(untitled, "two")])[0]
    assert cited.pseudonym == "" and cited.source == "Group interview"
    assert cited.citation == "Group interview, ¶2"


def test_the_citation_key_comes_from_the_pseudonym_and_the_segment(transcript, coder, threat):
    start, end = phrase_span(transcript, "The members feared")
    segment = segment_create(transcript=transcript, start=start, end=end, codes=[threat], coder=coder)
    cited = cited_excerpts([Excerpt.of(segment, value="present")])[0]
    assert cited.key == f"E1-{segment.pk:04d}" and cited.segment_id == segment.pk
    assert cited.quote == "The members feared" and cited.value == "present" and cited.segment == segment
    assert citation_key(segment_id=7, pseudonym=None) == "S-0007"


def test_passages_of_many_transcripts_are_cited_in_one_query(project, owner, expert, transcript,
                                                              django_assert_num_queries):
    others = [transcript_create(project=project, title=f"Interview {i}", text=transcript.text, expert=expert,
                                created_by=owner, allow_duplicate=True) for i in range(5)]
    passages = [passage(t, "Baku had") for t in [transcript, *others]]
    with django_assert_num_queries(1):
        cited = cited_excerpts(passages)
    assert [e.citation for e in cited] == ["E1, ¶4"] * 6
    with django_assert_num_queries(0):
        assert cited_excerpts([]) == []


def test_context_is_the_text_of_the_turns_around_the_passage(transcript, django_assert_num_queries):
    with django_assert_num_queries(1):  # turns and texts
        cited = cited_excerpts([passage(transcript, "The members feared")], context=12)[0]
    assert cited.before == "…nted it to. "
    assert cited.after == " the same cr…"
    whole_turn = cited_excerpts([passage(transcript, "And in Armenia?")], context=50)[0]
    assert whole_turn.before == "" and whole_turn.after == ""


def test_a_transcript_without_turns_is_cited_by_its_source_alone(project, owner, expert):
    empty = transcript_create(project=project, title="No turns", text="Words without turns.", expert=expert,
                              created_by=owner, turns=[])
    cited = cited_excerpts([passage(empty, "without")], context=5)[0]
    assert (cited.first, cited.last, cited.citation, cited.paragraphs) == (None, None, "E1", "")
    assert cited.before == "" and cited.after == ""
