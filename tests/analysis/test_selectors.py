"""The analysis selectors: the spec.

The expected matrices below were worked out by hand from the small study described in
tests/analysis/small_study.py (overlaps, case sections, a transcript-level case, nested
codes, an expert with two interviews, a segment in the trash); every cell is compared.
The study's owner and coder code as one team, so these count every coder (`all_coders`);
the default, the primary coding, is specified in test_primary_coding.py.
"""
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.analysis.selectors import (
    NOT_SET,
    code_breakdown,
    code_case_matrix,
    code_cooccurrence,
    code_frequencies,
    cooccurrence_excerpts,
    matrix_cell_excerpts,
    review_dashboard,
)
from apps.coding.services import code_create, segment_create, segment_update
from apps.transcripts.services import transcript_create
from tests.analysis.small_study import analytic, more_segments, study, words  # noqa: F401  (study: a fixture)

pytestmark = pytest.mark.django_db


def cells(matrix):
    """{(code name, column label): (segment names, experts, values)} of the non-empty cells."""
    return {
        (row.code.name, column.label): (cell.segment_ids, cell.experts, cell.values)
        for row, line in matrix.lines() for column, cell in zip(matrix.columns, line) if cell.segments
    }


def ids(study, names: str) -> list[int]:
    return sorted(getattr(study, n).pk for n in names)


# --- the code x case matrix --------------------------------------------------------------

def test_matrix_by_case_counts_every_cell_by_the_membership_rule(study):
    m = code_case_matrix(project=study.project, all_coders=True, measure="segments")
    assert [c.label for c in m.columns] == ["Kazakhstan", "Armenia", "Kyrgyzstan"]
    assert [r.path for r in m.rows] == ["Threat", "Threat > Terror", "Russia"]
    assert [r.depth for r in m.rows] == [0, 1, 0]
    assert cells(m) == {
        ("Threat", "Kazakhstan"): (ids(study, "afj"), 2, {"present": ["E1", "E2"]}),
        ("Threat", "Armenia"): (ids(study, "d"), 1, {"absent": ["E1"]}),
        ("Threat", "Kyrgyzstan"): (ids(study, "h"), 1, {"absent": ["E3"]}),
        ("Terror", "Kazakhstan"): (ids(study, "b"), 1, {}),
        ("Terror", "Armenia"): (ids(study, "g"), 1, {}),
        ("Russia", "Kazakhstan"): (ids(study, "cfi"), 3, {"low": ["E3"], "medium": ["E2"], "high": ["E1"]}),
        ("Russia", "Kyrgyzstan"): (ids(study, "i"), 1, {"low": ["E3"]}),
    }


def test_matrix_cell_count_follows_the_measure(study):
    experts = code_case_matrix(project=study.project, all_coders=True)  # distinct experts by default
    segments = code_case_matrix(project=study.project, all_coders=True, measure="segments")
    by_words = code_case_matrix(project=study.project, all_coders=True, measure="words")
    kz = str(study.kz.pk)
    assert experts.measure == "experts"
    assert experts.cell(study.threat.pk, kz).count == 2  # a and j are both E1's
    assert segments.cell(study.threat.pk, kz).count == 3
    assert by_words.cell(study.threat.pk, kz).count == words(study.a, study.f, study.j)
    assert by_words.cell(study.russia.pk, kz).count == words(study.c, study.f, study.i)
    assert by_words.cell(study.terror.pk, str(study.kg.pk)).count == 0
    assert experts.cell(study.threat.pk, kz).words is None


def test_matrix_values_follow_the_codes_scale_order(study):
    m = code_case_matrix(project=study.project, all_coders=True)
    assert list(m.cell(study.russia.pk, str(study.kz.pk)).values) == ["low", "medium", "high"]


def test_matrix_with_sub_codes_counts_a_segment_once_and_keeps_the_codes_own_values(study):
    m = code_case_matrix(project=study.project, all_coders=True, measure="segments", rollup=True)
    assert cells(m)[("Threat", "Kazakhstan")] == (ids(study, "abfj"), 2, {"present": ["E1", "E2"]})
    assert cells(m)[("Threat", "Armenia")] == (ids(study, "dg"), 2, {"absent": ["E1"]})
    assert cells(m)[("Terror", "Armenia")] == (ids(study, "g"), 1, {})


def test_matrix_rows_can_be_one_branch_of_the_tree(study):
    m = code_case_matrix(project=study.project, all_coders=True, measure="segments", root_code=study.threat)
    assert [r.path for r in m.rows] == ["Threat", "Threat > Terror"]
    leaf = code_case_matrix(project=study.project, all_coders=True, root_code=study.terror)
    assert [r.path for r in leaf.rows] == ["Threat > Terror"]
    assert leaf.cell(study.terror.pk, str(study.am.pk)).segment_ids == ids(study, "g")


def test_matrix_by_expert(study):
    m = code_case_matrix(project=study.project, all_coders=True, measure="segments", columns="experts")
    assert [c.label for c in m.columns] == ["E1", "E2", "E3"]
    assert cells(m) == {
        ("Threat", "E1"): (ids(study, "adj"), 1, {"present": ["E1"], "absent": ["E1"]}),
        ("Threat", "E2"): (ids(study, "f"), 1, {"present": ["E2"]}),
        ("Threat", "E3"): (ids(study, "h"), 1, {"absent": ["E3"]}),
        ("Terror", "E1"): (ids(study, "b"), 1, {}),
        ("Terror", "E2"): (ids(study, "gk"), 1, {}),
        ("Russia", "E1"): (ids(study, "ce"), 1, {"low": ["E1"], "high": ["E1"]}),
        ("Russia", "E2"): (ids(study, "f"), 1, {"medium": ["E2"]}),
        ("Russia", "E3"): (ids(study, "i"), 1, {"low": ["E3"]}),
    }


def test_matrix_by_transcript_and_by_coder(study, owner, coder):
    by_transcript = code_case_matrix(project=study.project, all_coders=True, measure="segments", columns="transcripts")
    assert [c.label for c in by_transcript.columns] == ["T1", "T2", "T3", "T4"]
    assert {k: v[0] for k, v in cells(by_transcript).items() if k[0] == "Threat"} == {
        ("Threat", "T1"): ids(study, "ad"), ("Threat", "T2"): ids(study, "f"),
        ("Threat", "T3"): ids(study, "h"), ("Threat", "T4"): ids(study, "j")}
    by_coder = code_case_matrix(project=study.project, all_coders=True, measure="segments", columns="coders")
    assert [c.label for c in by_coder.columns] == [coder.username, owner.username]  # cora, olga
    assert cells(by_coder)[("Russia", owner.username)][0] == ids(study, "e")
    assert cells(by_coder)[("Russia", coder.username)][0] == ids(study, "cfi")


def test_matrix_by_case_attribute_counts_a_segment_in_two_cases_of_one_value_once(study):
    m = code_case_matrix(project=study.project, all_coders=True, measure="segments", columns=study.threat_type.pk)
    assert [(c.label, c.member_ids) for c in m.columns] == [
        ("internal", tuple(sorted([study.kz.pk, study.kg.pk]))), ("external", (study.am.pk,))]
    assert m.column_title == "threat type"
    assert cells(m) == {
        ("Threat", "internal"): (ids(study, "afhj"), 3, {"present": ["E1", "E2"], "absent": ["E3"]}),
        ("Threat", "external"): (ids(study, "d"), 1, {"absent": ["E1"]}),
        ("Terror", "internal"): (ids(study, "b"), 1, {}),
        ("Terror", "external"): (ids(study, "g"), 1, {}),
        ("Russia", "internal"): (ids(study, "cfi"), 3, {"low": ["E3"], "medium": ["E2"], "high": ["E1"]}),
    }


def test_matrix_by_expert_attribute_has_a_column_for_experts_without_a_value(study):
    m = code_case_matrix(project=study.project, all_coders=True, measure="segments", columns=str(study.affiliation.pk))
    assert [c.label for c in m.columns] == ["academia", NOT_SET]
    assert cells(m)[("Threat", "academia")][:2] == (ids(study, "adfj"), 2)
    assert cells(m)[("Threat", NOT_SET)][:2] == (ids(study, "h"), 1)


def test_matrix_shows_every_code_and_case_even_when_empty(study, owner):
    lonely = code_create(project=study.project, name="Lonely", actor=owner)
    m = code_case_matrix(project=study.project, all_coders=True)
    row = dict((r.code.pk, cs) for r, cs in m.lines())[lonely.pk]
    assert [c.count for c in row] == [0, 0, 0]


def test_matrix_heat_is_the_share_of_the_largest_cell(study):
    m = code_case_matrix(project=study.project, all_coders=True, measure="segments")
    assert m.max_count == 3
    assert m.cell(study.russia.pk, str(study.kz.pk)).heat == 9
    assert m.cell(study.terror.pk, str(study.kz.pk)).heat == 3
    assert m.cell(study.terror.pk, str(study.kg.pk)).heat == 0


def test_matrix_rejects_bad_parameters(study, other_project_code):
    with pytest.raises(ValidationError, match="Unknown measure"):
        code_case_matrix(project=study.project, all_coders=True, measure="minutes")
    with pytest.raises(ValidationError, match="not in this project"):
        code_case_matrix(project=study.project, all_coders=True, root_code=other_project_code)
    with pytest.raises(ValidationError, match="No such attribute"):
        code_case_matrix(project=study.project, all_coders=True, columns=999999)
    with pytest.raises(ValidationError, match="Columns are"):
        code_case_matrix(project=study.project, all_coders=True, columns="weather")


def test_matrix_of_an_empty_project(project):
    m = code_case_matrix(project=project)
    assert m.rows == [] and m.columns == [] and m.lines() == []


def test_matrix_runs_the_same_few_queries_for_many_segments(study, coder):
    def count(**kwargs):
        with CaptureQueriesContext(connection) as queries:
            code_case_matrix(project=study.project, all_coders=True, **kwargs)
        return len(queries)

    small = {kind: count(columns=kind) for kind in ("cases", "experts", "coders")}
    small_attribute = count(columns=study.threat_type.pk, rollup=True, measure="words")
    more_segments(study, 150, coder)
    assert {kind: count(columns=kind) for kind in ("cases", "experts", "coders")} == small
    assert count(columns=study.threat_type.pk, rollup=True, measure="words") == small_attribute
    assert small["cases"] == 4 + analytic()  # code tree, cases, the project's state, every cell


def test_matrix_is_counted_again_after_any_coding_change(study, coder, django_assert_num_queries):
    kz = str(study.kz.pk)
    assert code_case_matrix(project=study.project, all_coders=True).cell(study.terror.pk, kz).experts == 1
    with django_assert_num_queries(3):  # code tree, cases, the project's state: the cells come from the cache
        code_case_matrix(project=study.project, all_coders=True)
    segment_create(transcript=study.t2, start=study.f.start, end=study.f.end, coder=coder, codes=[study.terror])
    assert code_case_matrix(project=study.project, all_coders=True).cell(study.terror.pk, kz).experts == 2


# --- words ---------------------------------------------------------------------------------

def test_words_coded_are_the_quotes_words_as_python_splits_them(project, owner, expert, threat):
    text = "alpha\u00a0beta\tgamma\u3000delta  epsilon\u2003zeta \u00e9t\u00e9 \U0001f600 done"
    transcript = transcript_create(project=project, title="Spaces", text=text, expert=expert, created_by=owner)
    segment = segment_create(transcript=transcript, start=0, end=len(transcript.text), coder=owner, codes=[threat])
    [row] = code_frequencies(project=project)
    assert row.words == len(transcript.text.split()) == 9
    segment_update(segment=segment, version=segment.version, actor=owner, start=0, end=len("alpha\u00a0beta"))
    [row] = code_frequencies(project=project)
    assert row.words == 2


# --- frequencies ---------------------------------------------------------------------------

def test_frequencies_per_code_alone_and_with_sub_codes(study):
    rows = {r.path: r for r in code_frequencies(project=study.project)}
    threat, terror, russia = rows["Threat"], rows["Threat > Terror"], rows["Russia"]
    assert (threat.segments, threat.experts, threat.words) == (5, 3, words(study.a, study.d, study.f, study.h,
                                                                            study.j))
    assert (threat.total_segments, threat.total_experts) == (8, 3)
    assert threat.total_words == words(study.a, study.d, study.f, study.h, study.j, study.b, study.g, study.k)
    assert (terror.segments, terror.experts, terror.total_segments) == (3, 2, 3)
    assert (russia.segments, russia.experts, russia.words) == (4, 3, words(study.c, study.e, study.f, study.i))
    assert [r.depth for r in rows.values()] == [0, 1, 0]


def test_frequencies_by_case_are_the_matrix_numbers(study):
    for measure in ("experts", "segments", "words"):
        breakdown = code_breakdown(project=study.project, by="cases", measure=measure, rollup=False)
        matrix = code_case_matrix(project=study.project, all_coders=True, measure=measure)
        assert [[c.count for c in cs] for _, cs in breakdown.lines()] == [[c.count for c in cs]
                                                                           for _, cs in matrix.lines()]


def test_frequencies_breakdown_rejects_an_unknown_dimension(study):
    with pytest.raises(ValidationError, match="Break down by"):
        code_breakdown(project=study.project, by="weather")


def test_frequencies_run_four_queries_whatever_the_data(study, coder, django_assert_num_queries):
    with django_assert_num_queries(4 + analytic(2)):
        code_frequencies(project=study.project)
    more_segments(study, 120, coder)
    with django_assert_num_queries(4 + analytic(2)):
        code_frequencies(project=study.project)
    with django_assert_num_queries(2):  # nothing changed: code tree and the project's state
        code_frequencies(project=study.project)


# --- excerpts behind a cell ----------------------------------------------------------------------

def test_excerpts_of_a_cell_with_citations(study):
    page = matrix_cell_excerpts(project=study.project, all_coders=True, code=study.threat, column=str(study.kz.pk))
    assert page.total == 3
    assert [e.segment.pk for e in page.excerpts] == [study.a.pk, study.f.pk, study.j.pk]  # T1, T2, T4
    assert [e.citation for e in page.excerpts] == ["E1, ¶2", "E2, ¶2", "E1, ¶1"]
    assert page.title == "Threat × Kazakhstan"


def test_excerpts_with_sub_codes_and_by_attribute_value(study):
    page = matrix_cell_excerpts(project=study.project, all_coders=True, code=study.threat, column=str(study.am.pk),
                                rollup=True)
    assert {e.segment.pk for e in page.excerpts} == {study.d.pk, study.g.pk}
    m = code_case_matrix(project=study.project, all_coders=True, columns=study.threat_type.pk)
    internal = m.columns[0]
    page = matrix_cell_excerpts(project=study.project, all_coders=True, code=study.russia, column=internal.key,
                                columns=study.threat_type.pk)
    assert sorted(e.segment.pk for e in page.excerpts) == ids(study, "cfi")


def test_excerpts_are_paged(study):
    kz = str(study.kz.pk)
    first = matrix_cell_excerpts(project=study.project, all_coders=True, code=study.threat, column=kz, limit=2)
    second = matrix_cell_excerpts(project=study.project, all_coders=True, code=study.threat, column=kz, offset=2,
                                  limit=2)
    assert (first.total, len(first.excerpts), first.next_offset) == (3, 2, 2)
    assert ([e.segment.pk for e in second.excerpts], second.next_offset) == ([study.j.pk], None)


def test_excerpts_reject_a_column_that_does_not_exist(study):
    with pytest.raises(ValidationError, match="No column"):
        matrix_cell_excerpts(project=study.project, all_coders=True, code=study.threat, column="999999")


def test_excerpts_run_a_fixed_number_of_queries(study, coder, django_assert_max_num_queries):
    more_segments(study, 60, coder)
    with django_assert_max_num_queries(7):
        matrix_cell_excerpts(project=study.project, all_coders=True, code=study.threat, column=str(study.kz.pk),
                             rollup=True)


# --- co-occurrence -------------------------------------------------------------------------------

def test_cooccurrence_counts_segments_of_one_code_overlapping_the_other(study):
    result = code_cooccurrence(project=study.project)
    t, r, ru = study.threat.pk, study.terror.pk, study.russia.pk
    assert result.cells == {(t, ru): 1, (ru, t): 1, (r, ru): 1, (ru, r): 1}
    lines = result.lines()
    assert [c.diagonal for c in lines[0][1]] == [True, False, False]


def test_cooccurrence_agrees_with_counting_every_pair_by_hand(project, owner, coder):
    """Random segments in two transcripts: equal starts, equal ends, nesting, segments that
    only touch (no overlap), a segment in the trash. Each cell is the number of segments
    coded a that overlap (or are) a segment coded b, b not a, counted pair by pair here."""
    import random

    from apps.coding.services import segment_delete

    from apps.cases.services import case_create
    from apps.coding.models import CaseMembership

    rng = random.Random(19)
    codes = [code_create(project=project, actor=owner, name=f"Code {i}") for i in range(4)]
    case = case_create(project=project, name="Kyrgyzstan 2010", actor=owner)
    live = []
    for title in ("E1", "E2"):
        transcript = transcript_create(project=project, title=title, text=f"{title} " + "word " * 79,
                                       created_by=owner)
        for _ in range(30):
            start = rng.randrange(0, 380, 5)
            end = min(len(transcript.text), start + rng.choice([5, 10, 10, 20, 45]))
            chosen = rng.sample(codes, rng.choice([1, 1, 2]))
            segment = segment_create(transcript=transcript, start=start, end=end, codes=chosen, coder=coder,
                                     cases=[case] if rng.random() < 0.4 else [])
            live.append((transcript.pk, start, end, {c.pk for c in chosen}, segment))
    trashed = live.pop(3)
    segment_delete(segment=trashed[4], actor=coder)
    members = set(CaseMembership.objects.filter(case=case).values_list("segment_id", flat=True))
    assert 0 < len(members) < len(live)

    def by_hand(counted) -> dict[tuple[int, int], int]:
        expected: dict[tuple[int, int], set[int]] = {}
        for t1, s1, e1, codes1, seg1 in live:
            for t2, s2, e2, codes2, seg2 in live:
                if t1 == t2 and s2 < e1 and e2 > s1 and counted(seg1) and counted(seg2):
                    for a in codes1:
                        for b in codes2 - {a}:
                            expected.setdefault((a, b), set()).add(seg1.pk)
        return {pair: len(found) for pair, found in expected.items()}

    assert code_cooccurrence(project=project).cells == by_hand(lambda segment: True)
    # In one case, both segments of a pair must count for it.
    assert code_cooccurrence(project=project, case=case).cells == by_hand(lambda segment: segment.pk in members)
    # The excerpts behind a row's cells (found in SQL) are as many as the cells count (in
    # Python). The tables analysed first, as autovacuum would: PostgreSQL's plan for a page
    # on tables it knows nothing of re-reads every overlap per segment (~1 s a query here).
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    for in_case in (None, case):
        cells = code_cooccurrence(project=project, case=in_case).cells
        for other in codes[1:]:
            page = cooccurrence_excerpts(project=project, code=codes[0], other=other, case=in_case)
            assert page.total == cells.get((codes[0].pk, other.pk), 0)


def test_cooccurrence_in_one_case(study):
    assert code_cooccurrence(project=study.project, case=study.kz).cells == code_cooccurrence(
        project=study.project).cells
    assert code_cooccurrence(project=study.project, case=study.am).cells == {}


def test_cooccurrence_excerpts(study):
    page = cooccurrence_excerpts(project=study.project, code=study.terror, other=study.russia)
    assert [e.segment.pk for e in page.excerpts] == [study.b.pk]
    assert cooccurrence_excerpts(project=study.project, code=study.terror, other=study.russia,
                                 case=study.am).total == 0


def test_cooccurrence_runs_four_queries_whatever_the_data(study, coder, django_assert_num_queries):
    """The code tree, the project's state, the segments, their codings."""
    for case in (study.kz, None):
        with django_assert_num_queries(4):
            code_cooccurrence(project=study.project, case=case)
    more_segments(study, 120, coder)
    for case in (study.kz, None):
        with django_assert_num_queries(4):
            code_cooccurrence(project=study.project, case=case)


# --- the dashboard -----------------------------------------------------------------------------------

def coverage(transcript, segments) -> int:
    covered = set()
    for s in segments:
        covered.update(range(s.start, s.end))
    return len(covered)


def test_progress_is_the_union_of_coded_ranges(study, coder, owner):
    progress = {p.transcript.title: p for p in review_dashboard(project=study.project)["progress"]}
    s = study
    assert progress["T1"].coded == coverage(s.t1, [s.a, s.b, s.c, s.d, s.e])  # the case section is not coding
    assert progress["T2"].coded == coverage(s.t2, [s.f, s.g, s.k])
    assert progress["T4"].coded == coverage(s.t4, [s.j])  # x is in the trash
    assert progress["T1"].length == len(s.t1.text)
    assert progress["T1"].share == pytest.approx(progress["T1"].coded / len(s.t1.text))
    dashboard = review_dashboard(project=study.project)
    assert dashboard["coders"] == [coder.username, owner.username]
    assert progress["T1"].by_coder == [4, 2]  # a b c d by cora; the section and e by olga
    assert progress["T1"].segments == 6


def test_dashboard_runs_a_fixed_number_of_queries(study, coder, django_assert_max_num_queries):
    with django_assert_max_num_queries(8 + analytic()):
        review_dashboard(project=study.project)
    more_segments(study, 120, coder)
    with django_assert_max_num_queries(8 + analytic()):
        review_dashboard(project=study.project)


def test_a_result_of_none_is_cached_like_any_other(project):
    """The method tour of a project without judgments is None: it is computed once per state
    of the project, not on every view of the project home."""
    from apps.projects.state import cached_by_state

    computed = []

    def compute():
        computed.append(1)
        return None

    assert cached_by_state(project, ("none-test",), compute) is None
    assert cached_by_state(project, ("none-test",), compute) is None
    assert len(computed) == 1
