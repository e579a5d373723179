"""Intercoder agreement: the spec.

First the published worked examples, each with its source; then agreement with the
reference implementations (scikit-learn, statsmodels, krippendorff: test-only
dependencies) on generated data; then the messages for bad input; last the
character-level agreement against a naive per-character count. No Django here.
"""
import math

import krippendorff
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss_kappa

from apps.agreement.coefficients import (
    LEVELS,
    character_agreement,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    overlap_share,
    percent_agreement,
)
from apps.agreement.coefficients import unitized_alpha

N = None

# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School
# for Communication, University of Pennsylvania, section C: four observers, twelve units,
# values 1..5, missing values; unit 12 has a single value and is not pairable.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]

# Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
# Psychological Bulletin 76(5), 378-382, Table 1: six psychiatrists diagnose each of 30
# patients (1 depression, 2 personality disorder, 3 schizophrenia, 4 neurosis, 5 other);
# the same data ship with R's irr package as `diagnoses`.
FLEISS_1971_DIAGNOSES = [
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
]


def counts_per_category(ratings, categories):
    return [[row.count(category) for category in categories] for row in ratings]


# --- published worked examples ---------------------------------------------------------

def test_cohen_kappa_of_the_wikipedia_grant_proposals_is_0_4():
    """Wikipedia, "Cohen's kappa", simple example: two readers say yes or no to 50 grant
    proposals; both yes 20, A yes B no 5, A no B yes 10, both no 15. p_o = 0.7,
    p_e = 0.5 x 0.6 + 0.5 x 0.4 = 0.5, kappa = 0.4."""
    reader_a = ["yes"] * 20 + ["yes"] * 5 + ["no"] * 10 + ["no"] * 15
    reader_b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert percent_agreement(reader_a, reader_b) == pytest.approx(0.7)
    assert cohen_kappa(reader_a, reader_b) == pytest.approx(0.4)


def test_fleiss_kappa_of_the_wikipedia_psychiatrists_is_0_210():
    """Wikipedia, "Fleiss' kappa", worked example: 14 raters put 10 subjects into 5
    categories; P-bar = 0.378, P-e = 0.213, kappa = 0.210 (also Cardillo's MATLAB
    `fleiss`, File Exchange 15426: 0.2099)."""
    counts = [
        [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ]
    assert fleiss_kappa(counts) == pytest.approx(0.210, abs=5e-4)


def test_fleiss_kappa_of_fleiss_1971_diagnoses_is_0_430():
    """Fleiss (1971), p. 381: kappa = .430 for the 30 patients of Table 1 (R's
    irr::kappam.fleiss(diagnoses) prints 0.43)."""
    counts = counts_per_category(FLEISS_1971_DIAGNOSES, categories=[1, 2, 3, 4, 5])
    assert fleiss_kappa(counts) == pytest.approx(0.430, abs=5e-4)


@pytest.mark.parametrize(("level", "published"), [
    ("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797),
])
def test_krippendorff_alpha_of_the_2011_worked_example(level, published):
    """Krippendorff (2011), section C (missing data): alpha_nominal = .743,
    alpha_ordinal = .815, alpha_interval = .849, alpha_ratio = .797."""
    assert krippendorff_alpha(KRIPPENDORFF_2011, level) == pytest.approx(published, abs=5e-4)


def test_krippendorff_alpha_drops_units_with_a_single_value():
    """Unit 12 of Krippendorff (2011) has one value only: dropping it changes nothing."""
    without_unit_12 = [coder[:11] for coder in KRIPPENDORFF_2011]
    for level in LEVELS:
        assert krippendorff_alpha(without_unit_12, level) == pytest.approx(
            krippendorff_alpha(KRIPPENDORFF_2011, level), abs=1e-12)


def test_krippendorff_alpha_of_the_wikipedia_example():
    """Wikipedia, "Krippendorff's alpha", computational example: three coders, fifteen
    units, alpha_nominal = 0.691 and alpha_interval = 0.811."""
    data = [
        [N, N, N, N, N, 3, 4, 1, 2, 1, 1, 3, 3, N, 3],
        [1, N, 2, 1, 3, 3, 4, 3, N, N, N, N, N, N, N],
        [N, N, 2, 1, 3, 4, 4, N, 2, 1, 1, 3, 3, N, 4],
    ]
    assert krippendorff_alpha(data) == pytest.approx(0.691, abs=5e-4)
    assert krippendorff_alpha(data, "interval") == pytest.approx(0.811, abs=5e-4)


# --- small facts of the definitions ----------------------------------------------------

def test_cohen_kappa_is_1_when_both_coders_gave_every_unit_the_same_label():
    """p_e = 1 makes kappa 0/0; the documented result is 1.0."""
    assert cohen_kappa(["x", "x", "x"], ["x", "x", "x"]) == 1.0


def test_fleiss_kappa_is_1_when_every_rating_falls_in_one_category():
    assert fleiss_kappa([[3, 0], [3, 0]]) == 1.0


def test_krippendorff_alpha_is_1_when_all_pairable_values_are_the_same():
    assert krippendorff_alpha([[2, 2, 7], [2, 2, N]]) == 1.0


def test_krippendorff_alpha_treats_nan_as_missing():
    with_nan = [[math.nan if value is None else value for value in coder] for coder in KRIPPENDORFF_2011]
    assert krippendorff_alpha(with_nan) == krippendorff_alpha(KRIPPENDORFF_2011)


def test_overlap_share_is_overlap_over_union():
    assert overlap_share(0, 10, 0, 10) == 1.0
    assert overlap_share(0, 10, 5, 15) == pytest.approx(5 / 15)
    assert overlap_share(0, 10, 2, 4) == pytest.approx(2 / 10)
    assert overlap_share(0, 10, 10, 20) == 0.0
    assert overlap_share(0, 10, 30, 40) == 0.0


def test_character_agreement_of_two_overlapping_segments():
    """100 characters; coder a codes 10..30, coder b 20..40: 10 characters both, 10 each
    alone, 70 neither. Agreement 0.8; p_e = 0.2 x 0.2 + 0.8 x 0.8 = 0.68, so
    kappa = (0.8 - 0.68) / (1 - 0.68) = 0.375."""
    agreement, kappa = character_agreement([(10, 30)], [(20, 40)], 100)
    assert agreement == pytest.approx(0.8)
    assert kappa == pytest.approx(0.375)


def test_character_agreement_counts_a_coders_overlapping_segments_once():
    assert character_agreement([(0, 10), (5, 15)], [(0, 15)], 20) == (1.0, 1.0)


def test_character_agreement_is_1_when_neither_coder_used_the_code():
    assert character_agreement([], [], 50) == (1.0, 1.0)


def test_character_agreement_cost_does_not_grow_with_the_text():
    """A billion characters would take minutes one by one; the sweep visits 4 boundaries."""
    length = 10**9
    agreement, kappa = character_agreement([(0, length // 2)], [(length // 4, 3 * length // 4)], length)
    assert agreement == 0.5
    assert kappa == 0.0


# --- against reference implementations -------------------------------------------------

label_pairs = st.lists(st.tuples(st.sampled_from("abcd"), st.sampled_from("abcd")), min_size=1, max_size=40)


@given(label_pairs)
def test_percent_agreement_is_a_share_symmetric_in_the_coders(pairs):
    a, b = zip(*pairs)
    share = percent_agreement(a, b)
    assert 0.0 <= share <= 1.0
    assert share == percent_agreement(b, a)
    assert percent_agreement(a, a) == 1.0


@settings(deadline=None)
@given(label_pairs)
def test_cohen_kappa_matches_scikit_learn(pairs):
    a, b = zip(*pairs)
    assume(len(set(a) | set(b)) > 1)
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b), abs=1e-9)


@given(label_pairs)
def test_cohen_kappa_is_bounded_symmetric_and_at_most_percent_agreement(pairs):
    a, b = zip(*pairs)
    kappa = cohen_kappa(a, b)
    assert -1.0 <= kappa <= 1.0
    assert kappa == pytest.approx(cohen_kappa(b, a), abs=1e-12)
    assert kappa <= percent_agreement(a, b) + 1e-12
    assert cohen_kappa(a, a) == 1.0


@st.composite
def rating_tables(draw):
    categories = draw(st.integers(2, 5))
    raters = draw(st.integers(2, 8))
    subjects = draw(st.integers(1, 15))
    rows = []
    for _ in range(subjects):
        choices = draw(st.lists(st.integers(0, categories - 1), min_size=raters, max_size=raters))
        rows.append([choices.count(category) for category in range(categories)])
    return rows


@settings(deadline=None)
@given(rating_tables())
def test_fleiss_kappa_matches_statsmodels(counts):
    assume(sum(1 for column in zip(*counts) if sum(column)) > 1)
    kappa = fleiss_kappa(counts)
    assert kappa == pytest.approx(statsmodels_fleiss_kappa(np.array(counts)), abs=1e-9)
    assert kappa <= 1.0


@given(rating_tables())
def test_fleiss_kappa_ignores_the_order_of_subjects_and_of_categories(counts):
    reordered = [list(reversed(row)) for row in reversed(counts)]
    assert fleiss_kappa(reordered) == pytest.approx(fleiss_kappa(counts), abs=1e-12)


@st.composite
def reliability_data(draw, values):
    coders = draw(st.integers(2, 5))
    units = draw(st.integers(1, 12))
    return [draw(st.lists(st.none() | values, min_size=units, max_size=units)) for _ in range(coders)]


def distinct_pairable_values(data):
    units = [[value for value in unit if value is not None] for unit in zip(*data)]
    return {value for unit in units if len(unit) >= 2 for value in unit}


def as_reference_matrix(data):
    return np.array([[np.nan if value is None else value for value in coder] for coder in data], dtype=float)


small_integers = st.integers(0, 6)
decimals = st.sampled_from([0, 0.5, 1.25, 3, 7.75, 10])


@pytest.mark.parametrize("level", LEVELS)
@settings(deadline=None, max_examples=150)
@given(data=st.one_of(reliability_data(small_integers), reliability_data(decimals)))
def test_krippendorff_alpha_matches_the_krippendorff_package(level, data):
    assume(len(distinct_pairable_values(data)) > 1)
    reference = krippendorff.alpha(reliability_data=as_reference_matrix(data), level_of_measurement=level)
    assert krippendorff_alpha(data, level) == pytest.approx(reference, abs=1e-9)


@pytest.mark.parametrize("level", LEVELS)
@given(data=reliability_data(small_integers))
def test_krippendorff_alpha_ignores_the_order_of_coders_and_of_units(level, data):
    assume(distinct_pairable_values(data))
    reordered = [list(reversed(coder)) for coder in reversed(data)]
    alpha = krippendorff_alpha(data, level)
    assert krippendorff_alpha(reordered, level) == pytest.approx(alpha, abs=1e-12)
    assert alpha <= 1.0 + 1e-12


@given(st.integers(0, 50), st.integers(1, 50), st.integers(0, 50), st.integers(1, 50))
def test_overlap_share_is_symmetric_and_between_0_and_1(a_start, a_length, b_start, b_length):
    share = overlap_share(a_start, a_start + a_length, b_start, b_start + b_length)
    assert 0.0 <= share <= 1.0
    assert share == overlap_share(b_start, b_start + b_length, a_start, a_start + a_length)


# --- character-level agreement against a per-character count ---------------------------

@st.composite
def coded_texts(draw):
    length = draw(st.integers(1, 60))
    segment = st.tuples(st.integers(0, length - 1), st.integers(1, length)).filter(lambda s: s[0] < s[1])
    return length, draw(st.lists(segment, max_size=5)), draw(st.lists(segment, max_size=5))


def coded_flags(segments, length):
    return [any(start <= i < end for start, end in segments) for i in range(length)]


@given(coded_texts())
def test_character_agreement_matches_a_per_character_count(text):
    length, segments_a, segments_b = text
    flags_a, flags_b = coded_flags(segments_a, length), coded_flags(segments_b, length)
    agreement, kappa = character_agreement(segments_a, segments_b, length)
    assert agreement == pytest.approx(percent_agreement(flags_a, flags_b), abs=1e-12)
    assert kappa == pytest.approx(cohen_kappa(flags_a, flags_b), abs=1e-12)


# --- bad input -------------------------------------------------------------------------

def test_two_coder_measures_reject_sequences_of_different_lengths():
    for measure in (percent_agreement, cohen_kappa):
        with pytest.raises(ValueError, match=r"different numbers of units \(3 and 2\)"):
            measure(["a", "b", "c"], ["a", "b"])


def test_two_coder_measures_reject_empty_sequences():
    for measure in (percent_agreement, cohen_kappa):
        with pytest.raises(ValueError, match="no units to compare"):
            measure([], [])


def test_fleiss_kappa_rejects_subjects_with_different_numbers_of_raters():
    with pytest.raises(ValueError, match="same number of raters: subject 2 has 4, subject 1 has 3"):
        fleiss_kappa([[1, 2], [2, 2]])


def test_fleiss_kappa_rejects_bad_tables():
    with pytest.raises(ValueError, match="no subjects"):
        fleiss_kappa([])
    with pytest.raises(ValueError, match="subject 2 has 3 categories, subject 1 has 2"):
        fleiss_kappa([[1, 2], [1, 1, 1]])
    with pytest.raises(ValueError, match="must not be negative"):
        fleiss_kappa([[3, 0], [4, -1]])
    with pytest.raises(ValueError, match="whole numbers"):
        fleiss_kappa([[1.5, 1.5]])
    with pytest.raises(ValueError, match="at least two raters per subject, got 1"):
        fleiss_kappa([[1, 0], [0, 1]])


def test_krippendorff_alpha_rejects_an_unknown_level():
    with pytest.raises(ValueError, match="unknown level 'circular': use one of nominal, ordinal, interval, ratio"):
        krippendorff_alpha(KRIPPENDORFF_2011, "circular")


def test_krippendorff_alpha_rejects_bad_reliability_data():
    with pytest.raises(ValueError, match="no coders"):
        krippendorff_alpha([])
    with pytest.raises(ValueError, match="one value per unit .* lengths 2, 3"):
        krippendorff_alpha([[1, 2, 3], [1, 2]])
    with pytest.raises(ValueError, match="nothing to compare"):
        krippendorff_alpha([[1, N, 3], [N, 2, N]])
    with pytest.raises(ValueError, match="interval values must be numbers, got 'high'"):
        krippendorff_alpha([["high", "low"], ["high", "high"]], "interval")
    with pytest.raises(ValueError, match="ratio values must not be negative, got -1"):
        krippendorff_alpha([[-1, 2], [1, 2]], "ratio")
    with pytest.raises(ValueError, match="ordinal values must be comparable"):
        krippendorff_alpha([["high", 1], ["low", 1]], "ordinal")


def test_overlap_share_rejects_empty_or_reversed_ranges():
    with pytest.raises(ValueError, match="start < end, got 5..5"):
        overlap_share(5, 5, 0, 10)
    with pytest.raises(ValueError, match="start < end, got 9..3"):
        overlap_share(0, 10, 9, 3)


def test_character_agreement_rejects_segments_outside_the_text():
    with pytest.raises(ValueError, match="0 <= start < end <= 10, got 8..12"):
        character_agreement([(8, 12)], [], 10)
    with pytest.raises(ValueError, match="positive number of characters, got 0"):
        character_agreement([], [], 0)


# --- Krippendorff's unitized alpha (uα) ------------------------------------------------------
# Krippendorff, K., Mathet, Y., Bouvry, S. & Widlöcher, A. (2016). On the reliability of
# unitizing textual continua: Further developments. Quality & Quantity 50, 2347-2364.
# The worked examples below are computed by hand from that paper's definitions: observed
# coincidences o_ck = (sum over ordered coder pairs of the lengths where a section valued c
# meets one valued k) / (m - 1); expected e_ck = l (o_c o_k - [c = k] S_c) / (l² - S), l = m L,
# S_c the squared lengths of the units valued c, each gap counting its plain length;
# uα = 1 - (l - Σ o_cc) / (l - Σ e_cc).

def test_unitized_alpha_of_two_coders_whose_units_are_one_character_apart():
    """L = 10. A marks c at [2, 5), B at [3, 6). A's sections: gap 0-2, c 2-5, gap 5-10;
    B's: gap 0-3, c 3-6, gap 6-10. A against B: gap/gap 2 + 4, c/gap 1, c/c 2, gap/c 1;
    B against A the same, so o_00 = 12, o_cc = 4, o_c0 = o_0c = 2, l = 20.
    o_0 = 14, o_c = 6; S_0 = 2 + 5 + 3 + 4 = 14 (gaps unsquared), S_c = 9 + 9 = 18, S = 32.
    e_00 = 20 (196 - 14) / 368 = 3640/368, e_cc = 20 (36 - 18) / 368 = 360/368.
    uα = 1 - (20 - 16) / (20 - 4000/368) = 1 - 4 × 368/3360 = 59/105 = 0.5619."""
    assert unitized_alpha({"A": [(2, 5, "c")], "B": [(3, 6, "c")]}, 10) == pytest.approx(59 / 105, abs=1e-12)


def test_unitized_alpha_of_three_coders_one_of_them_shifted():
    """L = 6. A and B mark c at [0, 3), C at [1, 4). A against B: c/c 3, gap/gap 3 (both
    ways: 6 and 6). A against C: c/gap 1, c/c 2, gap/c 1, gap/gap 2; C against A the
    mirror; B against C as A against C. Sums: c/c 6 + 8 = 14, gap/gap 14, c/gap 4,
    gap/c 4; divided by m - 1 = 2: o_cc = 7, o_00 = 7, o_c0 = o_0c = 2, l = 18.
    o_c = o_0 = 9; S_c = 3 × 9 = 27, S_0 = 3 + 3 + (1 + 2) = 9, S = 36, l² - S = 288.
    e_cc = 18 (81 - 27) / 288 = 3.375, e_00 = 18 (81 - 9) / 288 = 4.5.
    uα = 1 - (18 - 14) / (18 - 7.875) = 1 - 4/10.125 = 49/81 = 0.6049."""
    codings = {"A": [(0, 3, "c")], "B": [(0, 3, "c")], "C": [(1, 4, "c")]}
    assert unitized_alpha(codings, 6) == pytest.approx(49 / 81, abs=1e-12)


def test_unitized_alpha_of_two_values_where_one_coder_splits_the_other_s_unit():
    """L = 4, no gaps. A marks c at [0, 2) and k at [2, 4); B marks c at [0, 4). A against
    B: c/c 2, k/c 2; B against A: c/c 2, c/k 2. o_cc = 4, o_ck = o_kc = 2, l = 8.
    o_c = 2 + 4 = 6, o_k = 2; S_c = 4 + 16 = 20, S_k = 4, S = 24, l² - S = 40.
    e_cc = 8 (36 - 20) / 40 = 3.2, e_kk = 8 (4 - 4) / 40 = 0.
    uα = 1 - (8 - 4) / (8 - 3.2) = 1 - 4/4.8 = 1/6: the long unit B drew is one unit,
    so agreeing on half of it counts for little."""
    assert unitized_alpha({"A": [(0, 2, "c"), (2, 4, "k")], "B": [(0, 4, "c")]}, 4) == pytest.approx(1 / 6)


def test_unitized_alpha_is_1_for_identical_unitizing_and_undefined_not_1_where_it_is_0_over_0():
    """Issue 20: an undefined alpha is shown as undefined. With no unit at all, every
    coincidence is gap/gap and the expected disagreement is 0; so too when every coder
    marks the whole continuum as one unit of one value."""
    assert unitized_alpha({"A": [(2, 5, "c")], "B": [(2, 5, "c")]}, 10) == 1.0
    assert unitized_alpha({"A": [], "B": []}, 10) is None
    assert unitized_alpha({"A": [(0, 10, "c")], "B": [(0, 10, "c")], "C": [(0, 10, "c")]}, 10) is None


def test_unitized_alpha_falls_as_the_boundaries_drift_apart():
    alphas = [unitized_alpha({"A": [(10, 20, "c")], "B": [(10 + shift, 20 + shift, "c")]}, 100)
              for shift in range(0, 11, 2)]
    assert alphas == sorted(alphas, reverse=True) and alphas[0] == 1.0 and alphas[-1] < 0.05


@settings(deadline=None, max_examples=150)
@given(st.integers(2, 4).flatmap(lambda m: st.integers(2, 12).flatmap(lambda n: st.lists(
    st.lists(st.sampled_from("abc"), min_size=n, max_size=n), min_size=m, max_size=m))))
def test_unitized_alpha_of_length_1_units_is_nominal_alpha_over_the_positions(coded):
    """With every position a unit of length 1 (no gaps), S_c = o_c and the expected
    coincidences reduce to n_c (n_k - [c = k]) / (n - 1): the paper's uα is then the
    nominal alpha of the positions as units, here checked against the krippendorff package."""
    assume(len({value for row in coded for value in row}) > 1)
    codings = {f"coder{i}": [(p, p + 1, value) for p, value in enumerate(row)] for i, row in enumerate(coded)}
    reference = krippendorff.alpha(reliability_data=[[ord(v) for v in row] for row in coded],
                                   level_of_measurement="nominal")
    assert unitized_alpha(codings, len(coded[0])) == pytest.approx(reference, abs=1e-9)


def test_unitized_alpha_ignores_the_order_of_units_and_of_coders():
    codings = {"A": [(6, 9, "k"), (0, 3, "c")], "B": [(1, 4, "c"), (6, 8, "k")], "C": [(0, 4, "c")]}
    reordered = {"C": codings["C"], "B": list(reversed(codings["B"])), "A": sorted(codings["A"])}
    assert unitized_alpha(codings, 10) == pytest.approx(unitized_alpha(reordered, 10), abs=1e-12)


@pytest.mark.parametrize(("codings", "length", "message"), [
    ({"A": [(0, 2, "c")]}, 10, "at least two coders, got 1"),
    ({"A": [(0, 2, "c")], "B": []}, 0, "length must be a positive number, got 0"),
    ({"A": [(0, 12, "c")], "B": []}, 10, "coder 'A': a unit must satisfy 0 <= start < end <= 10, got 0..12"),
    ({"A": [(3, 3, "c")], "B": []}, 10, "got 3..3"),
    ({"A": [(0, 4, "c"), (3, 6, "k")], "B": []}, 10, "coder 'A': units overlap at 3"),
    ({"A": [(0, 4, None)], "B": []}, 10, "the unit 0..4 has no value"),
    ({"A": [(0, 4)], "B": []}, 10, r"a unit is \(start, end, value\)"),
])
def test_unitized_alpha_rejects_bad_codings(codings, length, message):
    with pytest.raises(ValueError, match=message):
        unitized_alpha(codings, length)

