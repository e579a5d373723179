"""Suggestions for a code: what is ranked (the experts' sentences not coded with it yet,
nor rejected for it), in what order (learned from its segments and definition), with
what reason; accepting makes an ordinary coding that remembers its origin, rejecting is
remembered; ranking writes nothing."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from apps.coding.models import Coding, Segment
from apps.projects.models import Activity
from apps.suggestions.engines import Passage, TfidfEngine, Training
from apps.suggestions.models import SuggestionOrigin, SuggestionRejection
from apps.suggestions.selectors import passages, suggestions_for_code
from apps.suggestions.services import suggestion_accept, suggestion_reject
from apps.transcripts.sentences import sentences_in
from tests.conftest import phrase_span
from tests.suggestions.conftest import CODED


def texts(found) -> list[str]:
    return [s.passage.text for s in found.suggestions]


def test_sentences_in_a_paragraph_end_at_their_marks_and_keep_closing_quotes():
    text = 'He said: "Go." Then nothing happened! Why? Because… nobody came'
    assert [text[s:e] for s, e in sentences_in(text, 0, len(text))] == [
        'He said: "Go."', "Then nothing happened!", "Why?", "Because…", "nobody came"]


def test_only_the_experts_sentences_are_passages(project, study):
    found = [p.text for p in passages(project=project)]
    assert "Why did the alliance act in Kazakhstan?" not in found and "And the others?" not in found
    assert "The coffee at the summit was terrible." in found
    assert "Interviewer:" not in " ".join(found)


def test_suggestions_rank_the_sentences_like_the_coded_ones_first(project, study, russian_interest):
    found = suggestions_for_code(project=project, code=russian_interest, limit=20)
    ranked = texts(found)
    assert found.examples == 3
    assert not set(CODED) & set(ranked)                     # coded already: not proposed
    about_bases = {"Russia keeps its largest base abroad in Dushanbe, and Russian soldiers guard it.",
                   "The 201st base gave Moscow its reasons to care."}
    assert set(ranked[:2]) == about_bases, ranked
    assert ranked.index("The coffee at the summit was terrible.") > 1


def test_a_suggestion_says_why_the_nearest_coded_passages_and_the_words(project, study, russian_interest):
    best = suggestions_for_code(project=project, code=russian_interest, limit=3).suggestions[0]
    assert best.nearest and all(p.text in CODED for p in best.nearest)
    assert best.words and all(w in best.passage.text.lower() for w in best.words)


def test_one_transcript_only(project, study, russian_interest):
    found = suggestions_for_code(project=project, code=russian_interest, transcript=study["e4"])
    assert {s.passage.transcript_id for s in found.suggestions} == {study["e4"].pk}


def test_few_examples_rank_by_the_nearest_coded_passage_and_the_definition():
    engine = TfidfEngine()
    coded = Passage(1, 0, 10, "Russian troops guard the air base.")
    candidates = [Passage(2, 0, 10, "The coffee was cold."), Passage(2, 20, 30, "Russian troops guard a base.")]
    ranked = engine.rank(Training(positives=[coded], negatives=[], definition="Russia's bases and troops"),
                         candidates)
    assert [s.passage.text for s in ranked] == ["Russian troops guard a base.", "The coffee was cold."]
    assert ranked[0].nearest == [coded] and ranked[0].score > ranked[1].score
    only_definition = engine.rank(Training(positives=[], negatives=[], definition="coffee served cold"), candidates)
    assert only_definition[0].passage.text == "The coffee was cold."


def test_ranking_writes_nothing(project, study, russian_interest, django_assert_max_num_queries):
    before = (Segment.all_objects.count(), Coding.objects.count(), Activity.objects.count(),
              SuggestionRejection.objects.count(), SuggestionOrigin.objects.count())
    with django_assert_max_num_queries(5):
        suggestions_for_code(project=project, code=russian_interest)
    assert before == (Segment.all_objects.count(), Coding.objects.count(), Activity.objects.count(),
                      SuggestionRejection.objects.count(), SuggestionOrigin.objects.count())


def test_accepting_makes_an_ordinary_coding_that_records_its_origin(project, study, russian_interest, coder):
    e4 = study["e4"]
    start, end = phrase_span(e4, "The 201st base gave Moscow its reasons to care.")
    segment = suggestion_accept(code=russian_interest, transcript=e4, start=start, end=end, actor=coder,
                                value="high")
    assert (segment.coder, segment.quote) == (coder, "The 201st base gave Moscow its reasons to care.")
    assert [(c.tag, c.value) for c in segment.codings.all()] == [(russian_interest, "high")]
    origin = segment.suggestion_origin
    assert (origin.engine, origin.engine_version, origin.accepted_by) == ("tfidf-logreg", "1", coder)
    assert Activity.objects.filter(verb="coded", target_id=segment.pk).exists()
    ranked = texts(suggestions_for_code(project=project, code=russian_interest))
    assert "The 201st base gave Moscow its reasons to care." not in ranked


def test_accepting_checks_like_any_coding(project, study, russian_interest, coder):
    e4 = study["e4"]
    with pytest.raises(ValidationError, match="quote"):
        suggestion_accept(code=russian_interest, transcript=e4, start=0, end=5, actor=coder, quote="other")
    with pytest.raises(ValidationError, match="0 <= start < end"):
        suggestion_accept(code=russian_interest, transcript=e4, start=5, end=5, actor=coder)
    assert not SuggestionOrigin.objects.exists()


def test_a_rejected_suggestion_is_never_proposed_again(project, study, russian_interest, coder):
    e4 = study["e4"]
    start, end = phrase_span(e4, "Russia keeps its largest base abroad in Dushanbe, and Russian soldiers guard it.")
    first = suggestion_reject(code=russian_interest, transcript=e4, start=start, end=end, actor=coder)
    again = suggestion_reject(code=russian_interest, transcript=e4, start=start, end=end, actor=coder)
    assert first.pk == again.pk and SuggestionRejection.objects.count() == 1
    assert first.quote.startswith("Russia keeps its largest base")
    ranked = texts(suggestions_for_code(project=project, code=russian_interest))
    assert not any(t.startswith("Russia keeps its largest base") for t in ranked)
    assert not Segment.objects.filter(transcript=e4).exists()


def test_accepting_a_rejected_passage_withdraws_the_rejection(project, study, russian_interest, coder):
    e4 = study["e4"]
    start, end = phrase_span(e4, "The 201st base gave Moscow its reasons to care.")
    suggestion_reject(code=russian_interest, transcript=e4, start=start, end=end, actor=coder)
    suggestion_accept(code=russian_interest, transcript=e4, start=start, end=end, actor=coder)
    assert not SuggestionRejection.objects.exists()


def test_a_code_of_another_project_is_refused(project, study, other_project_code, coder):
    with pytest.raises(ValidationError, match="not a live code"):
        suggestion_reject(code=other_project_code, transcript=study["e4"], start=0, end=5, actor=coder)
