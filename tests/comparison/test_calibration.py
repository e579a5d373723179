"""Calibration by the direct method: the spec. No Django here."""
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.comparison.methods.calibration import Anchors, CalibrationError, calibrate, crisp, direct, log_odds

# Ragin, C. C. (2008). Redesigning Social Inquiry: Fuzzy Sets and Beyond. University of
# Chicago Press, ch. 5, Table 5.2 ("Calibrating the degree of membership in the set of
# developed countries: direct method"): GNP per capita (US dollars), full membership at
# 20,000, crossover 5,000, full non-membership 2,500; the table prints the log odds and
# the membership to two decimals.
RAGIN_2008_TABLE_5_2 = [
    # country, GNP per capita, log odds, membership
    ("Switzerland", 40110, 7.02, 1.00),
    ("United States", 34400, 5.88, 1.00),
    ("Netherlands", 25200, 4.04, 0.98),
    ("Finland", 24920, 3.98, 0.98),
    ("Australia", 20060, 3.01, 0.95),
    ("Israel", 17090, 2.42, 0.92),
    ("Spain", 15320, 2.06, 0.89),
    ("New Zealand", 13680, 1.74, 0.85),
    ("Cyprus", 11720, 1.34, 0.79),
    ("Greece", 11290, 1.26, 0.78),
    ("Portugal", 10940, 1.19, 0.77),
    ("Korea, Rep.", 9800, 0.96, 0.72),
    ("Argentina", 7470, 0.49, 0.62),
    ("Hungary", 4670, -0.40, 0.40),
    ("Venezuela", 4100, -1.08, 0.25),
    ("Estonia", 4070, -1.12, 0.25),
    ("Panama", 3740, -1.51, 0.18),
    ("Mauritius", 3690, -1.57, 0.17),
    ("Brazil", 3590, -1.69, 0.16),
    ("Turkey", 2980, -2.42, 0.08),
    ("Bolivia", 1000, -4.80, 0.01),
    ("Cote d'Ivoire", 650, -5.22, 0.01),
    ("Senegal", 450, -5.46, 0.00),
    ("Burundi", 110, -5.87, 0.00),
]
DEVELOPED = Anchors(full=20000, crossover=5000, non=2500)


@pytest.mark.parametrize(("country", "gnp", "published_log_odds", "published_membership"), RAGIN_2008_TABLE_5_2)
def test_direct_calibration_reproduces_ragin_2008_table_5_2(country, gnp, published_log_odds, published_membership):
    assert round(log_odds(gnp, DEVELOPED), 2) == pytest.approx(published_log_odds, abs=1e-9)
    assert round(direct(gnp, DEVELOPED), 2) == pytest.approx(published_membership, abs=1e-9)


def test_the_anchors_sit_at_log_odds_plus_and_minus_3():
    """Ragin 2008, ch. 5: full membership 0.95 (exactly exp(3)/(1 + exp(3)) = 0.9526),
    crossover 0.5, full non-membership 0.05 (0.0474)."""
    assert direct(20000, DEVELOPED) == pytest.approx(math.exp(3) / (1 + math.exp(3)))
    assert direct(5000, DEVELOPED) == 0.5
    assert direct(2500, DEVELOPED) == pytest.approx(1 / (1 + math.exp(3)))


def test_decreasing_anchors_calibrate_a_set_such_as_poor_countries():
    """Full membership in "poor" at 2,500, non-membership at 20,000: the mirror image
    of "developed" (membership 1 - developed)."""
    poor = Anchors(full=2500, crossover=5000, non=20000)
    for _country, gnp, _lo, _m in RAGIN_2008_TABLE_5_2:
        assert direct(gnp, poor) == pytest.approx(1 - direct(gnp, DEVELOPED))
    assert not poor.increasing and DEVELOPED.increasing


def test_calibrate_maps_every_case_and_names_the_one_it_cannot_read():
    assert calibrate({"CH": 40110, "HU": 4670}, DEVELOPED) == {"CH": direct(40110, DEVELOPED),
                                                              "HU": direct(4670, DEVELOPED)}
    with pytest.raises(CalibrationError, match="case 'HU': a raw value must be a number, got 'n/a'"):
        calibrate({"CH": 40110, "HU": "n/a"}, DEVELOPED)


@pytest.mark.parametrize(("anchors", "message"), [
    ({"full": 20000, "crossover": 2500, "non": 5000}, "crossover .* strictly between"),
    ({"full": 5000, "crossover": 5000, "non": 2500}, "crossover .* strictly between"),
    ({"full": "high", "crossover": 5000, "non": 2500}, "the full anchor must be a number"),
    ({"full": math.inf, "crossover": 5000, "non": 2500}, "the full anchor must be a number"),
])
def test_anchors_out_of_order_are_refused(anchors, message):
    with pytest.raises(CalibrationError, match=message):
        Anchors(**anchors)


def test_crisp_calibration_is_1_at_or_above_the_threshold():
    """As R's QCA made `LC` from the raw Lipset data: DEV 0 below 550 USD, 1 otherwise."""
    assert [crisp(value, 550) for value in (549.9, 550, 1098)] == [0, 1, 1]


@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6))
def test_membership_rises_with_the_raw_value_and_stays_within_0_and_1(a, b):
    low, high = sorted((a, b))
    assert 0 <= direct(low, DEVELOPED) <= direct(high, DEVELOPED) <= 1
