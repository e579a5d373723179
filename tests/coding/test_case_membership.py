"""The one case-membership rule (apps/coding/selectors.py).

A segment counts for case C when it is linked to C, or overlaps a segment linked to C in
the same transcript (a case section), or its transcript is linked to C. Ranges are
half-open: [a, b) and [b, c) touch but do not overlap. Segments in the trash count for
nothing and confer nothing.
"""
import pytest

from apps.cases.services import transcript_cases_set
from apps.coding.models import CaseMembership
from apps.coding.selectors import segment_case_pairs, segments_in_case
from apps.coding.services import segment_create, segment_delete
from apps.transcripts.services import transcript_create
from tests.conftest import SAMPLE_TEXT, phrase_span

SECTION = "Why did the alliance act in Kazakhstan?\n\nE1: Because Moscow wanted it to."


def code(transcript, start, end, coder, codes=(), cases=(), **kwargs):
    return segment_create(transcript=transcript, start=start, end=end, coder=coder, codes=codes, cases=cases,
                          **kwargs)


@pytest.fixture
def section(transcript, coder, kazakhstan):
    """The part of interview E1 about Kazakhstan, marked once."""
    start, end = phrase_span(transcript, SECTION)
    return code(transcript, start, end, coder, cases=[kazakhstan], is_case_section=True)


@pytest.fixture
def second_transcript(project, owner, transcript):
    """The same words in another interview, so that offsets coincide."""
    return transcript_create(project=project, title="Interview E1, second session", text=SAMPLE_TEXT,
                             created_by=owner, allow_duplicate=True)


def test_a_segment_linked_to_a_case_counts_for_it(project, transcript, coder, threat, armenia):
    segment = code(transcript, 0, 10, coder, [threat], cases=[armenia])
    assert segment_case_pairs(project=project) == {(segment.pk, armenia.pk)}
    assert list(segments_in_case(project=project, case=armenia)) == [segment]


def test_a_segment_inside_a_case_section_counts_for_its_case(project, transcript, coder, threat, section,
                                                              kazakhstan):
    start, end = phrase_span(transcript, "Moscow wanted")
    inside = code(transcript, start, end, coder, [threat])
    assert (inside.pk, kazakhstan.pk) in segment_case_pairs(project=project)
    assert set(segments_in_case(project=project, case=kazakhstan)) == {section, inside}


def test_a_segment_partly_overlapping_a_case_section_counts_for_its_case(project, transcript, coder, threat,
                                                                         section, kazakhstan):
    straddling = code(transcript, section.end - 5, section.end + 5, coder, [threat])
    assert straddling in segments_in_case(project=project, case=kazakhstan)


def test_touching_ranges_do_not_overlap(project, transcript, coder, threat, section, kazakhstan):
    after = code(transcript, section.end, section.end + 10, coder, [threat])   # [b, c) after [a, b)
    before = code(transcript, 0, section.start, coder, [threat])             # [0, a) before [a, b)
    members = set(segments_in_case(project=project, case=kazakhstan))
    assert after not in members and before not in members
    assert members == {section}


def test_a_case_section_counts_only_in_its_own_transcript(project, second_transcript, coder, threat, section,
                                                          kazakhstan):
    same_offsets_elsewhere = code(second_transcript, section.start, section.end, coder, [threat])
    assert (same_offsets_elsewhere.pk, kazakhstan.pk) not in segment_case_pairs(project=project)


def test_every_segment_of_a_transcript_linked_to_a_case_counts_for_it(project, transcript, second_transcript, coder,
                                                                      owner, threat, armenia):
    first = code(second_transcript, 0, 10, coder, [threat])
    second = code(second_transcript, 100, 120, coder, [threat])
    elsewhere = code(transcript, 0, 10, coder, [threat])
    transcript_cases_set(transcript=second_transcript, cases=[armenia], actor=owner)

    assert set(segments_in_case(project=project, case=armenia)) == {first, second}
    assert elsewhere not in segments_in_case(project=project, case=armenia)


def test_a_segment_counts_once_per_case_whatever_the_number_of_paths(project, transcript, coder, owner, threat,
                                                                     section, kazakhstan, armenia):
    start, end = phrase_span(transcript, "Moscow wanted")
    inside = code(transcript, start, end, coder, [threat], cases=[kazakhstan, armenia])
    transcript_cases_set(transcript=transcript, cases=[kazakhstan], actor=owner)

    assert sorted(case for seg, case in segment_case_pairs(project=project) if seg == inside.pk) == sorted(
        [kazakhstan.pk, armenia.pk])
    assert list(segments_in_case(project=project, case=kazakhstan)).count(inside) == 1
    stored = CaseMembership.objects.filter(segment=inside).values_list("case_id", flat=True)
    assert sorted(stored) == sorted([kazakhstan.pk, armenia.pk])


def test_a_segment_in_the_trash_counts_for_nothing(project, transcript, coder, owner, threat, section, kazakhstan):
    start, end = phrase_span(transcript, "Moscow wanted")
    inside = code(transcript, start, end, coder, [threat], cases=[kazakhstan])
    segment_delete(segment=inside, actor=coder)
    transcript_cases_set(transcript=transcript, cases=[kazakhstan], actor=owner)

    assert inside.pk not in {seg for seg, _ in segment_case_pairs(project=project)}
    assert inside not in segments_in_case(project=project, case=kazakhstan)


def test_a_case_section_in_the_trash_confers_nothing(project, transcript, coder, threat, section, kazakhstan):
    start, end = phrase_span(transcript, "Moscow wanted")
    inside = code(transcript, start, end, coder, [threat])
    segment_delete(segment=section, actor=coder)
    assert segment_case_pairs(project=project) == set()
    assert inside not in segments_in_case(project=project, case=kazakhstan)


def test_the_rule_stays_inside_the_project(project, other_project, outsider, transcript, coder, threat, armenia):
    code(transcript, 0, 10, coder, [threat], cases=[armenia])
    assert segment_case_pairs(project=other_project) == set()


def test_the_rule_is_one_query_whatever_the_data(project, transcript, coder, threat, section, kazakhstan,
                                                 django_assert_num_queries):
    for i in range(30):
        code(transcript, i, i + 5, coder, [threat])
    with django_assert_num_queries(1):
        pairs = segment_case_pairs(project=project)
    with django_assert_num_queries(1):
        members = list(segments_in_case(project=project, case=kazakhstan))
    assert len(members) == len({seg for seg, case in pairs if case == kazakhstan.pk})
