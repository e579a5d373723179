"""Reads of the coding workspace: member cases, search, hits with citations, the trash,
the code tree with counts, and whole-word boundaries."""
from __future__ import annotations

import pytest

from apps.cases.services import transcript_cases_set
from apps.coding.selectors import (
    cases_for_segments,
    code_subtree_ids,
    code_tree,
    segment_case_pairs,
    segment_hits,
    segment_search,
    segments_in_cases,
    segments_in_trash,
    transcript_workspace,
)
from apps.coding.services import segment_bounds_snapped, segment_create, segment_delete
from apps.transcripts.services import transcript_create
from tests.conftest import phrase_span


def coded(transcript, phrase, codes, coder, **kwargs):
    start, end = phrase_span(transcript, phrase)
    return segment_create(transcript=transcript, start=start, end=end, codes=codes, coder=coder, **kwargs)


@pytest.fixture
def study(project, owner, coder, transcript, expert, threat, russian_interest, kazakhstan, armenia):
    """A case section about Kazakhstan with a coding inside, a coding linked to Armenia, one
    outside any case, and a second transcript linked to Armenia as a whole."""
    section = coded(transcript, "Because Moscow wanted it to. The members feared the same crowds at home.", [],
                    coder, cases=[kazakhstan], is_case_section=True)
    inside = coded(transcript, "The members feared", [threat], coder)
    linked = coded(transcript, "Baku had too many friends", [threat], owner, cases=[armenia])
    outside = coded(transcript, "Why did the alliance act", [russian_interest], coder)
    second = transcript_create(project=project, title="Second", text="E1: Yerevan asked and waited.",
                               expert=expert, created_by=owner)
    transcript_cases_set(transcript=second, cases=[armenia], actor=owner)
    whole = coded(second, "Yerevan asked", [russian_interest], owner)
    return {"section": section, "inside": inside, "linked": linked, "outside": outside, "whole": whole,
            "second": second}


def test_cases_for_segments_follows_the_membership_rule(project, transcript, study, kazakhstan, armenia):
    members = cases_for_segments(project=project, segment_ids=[s.pk for s in study.values() if hasattr(s, "quote")])
    assert members[study["section"].pk] == [kazakhstan.pk]
    assert members[study["inside"].pk] == [kazakhstan.pk]
    assert members[study["linked"].pk] == [armenia.pk]
    assert study["outside"].pk not in members
    assert members[study["whole"].pk] == [armenia.pk]
    # The same as the one rule, by transcript too.
    by_transcript = cases_for_segments(project=project, transcript=transcript)
    pairs = {(s, c) for s, cs in by_transcript.items() for c in cs}
    assert pairs == {(s, c) for s, c in segment_case_pairs(project=project)
                     if s in {study[k].pk for k in ("section", "inside", "linked", "outside")}}


def test_cases_for_many_segments_writes_their_ids_into_the_sql(monkeypatch, project, study):
    from apps.coding import selectors

    ids = [s.pk for s in study.values() if hasattr(s, "quote")]
    expected = cases_for_segments(project=project, segment_ids=ids)
    monkeypatch.setattr(selectors, "MAX_ID_LIST", 2)  # as if the list were longer than SQLite's parameters
    assert cases_for_segments(project=project, segment_ids=ids) == expected


def test_the_membership_rule_without_a_scope_is_unchanged():
    from apps.coding.selectors import case_membership_sql

    sql, names = case_membership_sql()
    assert names == ["project_id", "project_id"] and "scope" not in sql and sql.count("%s") == 2
    scoped, names = case_membership_sql("s.transcript_id = %s")
    assert names == ["project_id", "scope", "project_id", "scope"] and scoped.count("%s") == 4


def test_cases_for_no_segments_is_empty_without_a_query(project, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert cases_for_segments(project=project, segment_ids=[]) == {}


def test_segments_in_cases_counts_sections_links_and_whole_transcripts(project, study, kazakhstan, armenia):
    assert set(segments_in_cases(project=project, case_ids=[kazakhstan.pk])) == {study["section"], study["inside"]}
    assert set(segments_in_cases(project=project, case_ids=[armenia.pk])) == {study["linked"], study["whole"]}
    assert not segments_in_cases(project=project, case_ids=[]).exists()


def test_a_deleted_case_section_no_longer_counts(project, coder, study, kazakhstan):
    segment_delete(segment=study["section"], actor=coder)
    assert not segments_in_cases(project=project, case_ids=[kazakhstan.pk]).exists()


def test_segment_search_combines_filters(project, owner, coder, expert, study, threat, russian_interest, armenia,
                                         kazakhstan):
    def found(**filters):
        return set(segment_search(project=project, **filters))

    assert found(code_ids=[threat.pk]) == {study["inside"], study["linked"]}
    assert found(code_ids=[threat.pk], case_ids=[kazakhstan.pk]) == {study["inside"]}
    assert found(code_ids=[russian_interest.pk], case_ids=[armenia.pk]) == {study["whole"]}
    assert found(coder_ids=[owner.pk], code_ids=[threat.pk]) == {study["linked"]}
    assert found(expert_ids=[expert.pk], text="yerevan") == {study["whole"]}
    assert found(transcript_ids=[study["second"].pk]) == {study["whole"]}
    assert len(found()) == 5


def test_segment_search_leaves_out_the_trash(project, coder, study, threat):
    segment_delete(segment=study["inside"], actor=coder)
    assert set(segment_search(project=project, code_ids=[threat.pk])) == {study["linked"]}
    assert list(segments_in_trash(project=project)) == [study["inside"]]


def test_segment_hits_cite_the_paragraph_and_show_the_turn(project, study, kazakhstan):
    hits = segment_hits(project=project, segments=list(segment_search(project=project)))
    by_id = {h.segment.pk: h for h in hits}
    inside = by_id[study["inside"].pk]
    assert inside.citation == "E1, ¶2" and inside.paragraph == 2
    assert inside.before == "Because Moscow wanted it to. "
    assert inside.after == " the same crowds at home."
    assert [c.name for c in inside.cases] == ["Kazakhstan 2022"]
    assert [c.tag.name for c in inside.codes] == ["Threat perception"]


def test_segment_hits_span_paragraphs_and_shorten_long_context(project, owner, coder, expert, threat):
    long_turn = "word " * 200
    text = f"A: {long_turn}start here\n\nB: and end there {long_turn}"
    transcript = transcript_create(project=project, title="Long", text=text, expert=expert, created_by=owner)
    segment = coded(transcript, "start here\n\nB: and end there", [threat], coder)
    hit = segment_hits(project=project, segments=[segment])[0]
    assert hit.citation == "E1, ¶1–2"
    assert hit.before.startswith("…") and len(hit.before) == 401
    assert hit.after.endswith("…")


def test_segment_hits_run_a_fixed_number_of_queries_for_a_page(project, study, django_assert_num_queries):
    segments = list(segment_search(project=project))
    with django_assert_num_queries(3):  # turns and texts, member cases, cases
        segment_hits(project=project, segments=segments)


def test_transcript_workspace_counts_codes_here_and_in_the_project(project, coder, transcript, study, threat):
    page = transcript_workspace(transcript=transcript, project=project, can_code=True)
    assert [t.number for t in page["turns"]] == [1, 2, 3, 4]
    assert page["turns"][1].text == "Because Moscow wanted it to. The members feared the same crowds at home."
    assert page["n_case_sections"] == 1
    counts = {c["name"]: (c["n_here"], c["n_all"]) for c in page["workspace_data"]["codes"]}
    # The project-wide counts come from the codes API after the page (it reads this transcript only).
    assert counts == {"Threat perception": (2, None), "Russian interest": (1, None)}


def test_code_tree_counts_leave_out_the_trash(project, coder, study, threat):
    segment_delete(segment=study["linked"], actor=coder)
    node = next(n for n in code_tree(project=project) if n.code == threat)
    assert node.segments == 1


# --- whole-word boundaries (segment_bounds_snapped, used when a boundary is moved) --------

@pytest.mark.parametrize("text, start, end, expected", [
    ("The members feared the crowds", 5, 14, "members feared"),
    ("The members feared the crowds", 4, 11, "members"),
    ("The members feared the crowds", 3, 12, "members"),          # outer spaces trimmed
    ("Jalal-Abad and Osh", 2, 8, "Jalal-Abad"),                     # hyphenated names are one word
    ("Москва хотела этого", 2, 9, "Москва хотела"),
    ("𝔘 marks 😀 the question", 3, 5, "marks"),                    # code points, not UTF-16 units
    ("Wait ... what", 5, 8, "..."),                                 # punctuation only: unchanged
    ("   ", 0, 3, "   "),
])
def test_segment_bounds_snap_to_whole_words(text, start, end, expected):
    s, e = segment_bounds_snapped(text=text, start=start, end=end)
    assert text[s:e] == expected


def test_a_code_subtree_holds_the_codes_and_everything_below_them():
    parents = {1: None, 2: 1, 3: 2, 4: 1, 5: None, 6: 5}
    assert code_subtree_ids([1], parents=parents) == {1, 2, 3, 4}
    assert code_subtree_ids([2, 6], parents=parents) == {2, 3, 6}
    assert code_subtree_ids([3], parents=parents) == {3}
    assert code_subtree_ids([], parents=parents) == set()
    # a code the mapping does not know (in the trash, say) is still its own subtree
    assert code_subtree_ids([9], parents=parents) == {9}
