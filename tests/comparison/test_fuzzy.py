"""Fuzzy sets: parameters of fit and the fuzzy truth table. No Django here.

Examples computed by hand say so and show the sums; the crisp Lipset data of R's QCA
(`LC`, published truth table and solutions, see test_qca.py) run through the fuzzy path
must give the published crisp results; and a property test runs random crisp tables
through both paths.
"""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.comparison.methods import qca, solutions
from apps.comparison.methods.fuzzy import REMAINDER, format_truth_table, negate, sufficiency, truth_table
from apps.comparison.methods.qca import QCAInputError, read_csv

from .test_qca import LIPSET_CONDITIONS, LIPSET_CSV


@pytest.fixture
def lipset():
    rows, _ = read_csv(LIPSET_CSV)
    return rows


# --- parameters of fit ---------------------------------------------------------------------

def test_sufficiency_consistency_coverage_and_pri_of_a_hand_computed_example():
    """X = (0.9, 0.7, 0.2, 0.6), Y = (0.8, 0.9, 0.1, 0.3).
    min(X, Y) = (0.8, 0.7, 0.1, 0.3), sum 1.9; ΣX = 2.4, ΣY = 2.1.
    Consistency (Ragin 2006) 1.9/2.4 = 0.79167, coverage 1.9/2.1 = 0.90476.
    min(X, Y, 1 - Y) = (0.2, 0.1, 0.1, 0.3), sum 0.7; PRI (Ragin 2008) =
    (1.9 - 0.7) / (2.4 - 0.7) = 1.2/1.7 = 0.70588."""
    fit = sufficiency([0.9, 0.7, 0.2, 0.6], [0.8, 0.9, 0.1, 0.3])
    assert fit.consistency == pytest.approx(1.9 / 2.4)
    assert fit.coverage == pytest.approx(1.9 / 2.1)
    assert fit.pri == pytest.approx(1.2 / 1.7)


def test_pri_discounts_a_set_that_is_as_much_a_subset_of_the_negation():
    """X = (0.6, 0.6), Y = (0.6, 0.6): consistency 1, but X is also a subset of
    ~Y = (0.4, 0.4) to the degree 0.8/1.2; min(X, Y, ~Y) = 0.4 + 0.4, so PRI =
    (1.2 - 0.8) / (1.2 - 0.8) = 1 — and with Y = 0.5 PRI is (1.0 - 1.0)/(1.2 - 1.0) = 0."""
    assert sufficiency([0.6, 0.6], [0.6, 0.6]).pri == pytest.approx(1.0)
    half = sufficiency([0.6, 0.6], [0.5, 0.5])
    assert half.consistency == pytest.approx(1.0 / 1.2) and half.pri == pytest.approx(0.0, abs=1e-12)


def test_fit_of_an_empty_set_is_undefined_not_zero_or_one():
    fit = sufficiency([0, 0], [0.3, 0.2])
    assert fit.consistency is None and fit.coverage == 0.0
    assert negate([0.25, 1]) == [0.75, 0]
    with pytest.raises(ValueError, match="different numbers of cases"):
        sufficiency([0.1], [0.1, 0.2])


# --- the truth table -----------------------------------------------------------------------

FUZZY = {
    "a": {"A": 0.8, "B": 0.7, "Y": 0.9},
    "b": {"A": 0.9, "B": 0.6, "Y": 0.4},
    "c": {"A": 0.2, "B": 0.9, "Y": 0.3},
    "d": {"A": 0.3, "B": 0.1, "Y": 0.1},
    "e": {"A": 0.5, "B": 0.8, "Y": 0.7},
}


def test_fuzzy_truth_table_rows_by_hand():
    """Derived by hand. Cases in kind: a and b in A*B (11), c in ~A*B (01), d in ~A*~B
    (00); e has A = 0.5 and belongs to no row. Row 11: memberships min(A, B) =
    (0.7, 0.6, 0.2, 0.1, 0.5), Σ 2.1; min with Y = (0.7, 0.4, 0.2, 0.1, 0.5), Σ 1.9:
    incl 1.9/2.1 = 0.905; min(m, Y, 1 - Y) = (0.1, 0.4, 0.2, 0.1, 0.3), Σ 1.1: PRI
    (1.9 - 1.1)/(2.1 - 1.1) = 0.8. b (Y = 0.4) is a deviant case for consistency in kind.
    Row 01: min(1 - A, B) = (0.2, 0.1, 0.8, 0.1, 0.5), Σ 1.7; with Y (0.2, 0.1, 0.3,
    0.1, 0.5), Σ 1.2: incl 0.706."""
    tt = truth_table(FUZZY, conditions="AB", outcome="Y", incl_cut1=0.9)
    rows = {"".join(map(str, row.values)): row for row in tt.rows}
    assert sorted(rows) == ["00", "01", "11"]
    assert rows["11"].cases == ("a", "b") and rows["11"].n == 2
    assert rows["11"].consistency == pytest.approx(1.9 / 2.1)
    assert rows["11"].pri == pytest.approx(0.8)
    assert rows["11"].outcome == 1 and rows["11"].deviant_cases == ("b",)
    assert rows["01"].consistency == pytest.approx(1.2 / 1.7) and rows["01"].outcome == 0
    assert tt.unassigned == ("e",)
    assert tt.remainders == (2,)  # 10: no case in kind
    assert tt.positives == (3,)


def test_fuzzy_truth_table_pri_and_frequency_cut_offs():
    """Row 11 has PRI 0.8: a PRI cut-off of 0.85 labels it 0 though its consistency passes.
    With n.cut = 2 the rows 01 and 00 (one case each) become remainders ("?")."""
    assert truth_table(FUZZY, conditions="AB", outcome="Y", incl_cut1=0.9, pri_cut=0.85).rows[-1].outcome == 0
    tt = truth_table(FUZZY, conditions="AB", outcome="Y", incl_cut1=0.9, n_cut=2)
    assert [row.outcome for row in tt.rows] == [REMAINDER, REMAINDER, 1]
    assert tt.remainders == (0, 1, 2)
    text = format_truth_table(tt)
    assert "incl.cut = 0.9, pri.cut = 0, n.cut = 2" in text
    assert "OUT = 1/0/C/?: 1/0/0/2 observed configurations; 3 of 4 configurations are remainders" in text
    assert "In no configuration (a membership of exactly 0.5): e" in text
    assert text.splitlines()[-4].split()[-3:] == ["a,", "b", "b"]  # row 11: its cases, then its deviant case


def test_fuzzy_truth_table_refuses_memberships_outside_0_to_1_and_bad_cut_offs():
    with pytest.raises(QCAInputError, match="case 'a', column 'A': expected a membership from 0 to 1, got 1.2"):
        truth_table({"a": {"A": 1.2, "Y": 1}}, conditions="A", outcome="Y")
    with pytest.raises(QCAInputError, match="nothing to explain"):
        truth_table({"a": {"A": 0.2, "Y": 0}}, conditions="A", outcome="Y")
    with pytest.raises(QCAInputError, match="PRI cut-off must be a number from 0 to 1"):
        truth_table(FUZZY, conditions="AB", outcome="Y", pri_cut=2)
    with pytest.raises(QCAInputError, match="n_cut must be a whole number of at least 1, got 0"):
        truth_table(FUZZY, conditions="AB", outcome="Y", n_cut=0)


def test_read_csv_reads_memberships_with_fuzzy():
    rows, columns = read_csv("case,A,Y\nx,0.83,1\ny,0,0.25\n", fuzzy=True)
    assert rows == {"x": {"A": 0.83, "Y": 1.0}, "y": {"A": 0.0, "Y": 0.25}}
    with pytest.raises(QCAInputError, match="line 2, case 'x', column 'A': expected a membership from 0 to 1"):
        read_csv("case,A,Y\nx,1.5,1\n", fuzzy=True)
    with pytest.raises(QCAInputError, match="expected a membership from 0 to 1, got 'high'"):
        read_csv("case,A,Y\nx,high,1\n", fuzzy=True)


# --- the crisp Lipset data through the fuzzy path (published results) ----------------------

def test_the_fuzzy_path_gives_the_published_lc_truth_table(lipset):
    """`truthTable(LC, "SURV")` (QCA's `minimize` documentation; Rihoux & De Meur 2009):
    rows 22, 24 and 32 are 1 with FI, IE / FR, SE / BE, CZ, NL, UK; six rows are 0. On
    crisp data PRI equals the consistency."""
    tt = truth_table(lipset, conditions=LIPSET_CONDITIONS, outcome="SURV")
    assert {row.code + 1: (row.outcome, row.cases) for row in tt.rows if row.outcome == 1} == {
        22: (1, ("FI", "IE")), 24: (1, ("FR", "SE")), 32: (1, ("BE", "CZ", "NL", "UK"))}
    assert [row.code + 1 for row in tt.rows] == [1, 2, 5, 6, 22, 23, 24, 31, 32]
    assert all(row.pri == row.consistency for row in tt.rows)
    assert len(tt.remainders) == 23


def test_the_fuzzy_path_gives_the_published_lc_solutions(lipset):
    """QCA's `minimize` documentation (Rihoux & De Meur 2009, p. 57): conservative
    DEV*~URB*LIT*STB + DEV*LIT*IND*STB (covS 0.500 and 0.750, covU 0.250 and 0.500);
    parsimonious DEV*STB; for ~SURV parsimonious ~DEV + ~STB (covS 0.800 and 0.700,
    covU 0.300 and 0.200)."""
    tt = truth_table(lipset, conditions=LIPSET_CONDITIONS, outcome="SURV")
    [model] = solutions.conservative(tt).models
    assert str(model) == "DEV*~URB*LIT*STB + DEV*LIT*IND*STB"
    assert [(round(t.raw_coverage, 3), round(t.unique_coverage, 3)) for t in model.terms] == [(0.5, 0.25),
                                                                                            (0.75, 0.5)]
    assert str(solutions.parsimonious(tt)) == "M1: DEV*STB"
    negated = truth_table(lipset, conditions=LIPSET_CONDITIONS, outcome="SURV", negate=True)
    [model] = solutions.parsimonious(negated).models
    assert str(model) == "~DEV + ~STB"
    assert [(round(t.raw_coverage, 3), round(t.unique_coverage, 3)) for t in model.terms] == [(0.8, 0.3),
                                                                                            (0.7, 0.2)]


# --- crisp data through the fuzzy path: the same as the crisp path ------------------------

@st.composite
def crisp_tables(draw):
    k = draw(st.integers(min_value=1, max_value=5))
    conditions = [f"C{i}" for i in range(k)]
    cases = draw(st.lists(st.tuples(st.lists(st.integers(0, 1), min_size=k, max_size=k), st.integers(0, 1)),
                          min_size=1, max_size=16))
    negate = draw(st.booleans())
    if all(outcome == negate for _, outcome in cases):
        cases[0] = (cases[0][0], int(not negate))
    rows = {f"case{n}": {**dict(zip(conditions, values)), "Y": outcome} for n, (values, outcome) in enumerate(cases)}
    cut1 = draw(st.sampled_from([1.0, 0.75, 0.5]))
    cut0 = draw(st.sampled_from([None, 0.5, 0.25]))
    if cut0 is not None and cut0 > cut1:
        cut0 = cut1
    return rows, conditions, negate, cut1, cut0


@settings(deadline=None, max_examples=200)
@given(crisp_tables(), st.booleans())
def test_crisp_data_through_the_fuzzy_path_give_the_crisp_solutions(table, remainders):
    """Issue 20's acceptance: the same truth-table labels and consistencies, the same
    models in the same order, the same fit of every term and model, the same cases and
    simplifying assumptions."""
    rows, conditions, negate, cut1, cut0 = table
    crisp_tt = qca.truth_table(rows, conditions=conditions, outcome="Y", negate=negate, incl_cut1=cut1,
                               incl_cut0=cut0)
    fuzzy_tt = truth_table(rows, conditions=conditions, outcome="Y", negate=negate, incl_cut1=cut1, incl_cut0=cut0)
    assert [(r.code, r.outcome, r.cases) for r in fuzzy_tt.rows] == [
        (c.code, c.outcome, c.cases) for c in crisp_tt.configurations]
    assert [r.consistency for r in fuzzy_tt.rows] == [c.consistency for c in crisp_tt.configurations]
    crisp = qca.minimise(crisp_tt, include_remainders=remainders)
    fuzzy = solutions.parsimonious(fuzzy_tt) if remainders else solutions.conservative(fuzzy_tt)
    assert str(fuzzy) == str(crisp)
    assert fuzzy.prime_implicants == crisp.prime_implicants and fuzzy.essential == crisp.essential
    for f, c in zip(fuzzy.models, crisp.models):
        assert (f.consistency, f.coverage, f.simplifying_assumptions) == (c.consistency, c.coverage,
                                                                         c.simplifying_assumptions)
        assert f.cases == c.cases
        assert [(t.implicant, t.consistency, t.raw_coverage, t.unique_coverage, t.cases) for t in f.terms] == [
            (t.implicant, t.consistency, t.raw_coverage, t.unique_coverage, t.cases) for t in c.terms]
