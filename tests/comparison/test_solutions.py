"""Conservative, parsimonious and intermediate solutions and the Enhanced Standard
Analysis: the spec. No Django here. Results derived by hand say so and show how.
"""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.comparison.methods.fuzzy import truth_table
from apps.comparison.methods.qca import QCAInputError, read_csv
from apps.comparison.methods.solutions import (
    configurations_in,
    conservative,
    contradictory_simplifying_assumptions,
    covered_configurations,
    enhanced_standard_analysis,
    format_solution,
    intermediate,
    parse_expectations,
    parsimonious,
)

from .test_qca import LIPSET_CONDITIONS, LIPSET_CSV

EVERY_CONDITION_HELPS = dict.fromkeys(LIPSET_CONDITIONS, 1)


@pytest.fixture
def lipset():
    rows, _ = read_csv(LIPSET_CSV)
    return truth_table(rows, conditions=LIPSET_CONDITIONS, outcome="SURV")


@pytest.fixture
def lipset_negated():
    rows, _ = read_csv(LIPSET_CSV)
    return truth_table(rows, conditions=LIPSET_CONDITIONS, outcome="SURV", negate=True)


def ragin_table():
    """The example of Ragin & Sonnett (2005), retold in Ragin (2008, Redesigning Social
    Inquiry, in the discussion of limited diversity and counterfactual cases): the
    complex solution A*B*~C, the parsimonious A, and the expectation that A, B and C
    each contribute to the outcome when present. As a truth table: 110 shows Y, the
    configurations without A do not, and 100, 101, 111 are remainders."""
    rows = {"x110": {"A": 1, "B": 1, "C": 0, "Y": 1}}
    for code in range(4):
        b, c = code >> 1 & 1, code & 1
        rows[f"x0{b}{c}"] = {"A": 0, "B": b, "C": c, "Y": 0}
    return truth_table(rows, conditions="ABC", outcome="Y")


def test_the_intermediate_solution_of_ragin_s_example_is_a_b():
    """Ragin (2008): of the parsimonious solution's simplifying assumptions (100, 101,
    111), only 111 is easy: it adds C, expected to help, to the observed A*B*~C. 100 and
    101 take B away, expected to help: difficult. Minimising 110 with 111 gives A*B:
    the complex A*B*~C loses ~C (contrary to the expectation) but keeps B."""
    tt = ragin_table()
    assert str(conservative(tt)) == "M1: A*B*~C"
    assert str(parsimonious(tt)) == "M1: A"
    [solution] = intermediate(tt, expectations={"A": 1, "B": 1, "C": 1})
    assert str(solution) == "M1: A*B"
    assert solution.easy_counterfactuals == ((1, 1, 1),)
    assert solution.models[0].simplifying_assumptions == ((1, 1, 1),)
    assert solution.parsimonious_model == 1


def test_without_expectations_the_intermediate_solution_is_the_conservative_one():
    tt = ragin_table()
    [solution] = intermediate(tt, expectations={"A": None, "B": None, "C": None})
    assert str(solution) == str(conservative(tt)) and solution.easy_counterfactuals == ()
    [expecting_absence] = intermediate(tt, expectations={"C": 0})
    assert str(expecting_absence) == "M1: A*B*~C"  # 111 adds C, expected to hurt: difficult


def test_the_intermediate_solution_of_the_lc_data(lipset):
    """Derived by hand from the published `LC` truth table (rows 22, 24, 32 positive;
    parsimonious DEV*STB assumes 18, 20, 26, 28, 30) with every condition expected to
    help survival: only 11101 (row 30) is easy (it adds URB to the observed 10101), the
    others lack LIT, which is expected to help. Minimising 10101, 10111, 11111 with
    11101 gives DEV*LIT*STB, between the conservative DEV*~URB*LIT*STB +
    DEV*LIT*IND*STB and the parsimonious DEV*STB."""
    [solution] = intermediate(lipset, expectations=EVERY_CONDITION_HELPS)
    assert str(solution) == "M1: DEV*LIT*STB"
    assert solution.easy_counterfactuals == ((1, 1, 1, 0, 1),)
    [model] = solution.models
    assert (model.consistency, model.coverage) == (1.0, 1.0)
    assert set(model.cases) == {"FI", "IE", "FR", "SE", "BE", "CZ", "NL", "UK"}


def test_every_parsimonious_model_has_its_intermediate_solutions():
    """Derived by hand: 11 shows Y, 00 does not, 10 and 01 are remainders: the
    parsimonious models are A (assuming 10) and B (assuming 01). Expecting A present
    and B absent, 10 is easy (from 11 it drops B, expected to hurt) but 01 is not: from
    P1 the intermediate is A, from P2 A*B (nothing easy to assume)."""
    rows = {"x": {"A": 1, "B": 1, "Y": 1}, "y": {"A": 0, "B": 0, "Y": 0}}
    tt = truth_table(rows, conditions="AB", outcome="Y")
    assert str(parsimonious(tt)) == "M1: A\nM2: B"
    first, second = intermediate(tt, expectations={"A": 1, "B": 0})
    assert (first.parsimonious_model, str(first), first.easy_counterfactuals) == (1, "M1: A", ((1, 0),))
    assert (second.parsimonious_model, str(second), second.easy_counterfactuals) == (2, "M1: A*B", ())


def test_the_lc_data_have_no_contradictory_simplifying_assumptions(lipset, lipset_negated):
    """Derived by hand: DEV*STB (for SURV) assumes only remainders with DEV and STB
    present; ~DEV + ~STB (for ~SURV) only remainders with one of them absent."""
    assert contradictory_simplifying_assumptions(lipset, lipset_negated) == ()


def test_contradictory_simplifying_assumptions_are_found_and_excluded():
    """Schneider & Wagemann (2012, ch. 8): a remainder assumed to show the outcome in one
    solution and its absence in the other is a contradictory simplifying assumption.
    Derived by hand: 11 shows Y, 00 does not; for Y the models A and B assume 10 and 01,
    for ~Y the models ~A and ~B assume 01 and 10: both remainders are contradictory.
    Without them the parsimonious solution is the conservative A*B."""
    rows = {"x": {"A": 1, "B": 1, "Y": 1}, "y": {"A": 0, "B": 0, "Y": 0}}
    tt = truth_table(rows, conditions="AB", outcome="Y")
    negated = truth_table(rows, conditions="AB", outcome="Y", negate=True)
    assert contradictory_simplifying_assumptions(tt, negated) == ((0, 1), (1, 0))
    esa = enhanced_standard_analysis(tt, negated)
    assert esa.excluded == ((0, 1), (1, 0))
    assert str(esa.parsimonious) == "M1: A*B"
    assert esa.parsimonious.models[0].simplifying_assumptions == ()
    kept = enhanced_standard_analysis(tt, negated, exclude_contradictory=False)
    assert kept.contradictory == ((0, 1), (1, 0)) and kept.excluded == ()
    assert str(kept.parsimonious) == "M1: A\nM2: B"
    with pytest.raises(QCAInputError, match="an outcome and of its negation"):
        contradictory_simplifying_assumptions(tt, tt)


def test_untenable_assumptions_are_excluded_from_the_lc_solutions(lipset, lipset_negated):
    """Derived by hand: declaring an industrialised but illiterate country untenable
    (~LIT*IND) removes the remainders 10011 and 11011 (rows 20 and 28), which DEV*STB
    needs. The smallest cover of 10101, 10111, 11111 is then DEV*LIT*STB (DEV*LIT holds
    Austria, LIT*STB Estonia), assuming only 11101."""
    untenable = configurations_in(["~LIT*IND"], LIPSET_CONDITIONS)
    assert len(untenable) == 8
    esa = enhanced_standard_analysis(lipset, lipset_negated, untenable=untenable,
                                     expectations=EVERY_CONDITION_HELPS)
    assert esa.untenable == ((0, 0, 0, 1, 0), (0, 0, 0, 1, 1), (0, 1, 0, 1, 0), (0, 1, 0, 1, 1),
                             (1, 0, 0, 1, 0), (1, 0, 0, 1, 1), (1, 1, 0, 1, 0), (1, 1, 0, 1, 1))
    assert str(esa.parsimonious) == "M1: DEV*LIT*STB"
    assert esa.parsimonious.models[0].simplifying_assumptions == ((1, 1, 1, 0, 1),)
    assert [str(solution) for solution in esa.intermediate] == ["M1: DEV*LIT*STB"]
    text = format_solution(esa.parsimonious)
    assert "excluded remainders: 00010, 00011, 01010, 01011, 10010, 10011, 11010, 11011" in text
    assert "simplifying assumptions (1): 11101" in text


def test_parse_expectations_and_configurations_in_say_what_is_wrong():
    assert parse_expectations("A=1, B=0,C=-", "ABC") == {"A": 1, "B": 0, "C": None}
    for text, message in [("A=2", "write CONDITION=1"), ("D=1", "'D', which is not a condition"),
                          ("A=1,A=0", "two directional expectations for 'A'"), ("A", "write CONDITION=1")]:
        with pytest.raises(QCAInputError, match=message):
            parse_expectations(text, "ABC")
    assert configurations_in(["A*~B*C", "A*B*C"], "ABC") == ((1, 0, 1), (1, 1, 1))
    with pytest.raises(QCAInputError, match="'D' is not a condition"):
        configurations_in(["A*D"], "ABC")
    with pytest.raises(QCAInputError, match="asks for A both present and absent"):
        configurations_in(["A*~A"], "ABC")
    with pytest.raises(QCAInputError, match="needs 3 values of 0 or 1"):
        parsimonious(ragin_table(), exclude=[(1, 0)])
    with pytest.raises(QCAInputError, match="must be 1, 0 or None"):
        intermediate(ragin_table(), expectations={"A": "-"})


# --- properties ----------------------------------------------------------------------------

@st.composite
def tables_with_expectations(draw):
    k = draw(st.integers(min_value=1, max_value=5))
    conditions = [f"C{i}" for i in range(k)]
    members = st.sampled_from([0.0, 0.1, 0.3, 0.7, 0.9, 1.0])
    cases = draw(st.lists(st.tuples(st.lists(members, min_size=k, max_size=k), members), min_size=1, max_size=12))
    if not any(outcome for _, outcome in cases):
        cases[0] = (cases[0][0], 1.0)
    rows = {f"case{n}": {**dict(zip(conditions, values)), "Y": y} for n, (values, y) in enumerate(cases)}
    expectations = dict(zip(conditions, draw(st.lists(st.sampled_from([1, 0, None]), min_size=k, max_size=k))))
    cut = draw(st.sampled_from([1.0, 0.8, 0.6]))
    return truth_table(rows, conditions=conditions, outcome="Y", incl_cut1=cut), expectations


@settings(deadline=None, max_examples=200)
@given(tables_with_expectations())
def test_the_intermediate_solution_lies_between_the_conservative_and_the_parsimonious(table):
    """Issue 20's acceptance, in the usual sense of Ragin (2008): as sets of
    configurations, every conservative model is a subset of every intermediate model,
    and each intermediate model a subset of the parsimonious model it derives from
    (the issue's wording counts literals, where the order is reversed: fewer literals
    make a larger set)."""
    tt, expectations = table
    k = len(tt.conditions)
    parsimonious_models = parsimonious(tt).models
    conservative_sets = [covered_configurations(model, k) for model in conservative(tt).models]
    for solution in intermediate(tt, expectations=expectations):
        outer = covered_configurations(parsimonious_models[solution.parsimonious_model - 1], k)
        assert solution.models or not tt.positives
        for model in solution.models:
            inner = covered_configurations(model, k)
            assert all(c <= inner for c in conservative_sets) and inner <= outer
            assert set(tt.positives) <= inner
            assert {tuple(v) for v in model.simplifying_assumptions} <= set(solution.easy_counterfactuals)


@settings(deadline=None, max_examples=100)
@given(tables_with_expectations())
def test_without_any_expectation_the_intermediate_solutions_are_the_conservative_one(table):
    tt, expectations = table
    for solution in intermediate(tt, expectations=dict.fromkeys(expectations)):
        assert str(solution) == str(conservative(tt)) and solution.easy_counterfactuals == ()
