"""Robustness of a solution to the calibration anchors and the consistency cut-off.
No Django here. The example is derived by hand below."""
import pytest

from apps.comparison.methods.calibration import Anchors, CalibrationError
from apps.comparison.methods.qca import QCAInputError
from apps.comparison.methods.robustness import robustness, shifted

# X is calibrated from raw values (full membership 10, crossover 5, non-membership 0);
# Z and Y are memberships already.
DATA = {"c1": {"X": 10, "Z": 1, "Y": 1}, "c2": {"X": 8, "Z": 0, "Y": 1},
        "c3": {"X": 3, "Z": 1, "Y": 0}, "c4": {"X": 5.5, "Z": 0, "Y": 0}}
ANCHORS = Anchors(full=10, crossover=5, non=0)


def test_which_terms_survive_which_choices():
    """Derived by hand. Baseline: X = (0.953, 0.858, 0.231, 0.574) (log odds 3, 1.8, -1.2,
    0.3). Row X*Z holds c1: its consistency is Σmin(X*Z, Y) / ΣX*Z = 0.953 / (0.953 +
    0.231) = 0.805; row X*~Z holds c2 and c4: 0.858 / (0.858 + 0.574) = 0.599. At
    incl.cut 0.8 only X*Z is 1, and X (which would cover X*~Z) is out: the solution is
    X*Z. Crossover 6 keeps c4 out of X (0.438) but leaves X*~Z below 0.8 (c2 alone in
    kind, 0.818 / (0.818 + 0.438) = 0.651): X*Z again. Crossover 8.5 takes c2 out of X
    too (0.456): X*~Z has no case, becomes a remainder, and X covers it: the solution
    is X. At incl.cut 0.5, X*~Z (0.599) is 1: X. At 0.9 nothing passes."""
    result = robustness(DATA, conditions="XZ", outcome="Y", anchors={"X": ANCHORS},
                        alternatives={"X": shifted(ANCHORS, "crossover", [6, 8.5])}, incl_cuts=[0.5, 0.9],
                        incl_cut=0.8)
    assert [run.label for run in result.runs] == ["baseline", "X: e=10, c=6, i=0", "X: e=10, c=8.5, i=0",
                                                  "incl.cut = 0.5", "incl.cut = 0.9"]
    assert [run.models for run in result.runs] == [("X*Z",), ("X*Z",), ("X",), ("X",), ()]
    assert result.survival() == {"X*Z": (True, True, False, False, False), "X": (False, False, True, True, False)}
    assert result.runs[-1].problem == "no configuration passes the cut-offs"
    assert result.baseline.anchors == {"X": ANCHORS} and result.runs[2].anchors["X"].crossover == 8.5
    assert result.robust_terms == ()


def test_a_term_in_every_run_is_robust():
    """Crossover 6 and incl.cut 0.75 both keep X*Z alone (see above)."""
    result = robustness(DATA, conditions="XZ", outcome="Y", anchors={"X": ANCHORS},
                        alternatives={"X": shifted(ANCHORS, "crossover", [6])}, incl_cuts=[0.75], incl_cut=0.8)
    assert result.robust_terms == ("X*Z",)


def test_robustness_of_the_conservative_and_intermediate_solutions():
    """With crossover 8.5 the parsimonious X assumes the remainder X*~Z. The conservative
    solution assumes nothing: X*Z in both runs. The intermediate one assumes X*~Z only
    where dropping Z is easy, that is when Z's absence is expected to help."""
    alternatives = {"X": shifted(ANCHORS, "crossover", [8.5])}
    conservative = robustness(DATA, conditions="XZ", outcome="Y", anchors={"X": ANCHORS}, incl_cut=0.8,
                              kind="conservative", alternatives=alternatives)
    assert [run.models for run in conservative.runs] == [("X*Z",), ("X*Z",)]
    z_helps = robustness(DATA, conditions="XZ", outcome="Y", anchors={"X": ANCHORS}, incl_cut=0.8,
                         kind="intermediate", expectations={"X": 1, "Z": 1}, alternatives=alternatives)
    assert [run.models for run in z_helps.runs] == [("X*Z",), ("X*Z",)]
    z_hurts = robustness(DATA, conditions="XZ", outcome="Y", anchors={"X": ANCHORS}, incl_cut=0.8,
                         kind="intermediate", expectations={"X": 1, "Z": 0}, alternatives=alternatives)
    assert [run.models for run in z_hurts.runs] == [("X*Z",), ("X",)]


def test_bad_choices_are_refused_with_a_reason():
    with pytest.raises(CalibrationError, match="strictly between"):
        shifted(ANCHORS, "crossover", [12])
    with pytest.raises(QCAInputError, match="unknown anchor 'middle'"):
        shifted(ANCHORS, "middle", [6])
    with pytest.raises(QCAInputError, match="unknown solution 'complex'"):
        robustness(DATA, conditions="XZ", outcome="Y", anchors={"X": ANCHORS}, kind="complex")
    with pytest.raises(QCAInputError, match="needs directional expectations"):
        robustness(DATA, conditions="XZ", outcome="Y", anchors={"X": ANCHORS}, kind="intermediate")
    with pytest.raises(QCAInputError, match="anchors for 'W'"):
        robustness(DATA, conditions="XZ", outcome="Y", anchors={"W": ANCHORS})
