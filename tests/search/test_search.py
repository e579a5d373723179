"""Searching a project's transcripts, on the suite's database (SQLite, or PostgreSQL when
DATABASE_URL is set): every query form and filter with its hits written out by hand, and
the index kept in step with the text."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from apps.coding.services import transcript_update_text
from apps.search.models import Passage
from apps.search.selectors import SearchParams, search_hits
from apps.search.services import passages_rebuild
from apps.transcripts.services import expert_create, transcript_create
from tests.search.conftest import found


def test_a_word_finds_every_occurrence_in_order_of_transcript_and_text(project, study):
    assert found(project, "base") == [
        ("E3", 1, "base"), ("E3", 2, "base"), ("E3", 2, "base"), ("E3", 5, "base"),
        ("E5", 2, "base"), ("E5", 2, "base"),
    ]


def test_a_phrase(project, study):
    assert found(project, '"air base"') == [("E3", 1, "air base"), ("E3", 2, "air base"), ("E5", 2, "air base")]
    assert found(project, '"Kant air base"') == [("E3", 1, "Kant air base")]


def test_several_words_find_paragraphs_with_all_of_them(project, study):
    assert found(project, "Kant air base") == [
        ("E3", 1, "Kant"), ("E3", 1, "air"), ("E3", 1, "base"),
        ("E3", 2, "air"), ("E3", 2, "base"), ("E3", 2, "Kant"), ("E3", 2, "base"),
        ("E5", 2, "air"), ("E5", 2, "base"), ("E5", 2, "Kant"), ("E5", 2, "base"),
    ]


def test_a_prefix_wildcard(project, study):
    assert found(project, "Russ*") == [
        ("E3", 1, "Russia"), ("E3", 2, "Russia"), ("E3", 2, "Russia"), ("E3", 5, "Russian"),
        ("E5", 1, "Russia"), ("E5", 2, "Russia"),
    ]


def test_boolean_or_and_not(project, study):
    assert found(project, "Osh OR Otunbaeva") == [("E3", 2, "Otunbaeva"), ("E5", 1, "Osh"), ("E5", 2, "Osh")]
    assert found(project, "Kant NOT Moscow") == [("E3", 1, "Kant"), ("E5", 2, "Kant")]
    assert found(project, "Kant AND Moscow") == [("E3", 2, "Kant"), ("E3", 2, "Moscow")]
    assert found(project, "(Osh OR Moscow) Kant") == [("E3", 2, "Kant"), ("E3", 2, "Moscow"), ("E5", 2, "Kant"),
                                                      ("E5", 2, "Osh")]


def test_proximity(project, study):
    assert found(project, "Russia NEAR/3 base") == [("E3", 2, "Russia wanted the base"),
                                                    ("E5", 2, "Russia had its air base")]
    assert found(project, "Russia NEAR/2 base") == [("E3", 2, "Russia wanted the base")]
    # With 4 words between, the second Russia of ¶2 is near the base before it too; the two
    # stretches overlap and make one hit.
    assert found(project, "Russia NEAR/4 base") == [("E3", 1, "Russia keep the Kant air base"),
                                                    ("E3", 2, "Russia wanted the base kept, and Otunbaeva asked Russia"),
                                                    ("E5", 2, "Russia had its air base")]


def test_regular_expressions(project, study):
    assert found(project, "/Otunba[ey]+va/") == [("E3", 2, "Otunbaeva")]
    assert found(project, r"/\d{4}/") == [("E3", 1, "2010"), ("E3", 3, "2022")]
    assert found(project, r"/air\s+base at/") == [("E3", 2, "air base at"), ("E5", 2, "air base at")]
    assert found(project, "/росси[яй]/") == [("E3", 4, "РОССИЯ"), ("E3", 4, "россий")]  # inside words too
    assert found(project, r"/\bросси[яй]\b/") == [("E3", 4, "РОССИЯ")]


def test_case_and_diacritics_are_ignored_unless_asked(project, study):
    assert found(project, "tokaiev") == [("E3", 3, "Tokaïev")]
    assert found(project, "CAFE") == [("E3", 5, "Café")]
    assert found(project, "Tokaiev", exact=True) == []
    assert found(project, "Tokaïev", exact=True) == [("E3", 3, "Tokaïev")]
    assert found(project, "russia", exact=True) == []


def test_cyrillic(project, study):
    assert found(project, "россия") == [("E3", 4, "РОССИЯ")]
    assert found(project, '"еще раз"') == [("E3", 4, "Ещё раз")]
    assert found(project, "Росси*") == [("E3", 4, "РОССИЯ"), ("E3", 4, "российские")]
    assert found(project, "токаев NEAR/1 помощи") == [("E3", 4, "Токаев попросил помощи")]


def test_fuzzy_matching_only_when_asked(project, study):
    assert found(project, "Otunbayeva") == []
    assert found(project, "Otunbayeva~") == [("E3", 2, "Otunbaeva")]
    assert found(project, "Otunbayeva", fuzzy=True) == [("E3", 2, "Otunbaeva")]
    assert found(project, "Tokaev", fuzzy=True) == [("E3", 3, "Tokaïev")]


def test_filter_by_speaker(project, study):
    assert found(project, "Russia", speaker="expert") == [("E3", 2, "Russia"), ("E3", 2, "Russia"),
                                                           ("E5", 2, "Russia")]
    assert found(project, "Russia", speaker="interviewer") == [("E3", 1, "Russia"), ("E5", 1, "Russia")]


def test_filter_by_transcript_and_expert(project, study):
    assert found(project, '"air base"', transcripts=(study["e5"].pk,)) == [("E5", 2, "air base")]
    assert found(project, '"air base"', experts=(study["e3"].expert_id,)) == [("E3", 1, "air base"),
                                                                               ("E3", 2, "air base")]


def test_filter_by_case_uses_case_sections_linked_segments_and_whole_transcripts(project, study, kazakhstan,
                                                                                  armenia):
    # Armenia 2022: the case section over ¶2 of E3, and the segment linked to it in ¶5.
    assert found(project, "Russ*", cases=(armenia.pk,)) == [("E3", 2, "Russia"), ("E3", 2, "Russia"),
                                                            ("E3", 5, "Russian")]
    # Kazakhstan 2022: the whole of E5.
    assert found(project, "base", cases=(kazakhstan.pk,)) == [("E5", 2, "base"), ("E5", 2, "base")]
    assert found(project, "Kant", cases=(kazakhstan.pk, armenia.pk)) == [("E3", 2, "Kant"), ("E5", 2, "Kant")]


def test_filter_inside_or_outside_the_segments_of_a_code(project, study, russian_interest):
    assert found(project, "base", code=russian_interest.pk) == [("E3", 2, "base")]
    assert found(project, "base", code=russian_interest.pk, code_mode="outside") == [
        ("E3", 1, "base"), ("E3", 2, "base"), ("E3", 5, "base"), ("E5", 2, "base"), ("E5", 2, "base")]


def test_filter_coded_or_uncoded_text(project, study):
    # The case section has no code: it does not make its text coded.
    assert found(project, "Russ*", coded="coded") == [("E3", 2, "Russia"), ("E3", 5, "Russian")]
    assert found(project, "Russ*", coded="uncoded") == [("E3", 1, "Russia"), ("E3", 2, "Russia"),
                                                        ("E5", 1, "Russia"), ("E5", 2, "Russia")]


def test_speaker_labels_and_the_text_between_turns_are_not_searched(project, study):
    assert found(project, "Interviewer") == []
    assert found(project, "E5") == []


def test_an_empty_query_finds_nothing_and_a_bad_one_says_why(project, study):
    assert search_hits(project=project, params=SearchParams(q="  ")).hits == []
    with pytest.raises(ValidationError, match="not valid: unterminated character set"):
        search_hits(project=project, params=SearchParams(q="/Otunba[ey/"))
    with pytest.raises(ValidationError, match="not one of"):
        SearchParams(q="x", speaker="nobody")


def test_a_code_of_another_project_is_refused(project, study, other_project_code):
    with pytest.raises(ValidationError, match="no code"):
        search_hits(project=project, params=SearchParams(q="base", code=other_project_code.pk))


def test_another_projects_transcripts_are_never_searched(project, study, other_project, outsider):
    transcript_create(project=other_project, title="Theirs", text="E9: Kant air base again.", created_by=outsider)
    assert [h for h in found(project, "Kant") if h[0] not in ("E3", "E5")] == []
    assert len(search_hits(project=other_project, params=SearchParams(q="Kant")).hits) == 1


# --- the index in step with the text ------------------------------------------------------------

def test_a_text_edit_is_searched_at_once(project, study, owner):
    e5 = study["e5"]
    transcript_update_text(transcript=e5, text=e5.text.replace("Kant", "Kent"), version=e5.version, actor=owner)
    assert found(project, "Kant") == [("E3", 1, "Kant"), ("E3", 2, "Kant")]
    assert found(project, "Kent") == [("E5", 2, "Kent")]


def test_a_new_transcript_is_searched_at_once_and_a_deleted_one_leaves_no_rows(project, owner, study):
    extra = transcript_create(project=project, title="Extra", text="Q: Where?\n\nE7: At Kant, near Bishkek.",
                              created_by=owner, expert=expert_create(project=project, pseudonym="E7", actor=owner))
    assert found(project, "Bishkek") == [("E7", 2, "Bishkek")]
    extra.delete()
    assert not Passage.objects.filter(transcript_id=extra.pk).exists()
    if connection.vendor == "sqlite":  # the trigger took its words out of the FTS5 index
        with connection.cursor() as cursor:
            cursor.execute("SELECT rowid FROM search_passage_fts WHERE search_passage_fts MATCH 'bishkek'")
            assert cursor.fetchall() == []
    assert found(project, "Bishkek") == []


def test_a_rebuild_stores_the_same_passages_as_the_writes_did(project, study):
    def rows():
        return sorted(Passage.objects.values_list("transcript_id", "paragraph", "start", "end", "folded", "shifted"))

    before = rows()
    assert passages_rebuild(project=project) == 2
    assert rows() == before
    assert found(project, '"air base"') == [("E3", 1, "air base"), ("E3", 2, "air base"), ("E5", 2, "air base")]


def test_a_very_long_paragraph_is_stored_in_overlapping_pieces_and_a_phrase_across_their_border_is_found(
        project, owner):
    from apps.search.index import MAX_PASSAGE

    filler = " ".join(f"word{i}" for i in range(6000))
    cut = filler.rfind(" ", 0, MAX_PASSAGE - 5)
    text = "E1: " + filler[:cut] + " Kant air base " + filler[cut + 1:]
    transcript = transcript_create(project=project, title="Long", text=text, created_by=owner)
    pieces = list(Passage.objects.filter(transcript=transcript).order_by("start").values_list("start", "end"))
    assert len(pieces) >= 3 and all(a[1] > b[0] for a, b in zip(pieces, pieces[1:]))
    hits = search_hits(project=project, params=SearchParams(q='"Kant air base"')).hits
    assert [text[h.start:h.end] for h in hits] == ["Kant air base"]
    assert len(search_hits(project=project, params=SearchParams(q="word5999")).hits) == 1


def test_the_database_narrows_the_passages_down_before_python_looks(project, study):
    assert Passage.objects.filter(project=project).count() == 7
    assert search_hits(project=project, params=SearchParams(q='"air base"')).candidates == 3
    assert search_hits(project=project, params=SearchParams(q="Otunbayeva~")).candidates == 1
    assert search_hits(project=project, params=SearchParams(q="/Otunba[ey]+va/")).candidates == 1
    assert search_hits(project=project, params=SearchParams(q="Росси*")).candidates == 1
    # NOT narrows nothing in the database (Python leaves the passages with Moscow out)
    assert search_hits(project=project, params=SearchParams(q="Kant NOT Moscow")).candidates == 3


def test_the_index_command_checks_and_stores_the_index_anew(project, study):
    import io

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("search_index", "--check", stdout=out)
    assert "0 transcript(s) out of step." in out.getvalue()
    Passage.objects.filter(transcript=study["e5"]).delete()  # as if a bulk load had sent no signal
    with pytest.raises(CommandError, match="out of step"):
        call_command("search_index", "--check", "--project", project.slug, stdout=io.StringIO())
    assert found(project, "Osh") == []
    call_command("search_index", "--project", project.slug, stdout=out)
    assert found(project, "Osh") == [("E5", 1, "Osh"), ("E5", 2, "Osh")]
    with pytest.raises(CommandError, match="no project"):
        call_command("search_index", "--project", "nope", stdout=io.StringIO())
