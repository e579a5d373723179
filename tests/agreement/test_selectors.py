"""Fleiss' kappa and Krippendorff's alpha over counted units (many units with the same
values, as at the character level) equal the same coefficients over the expanded data."""
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.agreement.coefficients import fleiss_kappa, fleiss_kappa_counted, krippendorff_alpha, \
    krippendorff_alpha_counted

values = st.sampled_from([0, 1, 2, None])


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 4).flatmap(lambda m: st.lists(st.lists(values, min_size=m, max_size=m), min_size=1,
                                                    max_size=25)))
def test_counted_alpha_equals_alpha_over_the_expanded_units(units):
    coders = [list(column) for column in zip(*units)]
    try:
        expected = krippendorff_alpha(coders)
    except ValueError as error:
        with pytest.raises(ValueError, match=str(error)[:20]):
            krippendorff_alpha_counted(Counter(map(tuple, units)))
        return
    assert krippendorff_alpha_counted(Counter(map(tuple, units))) == pytest.approx(expected, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 5).flatmap(lambda raters: st.lists(
    st.integers(0, raters).map(lambda k: (raters - k, k)), min_size=1, max_size=30)))
def test_counted_fleiss_equals_fleiss_over_the_expanded_rows(rows):
    assert fleiss_kappa_counted(Counter(rows)) == pytest.approx(fleiss_kappa(rows), abs=1e-12)


@pytest.mark.parametrize("level", ["ordinal", "interval", "ratio"])
def test_counted_alpha_knows_the_other_levels(level):
    units = [(1, 2, 2), (3, 3, None), (1, 1, 2), (4, 3, 4)]
    coders = [list(c) for c in zip(*units)]
    assert krippendorff_alpha_counted(Counter(units * 3), level) == pytest.approx(
        krippendorff_alpha([c * 3 for c in coders], level), abs=1e-9)


def test_counted_coefficients_explain_bad_input():
    with pytest.raises(ValueError, match="no subjects"):
        fleiss_kappa_counted({})
    with pytest.raises(ValueError, match="same number of raters"):
        fleiss_kappa_counted({(1, 1): 3, (2, 1): 1})
    with pytest.raises(ValueError, match="whole number"):
        fleiss_kappa_counted({(1, 1): 2.5})
    with pytest.raises(ValueError, match="at least two raters"):
        fleiss_kappa_counted({(1, 0): 4})
    with pytest.raises(ValueError, match="nothing to compare"):
        krippendorff_alpha_counted({(1, None): 5})
    with pytest.raises(ValueError, match="unknown level"):
        krippendorff_alpha_counted({(1, 1): 5}, "cardinal")
    with pytest.raises(ValueError, match="must not be negative"):
        krippendorff_alpha_counted({(1, -2): 1, (3, 3): 1}, "ratio")


def test_a_character_level_sized_table_is_counted_quickly():
    """A million characters in four patterns: counted, not expanded."""
    table = {(True, True): 30_000, (True, False): 4_000, (False, True): 6_000, (False, False): 960_000}
    alpha = krippendorff_alpha_counted(table)
    assert 0.8 < alpha < 0.9
    rows = Counter()
    for pattern, n in table.items():
        rows[2 - sum(pattern), sum(pattern)] += n
    assert fleiss_kappa_counted(rows) == pytest.approx(alpha, abs=1e-4)
