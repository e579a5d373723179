"""The MSSD classification: the spec, on hand-built tables. No Django here.

The four-case table is the shape of the demo study (one positive case, Kazakhstan 2022,
and three negative ones); the others add several positive cases, gaps and cases of
unknown outcome.
"""
import pytest

from apps.comparison.methods.mssd import (
    AGREES,
    CONSTANT,
    CONTRADICTED,
    COVARIES,
    DISSENT,
    NO_EVIDENCE,
    NOT_JUDGED,
    OUTVOTED,
    UNDETERMINED,
    VARIES,
    check_evidence,
    classify,
    propose,
    similarity,
)
from apps.projects.sorting import natural_key

OUTCOME = {"Kyrgyzstan 2010": False, "Tajikistan 2021": False, "Kazakhstan 2022": True, "Armenia 2022": False}
CASES = list(OUTCOME)


def row(kyr, taj, kaz, arm):
    return dict(zip(CASES, (kyr, taj, kaz, arm)))


def test_a_factor_with_one_value_in_every_case_is_constant():
    result = classify(row("member", "member", "member", "member"), OUTCOME)
    assert result.kind == CONSTANT
    assert "held similar" in result.label


def test_the_positive_case_differing_from_every_negative_case_covaries():
    result = classify(row("low", "medium", "high", "low"), OUTCOME)
    assert result.kind == COVARIES
    assert not result.exact  # the negative cases do not agree among themselves
    assert result.positive_values == ("high",)
    assert result.negative_values == ("low", "medium")


def test_a_covariation_that_is_not_one_value_against_another_is_called_weaker():
    """Issue 20: "varies with the outcome (method of difference)" overclaimed for a
    positive case at medium facing negatives at low and high."""
    result = classify(row("low", "high", "medium", "low"), OUTCOME, order=["low", "medium", "high"])
    assert result.kind == COVARIES and not result.exact and result.between
    assert result.label == "varies with the outcome, but not exactly (a weaker pattern than the method of difference)"
    assert "the cases without the outcome differ among themselves" in result.explanation
    assert "lies between values without it" in result.explanation
    assert "weaker pattern than an exact difference" in result.explanation
    unordered = classify(row("low", "high", "medium", "low"), OUTCOME)
    assert not unordered.between and "lies between" not in unordered.explanation


def test_positive_cases_that_disagree_among_themselves_are_a_weaker_pattern():
    result = classify({"A": "x", "B": "y", "C": "z", "D": "z"}, {"A": True, "B": True, "C": False, "D": False})
    assert result.kind == COVARIES and not result.exact
    assert "the cases with the outcome differ among themselves" in result.explanation
    assert "weaker" in result.label


def test_an_exact_difference_says_so_and_names_the_values():
    result = classify(row("absent", "absent", "present", "absent"), OUTCOME)
    assert result.explanation == ("The cases with the outcome share one value (present) and those without "
                                  "it another (absent): an exact difference.")


def test_covariation_is_exact_when_each_side_has_one_value():
    result = classify(row("absent", "absent", "present", "absent"), OUTCOME)
    assert result.kind == COVARIES and result.exact
    assert result.label.endswith("exactly")


def test_a_factor_the_positive_case_shares_with_a_negative_case_varies_without_the_outcome():
    result = classify(row("absent", "present", "present", "absent"), OUTCOME)
    assert result.kind == VARIES
    assert result.shared == (("Kazakhstan 2022", "Tajikistan 2021"),)
    assert "Kazakhstan 2022 and Tajikistan 2021" in result.explanation


def test_with_several_positive_cases_each_must_differ_from_every_negative_case():
    outcome = {"A": True, "B": True, "C": False, "D": False}
    assert classify({"A": "x", "B": "y", "C": "z", "D": "z"}, outcome).kind == COVARIES
    assert not classify({"A": "x", "B": "y", "C": "z", "D": "z"}, outcome).exact
    assert classify({"A": "x", "B": "x", "C": "z", "D": "w"}, outcome).kind == COVARIES
    mixed = classify({"A": "x", "B": "z", "C": "z", "D": "w"}, outcome)
    assert mixed.kind == VARIES and mixed.shared == (("B", "C"),)


def test_cases_without_a_judgment_are_left_out_and_named():
    result = classify(row("low", None, "high", ""), OUTCOME)
    assert result.kind == COVARIES
    assert result.missing == ("Tajikistan 2021", "Armenia 2022")
    assert result.explanation.endswith("(among the judged cases; not judged: Tajikistan 2021, Armenia 2022).")


def test_a_factor_constant_while_the_only_positive_case_is_unjudged_leaves_the_comparison_open():
    """Issue 20: "constant ... cannot account for a difference in outcome" was said when
    the only positive case was unjudged."""
    result = classify(row("member", "member", None, "member"), OUTCOME)
    assert result.kind == CONSTANT and result.comparison_open
    assert "cannot account" not in result.explanation
    assert "held similar" not in result.label
    assert result.explanation == ("The judged cases share one value, but no case with the outcome is judged "
                                  "(not judged: Kazakhstan 2022), so whether it goes with the outcome is open.")
    assert result.missing_positive == ("Kazakhstan 2022",) and result.missing_negative == ()


def test_a_factor_constant_with_cases_on_both_sides_judged_says_among_the_judged_cases():
    result = classify(row("member", None, "member", "member"), OUTCOME)
    assert result.kind == CONSTANT and not result.comparison_open
    assert result.explanation == ("All judged cases have the same value, so it cannot account for a difference "
                                  "in outcome (among the judged cases; not judged: Tajikistan 2021).")
    assert classify({"A": "x", "B": "x", "C": None}, {"A": False, "B": False, "C": False}).comparison_open is False


def test_one_judged_case_is_undetermined():
    assert classify(row(None, None, "high", None), OUTCOME).kind == UNDETERMINED


def test_when_the_outcome_does_not_vary_a_varying_factor_varies_without_it():
    result = classify({"A": "x", "B": "y"}, {"A": False, "B": False})
    assert result.kind == VARIES and not result.outcome_varies
    assert "outcome does not" in result.explanation


def test_cases_of_unknown_outcome_count_for_constancy_only():
    outcome = {"A": True, "B": False, "C": None}
    assert classify({"A": "x", "B": "y", "C": "x"}, outcome).kind == COVARIES
    assert classify({"A": "x", "B": "x", "C": "x"}, outcome).kind == CONSTANT


def test_the_proposal_is_the_value_of_most_distinct_experts_with_the_dissent():
    proposal = propose({"present": ["E7", "E1", "E2", "E4", "E6", "E1"], "absent": ["E3"]}, expert_key=natural_key)
    assert proposal.value == "present"
    assert proposal.summary == "present: E1 E2 E4 E6 E7; absent: E3"
    assert proposal.share == "5 of 6 experts"


def test_proposal_and_evidence_check_list_the_experts_in_the_callers_order():
    evidence = {"present": ["E10", "E2", "E1"], "absent": ["E3"]}
    assert propose(evidence, expert_key=natural_key).support == ("E1", "E2", "E10")
    assert propose(evidence, expert_key=str).support == ("E1", "E10", "E2")
    assert check_evidence("absent", evidence, expert_key=natural_key).against == (("present", ("E1", "E2", "E10")),)


def test_a_tie_proposes_nothing_and_says_which_values_tie():
    proposal = propose({"low": ["E1"], "high": ["E2"], "medium": []}, order=["low", "medium", "high"],
                       expert_key=natural_key)
    assert proposal.value is None
    assert proposal.tie == ("low", "high")


def test_no_coded_value_proposes_nothing():
    assert propose({}, expert_key=natural_key).value is None
    assert propose({}, expert_key=natural_key).experts == 0


@pytest.mark.parametrize("judged, evidence, status", [
    ("present", {"present": ["E1", "E2"]}, AGREES),
    ("present", {"present": ["E1", "E2"], "absent": ["E3"]}, DISSENT),
    ("present", {"present": ["E1"], "absent": ["E3"]}, DISSENT),
    ("absent", {"present": ["E1", "E2"], "absent": ["E3"]}, CONTRADICTED),
    ("high", {"low": ["E4"]}, CONTRADICTED),
    ("high", {}, NO_EVIDENCE),
    ("", {"low": ["E4"]}, NOT_JUDGED),
])
def test_the_evidence_check_compares_the_judgment_with_the_coded_values(judged, evidence, status):
    assert check_evidence(judged, evidence, expert_key=natural_key).status == status


def test_a_judgment_outvoted_by_the_coded_evidence_names_the_experts_against_it():
    """Issue 20: named for what it is; "contradiction" is kept for the same
    configuration with different outcomes (the twins of `similarity`)."""
    check = check_evidence("absent", {"present": ["E2", "E1"], "absent": ["E3"]}, expert_key=natural_key)
    assert check.label == "outvoted by the coded evidence: present: E1 E2"
    assert check.judged_by == ("E3",)
    assert check.status == OUTVOTED == CONTRADICTED == "contradicted"  # the key the pages and the API read


def test_the_most_similar_pair_with_different_outcomes_is_the_mssd_pair():
    rows = {
        "RUSINT": row("low", "medium", "high", "low"),
        "THREAT": row("absent", "present", "present", "absent"),
        "MEMBERS": row("absent", "absent", "present", "absent"),
        "ALLIANCE": row("yes", "yes", "yes", "yes"),
    }
    result = similarity(rows, OUTCOME, CASES)
    assert [(p.a, p.b) for p in result.mssd_pairs] == [("Tajikistan 2021", "Kazakhstan 2022")]
    pair = result.mssd_pairs[0]
    assert pair.distance == 2 and pair.compared == 4 and pair.differing == ("RUSINT", "MEMBERS")
    assert result.pairs[0].a == "Kyrgyzstan 2010" and result.pairs[0].b == "Armenia 2022"  # identical, both negative
    assert result.nearest["Kazakhstan 2022"] == ("Tajikistan 2021",)
    assert result.twins == ()


def test_cases_alike_on_every_factor_but_with_different_outcomes_are_twins():
    rows = {"A": row("x", "y", "x", "y")}
    result = similarity(rows, OUTCOME, CASES)
    assert {(p.a, p.b) for p in result.twins} == {("Kyrgyzstan 2010", "Kazakhstan 2022")}


def test_distances_skip_factors_not_judged_in_both_cases():
    rows = {"A": row("x", None, "y", "x"), "B": row("u", "u", "u", "u")}
    pair = next(p for p in similarity(rows, OUTCOME, CASES).pairs if {p.a, p.b} == {"Tajikistan 2021",
                                                                                    "Kazakhstan 2022"})
    assert pair.compared == 1 and pair.distance == 0
