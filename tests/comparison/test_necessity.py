"""Necessary conditions: the spec. No Django here."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.comparison.methods.fuzzy import sufficiency
from apps.comparison.methods.necessity import fit, format_necessity, necessity
from apps.comparison.methods.qca import QCAInputError, read_csv

from .test_qca import LIPSET_CONDITIONS, LIPSET_CSV


def test_necessity_of_development_for_the_survival_of_democracy_in_the_lc_data():
    """Computed by hand from the published `LC` data (Rihoux & De Meur 2009; R's QCA):
    all 8 surviving democracies are developed (consistency 8/8 = 1); 10 countries are
    developed (coverage 8/10 = 0.8); RoN (Schneider & Wagemann 2012) = Σ(1 - DEV) /
    Σ(1 - min(DEV, SURV)) = 8 / (18 - 8) = 0.8. Literacy is necessary too, but 13
    countries are literate: coverage 8/13 and RoN (18 - 13) / (18 - 8) = 0.5, the more
    trivial necessary condition. ~DEV: consistency 0."""
    rows, _ = read_csv(LIPSET_CSV)
    results = {r.expression: r for r in necessity(rows, conditions=LIPSET_CONDITIONS, outcome="SURV")}
    assert list(results)[:4] == ["DEV", "~DEV", "URB", "~URB"]
    dev, lit = results["DEV"], results["LIT"]
    assert (dev.consistency, dev.coverage, dev.relevance, dev.necessary) == (1.0, 0.8, 0.8, True)
    assert (lit.consistency, lit.coverage, lit.relevance, lit.necessary) == (1.0, pytest.approx(8 / 13), 0.5, True)
    assert results["~DEV"].consistency == 0.0 and not results["~DEV"].necessary
    assert results["STB"].consistency == 1.0  # every survivor had stable governments: 8/8
    assert results["STB"].coverage == pytest.approx(8 / 11)  # and so had EE, IT and RO: 11 stable


def test_necessity_of_a_fuzzy_condition_by_hand():
    """X = (0.9, 0.8, 0.4, 0.7), Y = (0.8, 0.6, 0.3, 0.2). min = (0.8, 0.6, 0.3, 0.2),
    Σ 1.9; ΣY = 1.9, so consistency 1.0; ΣX = 2.8, coverage 1.9/2.8 = 0.679;
    RoN = Σ(1 - X) / Σ(1 - min) = (0.1 + 0.2 + 0.6 + 0.3) / (0.2 + 0.4 + 0.7 + 0.8)
    = 1.2/2.1 = 0.571."""
    consistency, coverage, relevance = fit([0.9, 0.8, 0.4, 0.7], [0.8, 0.6, 0.3, 0.2])
    assert consistency == pytest.approx(1.0)
    assert coverage == pytest.approx(1.9 / 2.8)
    assert relevance == pytest.approx(1.2 / 2.1)


def test_disjunctions_of_two_literals_on_request_with_the_threshold():
    """Y is in A or B (A + B = max) but in neither alone. Derived by hand: A = (1, 0, 0),
    B = (0, 1, 0), Y = (1, 1, 0): A alone 1/2, A + B 2/2, coverage 2/2."""
    rows = {"x": {"A": 1, "B": 0, "Y": 1}, "y": {"A": 0, "B": 1, "Y": 1}, "z": {"A": 0, "B": 0, "Y": 0}}
    plain = necessity(rows, conditions="AB", outcome="Y")
    assert [r.expression for r in plain] == ["A", "~A", "B", "~B"]
    assert not any(r.necessary for r in plain)
    results = {r.expression: r for r in necessity(rows, conditions="AB", outcome="Y", disjunctions=True)}
    assert "A + ~A" not in results and "A + B" in results and "~A + ~B" in results
    assert (results["A + B"].consistency, results["A + B"].coverage, results["A + B"].necessary) == (1.0, 1.0, True)
    assert [r.expression for r in necessity(rows, conditions="AB", outcome="Y", threshold=0.5) if r.necessary] == [
        "A", "~A", "B", "~B"]


def test_the_negated_outcome_and_undefined_figures():
    rows = {"x": {"A": 1, "Y": 1}, "y": {"A": 1, "Y": 1}}
    [a, not_a] = necessity(rows, conditions="A", outcome="Y")
    assert a.relevance is None  # every case fully in A and in Y: 0/0
    assert not_a.coverage is None  # nobody is in ~A
    [a, _] = necessity({"x": {"A": 1, "Y": 0}, "y": {"A": 0, "Y": 0}}, conditions="A", outcome="Y")
    assert a.consistency is None  # no case in Y
    [a, _] = necessity({"x": {"A": 1, "Y": 0}, "y": {"A": 0, "Y": 1}}, conditions="A", outcome="Y", negate=True)
    assert a.consistency == 1.0


def test_format_necessity_and_bad_input():
    rows, _ = read_csv(LIPSET_CSV)
    text = format_necessity(necessity(rows, conditions=["DEV"], outcome="SURV"), outcome_label="SURV")
    assert text.splitlines()[0] == "Necessary conditions for SURV (consistency at least 0.9)"
    assert "DEV   1.000  0.800  0.800  necessary" in text
    with pytest.raises(QCAInputError, match="threshold must be a number from 0 to 1"):
        necessity(rows, conditions=["DEV"], outcome="SURV", threshold=1.5)


@settings(deadline=None)
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(*(st.lists(st.floats(0, 1), min_size=n, max_size=n),) * 2)))
def test_necessity_consistency_of_x_for_y_is_sufficiency_consistency_of_y_for_x(pair):
    """Issue 20's acceptance: X is necessary for Y exactly as far as Y is sufficient for X."""
    x, y = pair
    assert fit(x, y)[0] == sufficiency(y, x).consistency
    assert fit(x, y)[1] == sufficiency(y, x).coverage
