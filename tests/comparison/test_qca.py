"""Crisp-set QCA: the spec.

First the published examples, each with its source: the Lipset data of the R package
QCA (Dusa), whose `minimize` documentation prints the truth table, the conservative,
parsimonious and negated solutions with their cases and parameters of fit; and the
worked Quine-McCluskey example of Wikipedia, which has two minimal solutions. Results
derived by hand (no published solution found) say so. Then reading the CSV and its
messages, then properties checked against a brute-force reference on generated truth
tables, last the `qca` command. Only the command test needs Django.
"""
from io import StringIO
from itertools import combinations, product

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.comparison.methods.qca import (
    QCAInputError,
    format_solution,
    format_truth_table,
    minimise,
    read_csv,
    truth_table,
)

# The Lipset (1959) indicators for the survival of democracy in inter-war Europe in the
# crisp-set calibration used by Rihoux & De Meur (2009), "Crisp-Set Qualitative
# Comparative Analysis (csQCA)", in Rihoux & Ragin (eds.), Configurational Comparative
# Methods, ch. 3; the R package QCA ships them as `LC`. DEV developed (GDP per capita >= 550 USD), URB
# urbanised, LIT literate, IND industrialised, STB stable governments, SURV democracy
# survived. The rows are the documented `LC` truth table with its cases: the help page of
# QCA's `minimize` (QCA 3.22, dusadrian/QCA inst/staticdocs/minimize.html) prints
# `truthTable(LC, "SURV")` and, with show.cases, the countries of every configuration.
LIPSET_CSV = """\
"","DEV","URB","LIT","IND","STB","SURV"
"AU",1,0,1,1,0,0
"BE",1,1,1,1,1,1
"CZ",1,1,1,1,1,1
"EE",0,0,1,0,1,0
"FI",1,0,1,0,1,1
"FR",1,0,1,1,1,1
"DE",1,1,1,1,0,0
"GR",0,0,0,0,0,0
"HU",0,0,1,0,0,0
"IE",1,0,1,0,1,1
"IT",0,0,0,0,1,0
"NL",1,1,1,1,1,1
"PL",0,0,1,0,0,0
"PT",0,0,0,0,0,0
"RO",0,0,0,0,1,0
"ES",0,0,0,0,0,0
"SE",1,0,1,1,1,1
"UK",1,1,1,1,1,1
"""
LIPSET_CONDITIONS = ["DEV", "URB", "LIT", "IND", "STB"]


@pytest.fixture
def lipset():
    rows, _ = read_csv(LIPSET_CSV)
    return rows


def terms(model):
    return [str(term) for term in model.terms]


def fit(model):
    """(term, raw coverage, unique coverage, cases) per term, rounded as QCA prints them."""
    return [(str(t), round(t.raw_coverage, 3), round(t.unique_coverage, 3), set(t.cases)) for t in model.terms]


# --- QCA's Lipset example (Rihoux & De Meur 2009; QCA's `minimize` documentation) ---------

def test_lipset_truth_table_is_the_published_one(lipset):
    """`truthTable(LC, "SURV")`: nine observed configurations (QCA rows 1, 2, 5, 6, 22,
    23, 24, 31, 32), three of them positive, no contradiction, 8/10 cases."""
    tt = truth_table(lipset, conditions=LIPSET_CONDITIONS, outcome="SURV")
    table = {c.code + 1: (c.outcome, c.n, c.consistency, set(c.cases)) for c in tt.configurations}
    assert table == {
        1: (0, 3, 0.0, {"GR", "PT", "ES"}),
        2: (0, 2, 0.0, {"IT", "RO"}),
        5: (0, 2, 0.0, {"HU", "PL"}),
        6: (0, 1, 0.0, {"EE"}),
        22: (1, 2, 1.0, {"FI", "IE"}),
        23: (0, 1, 0.0, {"AU"}),
        24: (1, 2, 1.0, {"FR", "SE"}),
        31: (0, 1, 0.0, {"DE"}),
        32: (1, 4, 1.0, {"BE", "CZ", "NL", "UK"}),
    }
    assert tt.remainder_count == 32 - 9 == len(tt.remainders)
    assert len(tt.positive_cases) == 8


def test_lipset_conservative_solution_is_the_published_one(lipset):
    """`minimize(ttLC, details = TRUE, show.cases = TRUE)` (Rihoux & De Meur 2009, p. 57):
    M1: DEV*~URB*LIT*STB + DEV*LIT*IND*STB, covS 0.500 and 0.750, covU 0.250 and 0.500,
    solution inclusion and coverage 1.000; both terms are essential."""
    solution = minimise(truth_table(lipset, conditions=LIPSET_CONDITIONS, outcome="SURV"))
    [model] = solution.models
    assert str(model) == "DEV*~URB*LIT*STB + DEV*LIT*IND*STB"
    assert fit(model) == [
        ("DEV*~URB*LIT*STB", 0.5, 0.25, {"FI", "IE", "FR", "SE"}),
        ("DEV*LIT*IND*STB", 0.75, 0.5, {"FR", "SE", "BE", "CZ", "NL", "UK"}),
    ]
    assert all(t.consistency == 1.0 for t in model.terms)
    assert (model.consistency, model.coverage) == (1.0, 1.0)
    assert [str(pi) for pi in solution.essential] == terms(model)
    assert model.simplifying_assumptions == ()


def test_lipset_conservative_solution_for_the_negated_outcome_is_the_published_one(lipset):
    """`minimize(truthTable(LC, "~SURV"))`: M1: ~DEV*~URB*~IND + DEV*LIT*IND*~STB."""
    tt = truth_table(lipset, conditions=LIPSET_CONDITIONS, outcome="SURV", negate=True)
    assert tt.label == "~SURV"
    assert [c.outcome for c in tt.configurations] == [1, 1, 1, 1, 0, 1, 0, 1, 0]
    assert str(minimise(tt)) == "M1: ~DEV*~URB*~IND + DEV*LIT*IND*~STB"


def test_lipset_parsimonious_solution_and_its_simplifying_assumptions_are_the_published_ones(lipset):
    """`minimize(ttLC, include = "?")`: M1: DEV*STB, covS 1.000, cases FI,IE; FR,SE;
    BE,CZ,NL,UK; `pLC$SA` lists the remainders of QCA rows 18, 20, 26, 28 and 30.
    The remainders change the solution: the conservative one has two terms."""
    tt = truth_table(lipset, conditions=LIPSET_CONDITIONS, outcome="SURV")
    [model] = minimise(tt, include_remainders=True).models
    assert str(model) == "DEV*STB"
    assert fit(model) == [("DEV*STB", 1.0, 1.0, {"FI", "IE", "FR", "SE", "BE", "CZ", "NL", "UK"})]
    assert model.simplifying_assumptions == (
        (1, 0, 0, 0, 1), (1, 0, 0, 1, 1), (1, 1, 0, 0, 1), (1, 1, 0, 1, 1), (1, 1, 1, 0, 1))
    assert str(minimise(tt).models[0]) != str(model)


def test_lipset_parsimonious_solution_for_the_negated_outcome_is_the_published_one(lipset):
    """`minimize(ttLCn, include = "?", details = TRUE, show.cases = TRUE)`: M1: ~DEV + ~STB,
    covS 0.800 and 0.700, covU 0.300 and 0.200, five multiply covered cases."""
    tt = truth_table(lipset, conditions=LIPSET_CONDITIONS, outcome="SURV", negate=True)
    [model] = minimise(tt, include_remainders=True).models
    assert fit(model) == [
        ("~DEV", 0.8, 0.3, {"GR", "PT", "ES", "IT", "RO", "HU", "PL", "EE"}),
        ("~STB", 0.7, 0.2, {"GR", "PT", "ES", "HU", "PL", "AU", "DE"}),
    ]
    assert (model.consistency, model.coverage) == (1.0, 1.0)
    assert set(model.terms[0].cases) & set(model.terms[1].cases) == {"GR", "PT", "ES", "HU", "PL"}


def test_lipset_prime_implicant_chart_lists_every_prime_implicant_in_qcas_order(lipset):
    """Derived by hand from the published truth table: with the remainders, the
    positive configurations have four prime implicants (DEV*~IND, DEV*STB, URB*STB,
    IND*STB); DEV*STB alone covers all three, and QCA orders the chart by the number
    of literals, then condition by condition absent, present, left out."""
    tt = truth_table(lipset, conditions=LIPSET_CONDITIONS, outcome="SURV")
    solution = minimise(tt, include_remainders=True)
    assert [str(pi) for pi in solution.prime_implicants] == ["DEV*~IND", "DEV*STB", "URB*STB", "IND*STB"]
    assert {str(pi): [code + 1 for code in codes] for pi, codes in solution.chart.items()} == {
        "DEV*~IND": [22], "DEV*STB": [22, 24, 32], "URB*STB": [32], "IND*STB": [24, 32]}
    assert solution.essential == ()


# --- contradictions: the Lipset data with the four socio-economic conditions -------------

def test_configurations_whose_cases_disagree_are_contradictions(lipset):
    """Derived by hand from the published `LC` data: without STB, Austria (broke down)
    shares the configuration of France and Sweden (survived), and Germany that of
    Belgium, Czechoslovakia, the Netherlands and the UK. With R's single cut-off
    `incl.cut = 1` such a configuration is labelled 0, as R labels it (issue 20: R
    prints "C" only with two cut-offs, `incl.cut = c(1, .5)`); it is contradictory
    whatever its label."""
    tt = truth_table(lipset, conditions=["DEV", "URB", "LIT", "IND"], outcome="SURV")
    table = {"".join(map(str, c.values)): (c.outcome, c.n, round(c.consistency, 3)) for c in tt.configurations}
    assert table == {"0000": (0, 5, 0.0), "0010": (0, 3, 0.0), "1010": (1, 2, 1.0),
                     "1011": (0, 3, 0.667), "1111": (0, 5, 0.8)}
    assert [c.contradictory for c in tt.configurations] == [False, False, False, True, True]
    assert format_truth_table(tt).endswith("2 contradictory configurations (cases with and without SURV)")
    negated = truth_table(lipset, conditions=["DEV", "URB", "LIT", "IND"], outcome="SURV", negate=True)
    assert [c.outcome for c in negated.configurations] == [1, 1, 0, 0, 0]
    assert [round(c.consistency, 3) for c in negated.configurations] == [1.0, 1.0, 0.0, 0.333, 0.2]


def test_two_inclusion_cut_offs_label_the_contradictions_c_as_r_does(lipset):
    """`incl.cut = c(1, .5)`: 1 at consistency 1, "C" from 0.5 up to 1, 0 below 0.5
    (R's `truthTable` documentation: the second cut-off is the one for the absence of
    the outcome). For SURV, 1011 (0.667) and 1111 (0.8) are "C"; for ~SURV their
    consistencies 0.333 and 0.2 fall below 0.5, so they are 0."""
    tt = truth_table(lipset, conditions=["DEV", "URB", "LIT", "IND"], outcome="SURV", incl_cut1=1, incl_cut0=0.5)
    assert [c.outcome for c in tt.configurations] == [0, 0, 1, "C", "C"]
    negated = truth_table(lipset, conditions=["DEV", "URB", "LIT", "IND"], outcome="SURV", negate=True,
                          incl_cut1=1, incl_cut0=0.5)
    assert [c.outcome for c in negated.configurations] == [1, 1, 0, 0, 0]
    lenient = truth_table(lipset, conditions=["DEV", "URB", "LIT", "IND"], outcome="SURV", incl_cut1=0.8)
    assert [c.outcome for c in lenient.configurations] == [0, 0, 1, 0, 1]
    assert str(minimise(lenient)) == "M1: DEV*~URB*LIT*~IND + DEV*URB*LIT*IND"
    assert minimise(lenient).models[0].consistency == pytest.approx(6 / 7)  # DE in 1111 breaks down


@pytest.mark.parametrize(("cuts", "message"), [
    ({"incl_cut1": 1.2}, "incl_cut1 must be a number from 0 to 1, got 1.2"),
    ({"incl_cut1": 0.8, "incl_cut0": -0.1}, "incl_cut0 must be a number from 0 to 1"),
    ({"incl_cut1": 0.5, "incl_cut0": 0.8}, r"the inclusion cut-off for 0 \(0.8\) must not exceed the one for 1"),
])
def test_inclusion_cut_offs_out_of_order_or_range_are_refused(lipset, cuts, message):
    with pytest.raises(QCAInputError, match=message):
        truth_table(lipset, conditions=LIPSET_CONDITIONS, outcome="SURV", **cuts)


def test_contradictions_count_neither_for_the_outcome_nor_as_remainders(lipset):
    """Derived by hand: the only positive configuration is 1010 (FI, IE). Were the
    contradictions 1011 and 1111 don't-cares, DEV alone would do; they are not, so the
    parsimonious solution is DEV*~IND (over the remainders 1000, 1100 and 1110)."""
    tt = truth_table(lipset, conditions=["DEV", "URB", "LIT", "IND"], outcome="SURV")
    conservative = minimise(tt)
    parsimonious = minimise(tt, include_remainders=True)
    assert str(conservative) == "M1: DEV*~URB*LIT*~IND"
    assert str(parsimonious) == "M1: DEV*~IND"
    assert parsimonious.models[0].simplifying_assumptions == ((1, 0, 0, 0), (1, 1, 0, 0), (1, 1, 1, 0))
    for model in (*conservative.models, *parsimonious.models):
        assert set(model.cases) == {"FI", "IE"}
        assert model.consistency == 1.0
        assert model.coverage == 2 / 8  # FR, SE, BE, CZ, NL and UK are in contradictions


def test_the_negated_outcome_leaves_out_the_contradictory_cases_too(lipset):
    """Derived by hand, and in line with the published multi-value analysis of the same
    four conditions (Cronqvist & Berg-Schlosser 2009, p. 80; in QCA's `minimize`
    documentation the first term of `minimize(ttLMn)`, DEV[0]*URB[0]*IND[0], has covS
    0.800 and the same eight countries): AU and DE, in contradictions, stay unexplained."""
    tt = truth_table(lipset, conditions=["DEV", "URB", "LIT", "IND"], outcome="SURV", negate=True)
    [model] = minimise(tt).models
    assert str(model) == "~DEV*~URB*~IND"
    assert set(model.cases) == {"GR", "IT", "PT", "RO", "ES", "EE", "HU", "PL"}
    assert model.coverage == pytest.approx(0.8)
    assert str(minimise(tt, include_remainders=True)) == "M1: ~DEV"


# --- several minimal solutions: the worked example of Wikipedia ---------------------------

def wikipedia_truth_table():
    """Wikipedia, "Quine-McCluskey algorithm", worked example: f(A,B,C,D) =
    m(4,8,10,11,12,15) + d(9,14). One case per minterm; the don't-cares 9 and 14 have no
    case (remainders) and every other minterm is a case without the outcome."""
    rows = {}
    for minterm in range(16):
        if minterm not in (9, 14):
            values = dict(zip("ABCD", (minterm >> 3 & 1, minterm >> 2 & 1, minterm >> 1 & 1, minterm & 1)))
            rows[f"m{minterm}"] = {**values, "F": int(minterm in (4, 8, 10, 11, 12, 15))}
    return truth_table(rows, conditions="ABCD", outcome="F")


def test_every_minimal_solution_is_listed_when_several_remain():
    """Wikipedia: the prime implicants are m(4,12) BC'D', m(8,9,10,11) AB', m(8,10,12,14)
    AD' and m(10,11,14,15) AC; BC'D' and AC are essential, and minterm 8 is covered
    equally well by AB' or AD': two minimal solutions, BC'D' + AB' + AC and
    BC'D' + AD' + AC, three terms and seven literals each."""
    solution = minimise(wikipedia_truth_table(), include_remainders=True)
    assert {str(pi) for pi in solution.prime_implicants} == {"B*~C*~D", "A*~B", "A*~D", "A*C"}
    assert {str(pi) for pi in solution.essential} == {"B*~C*~D", "A*C"}
    assert str(solution) == "M1: A*C + B*~C*~D + A*~B\nM2: A*C + B*~C*~D + A*~D"
    assert [model.terms[2].cases for model in solution.models] == [("m8", "m10", "m11"), ("m8", "m10", "m12")]


def test_without_the_don_t_cares_the_wikipedia_function_has_one_minimal_solution():
    """Derived by hand: without 9 and 14 the prime implicants are B*~C*~D, A*~B*~D,
    A*~C*~D, A*~B*C and A*C*D; B*~C*~D (for 4) and A*C*D (for 15) are essential and
    A*~B*~D alone covers 8 and 10."""
    solution = minimise(wikipedia_truth_table())
    assert len(solution.prime_implicants) == 5
    assert str(solution) == "M1: A*C*D + B*~C*~D + A*~B*~D"


def test_the_issue_20_reproduction_lists_both_equally_minimal_models():
    """Issue 20: cases c1 0,0,0 -> 0, c2 1,1,0 -> 1, c3 0,1,1 -> 1; for ~Y with the
    remainders, R's `minimize` prints M1: ~B and M2: ~A*~C. Both are prime implicants
    covering the only positive configuration 000 and avoiding 110 and 011."""
    rows = {"c1": {"A": 0, "B": 0, "C": 0, "Y": 0}, "c2": {"A": 1, "B": 1, "C": 0, "Y": 1},
            "c3": {"A": 0, "B": 1, "C": 1, "Y": 1}}
    solution = minimise(truth_table(rows, conditions="ABC", outcome="Y", negate=True), include_remainders=True)
    assert str(solution) == "M1: ~B\nM2: ~A*~C"
    assert [model.simplifying_assumptions for model in solution.models] == [
        ((0, 0, 1), (1, 0, 0), (1, 0, 1)), ((0, 1, 0),)]


def test_ties_in_the_number_of_terms_list_every_model_whatever_its_literals():
    """Derived by hand: positives 000 and 111 of A, B, C, negatives 001 and 010, the rest
    remainders. ~B*~C is the only prime implicant covering 000 (essential); 111 is
    covered by A or by B*C (B and C alone would cover a negative). Both solutions have
    two terms, so both are listed: R's `minimize` lists every cover with the fewest
    prime implicants, not only the one with fewest literals (issue 20, which found the
    old tie-break by literals against R's QCA 3.25). Without the remainders nothing
    combines."""
    rows = {"x000": {"A": 0, "B": 0, "C": 0, "Y": 1}, "x111": {"A": 1, "B": 1, "C": 1, "Y": 1},
            "x001": {"A": 0, "B": 0, "C": 1, "Y": 0}, "x010": {"A": 0, "B": 1, "C": 0, "Y": 0}}
    tt = truth_table(rows, conditions="ABC", outcome="Y")
    parsimonious = minimise(tt, include_remainders=True)
    assert [str(pi) for pi in parsimonious.prime_implicants] == ["A", "~B*~C", "B*C"]
    assert str(parsimonious) == "M1: ~B*~C + A\nM2: ~B*~C + B*C"
    assert str(minimise(tt)) == "M1: ~A*~B*~C + A*B*C"


# --- reading the table ------------------------------------------------------------------

def test_read_csv_takes_the_case_names_from_the_first_column():
    rows, columns = read_csv("case;A;Y\nKazakhstan 2022;1;1\nArmenia 2022;0;0\n")
    assert columns == ["A", "Y"]
    assert rows == {"Kazakhstan 2022": {"A": 1, "Y": 1}, "Armenia 2022": {"A": 0, "Y": 0}}


def test_read_csv_accepts_tabs_a_byte_order_mark_and_blank_lines():
    rows, columns = read_csv("\ufeffcase\tA\tY\n\nx\t1\t0\n")
    assert (rows, columns) == ({"x": {"A": 1, "Y": 0}}, ["A", "Y"])


@pytest.mark.parametrize(("text", "message"), [
    ("", "the CSV is empty"),
    ("case,A,Y\n", "the CSV has a header but no cases"),
    ("case\nx\n", "names no columns"),
    ("case,A,A\nx,1,1\n", "column 'A' appears twice in the header"),
    ("case,A,\nx,1,1\n", "column 3 of the header has no name"),
    ("case,A,Y\nx,1,1\ny,1\n", "line 3: expected 3 fields"),
    ("case,A,Y\n,1,1\n", "line 2: no case name"),
    ("case,A,Y\nx,1,1\nx,0,0\n", "line 3: case 'x' appears twice (first on line 2)"),
    ("case,A,Y\nx,1,1\ny,0.5,0\n", "line 3, case 'y', column 'A': expected 0 or 1, got '0.5'"),
    ("case,A,Y\nx,1,yes\n", "line 2, case 'x', column 'Y': expected 0 or 1, got 'yes'"),
])
def test_read_csv_says_where_the_table_is_wrong(text, message):
    with pytest.raises(QCAInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_csv(text)


@pytest.mark.parametrize(("conditions", "outcome", "negate", "message"), [
    (["A"], "SURV", False, "unknown outcome 'SURV': the columns are A, B, Y"),
    (["A", "Z"], "Y", False, "unknown condition 'Z'"),
    ([], "Y", False, "no conditions"),
    (["A", "A"], "Y", False, "condition 'A' is named twice"),
    (["A", "Y"], "Y", False, "'Y' is the outcome and cannot also be a condition"),
    (["A", "B"], "Y", True, r"no case has Y = 0 \(~Y\): there is nothing to explain"),
])
def test_truth_table_rejects_what_it_cannot_tabulate(conditions, outcome, negate, message):
    rows = {"x": {"A": 1, "B": 0, "Y": 1}, "y": {"A": 0, "B": 0, "Y": 1}}
    with pytest.raises(QCAInputError, match=message):
        truth_table(rows, conditions=conditions, outcome=outcome, negate=negate)


def test_truth_table_rejects_values_other_than_0_and_1_and_missing_values():
    with pytest.raises(QCAInputError, match="case 'x', column 'A': expected 0 or 1, got 2"):
        truth_table({"x": {"A": 2, "Y": 1}}, conditions=["A"], outcome="Y")
    with pytest.raises(QCAInputError, match="case 'y' has no value for 'A'"):
        truth_table({"x": {"A": 1, "Y": 1}, "y": {"Y": 0}}, conditions=["A"], outcome="Y")


def test_a_truth_table_whose_positive_cases_are_all_contradictory_has_no_solution():
    tt = truth_table({"x": {"A": 1, "Y": 1}, "y": {"A": 1, "Y": 0}}, conditions=["A"], outcome="Y")
    solution = minimise(tt, include_remainders=True)
    assert solution.models == () and solution.prime_implicants == ()
    assert "none, no configuration consistently shows Y" in format_solution(solution)


def test_an_outcome_shown_by_every_configuration_is_the_empty_product():
    tt = truth_table({"x": {"A": 1, "Y": 1}, "y": {"A": 0, "Y": 1}}, conditions=["A"], outcome="Y")
    assert str(minimise(tt)) == "M1: 1"


def test_format_truth_table_and_format_solution_print_what_the_command_line_needs(lipset):
    tt = truth_table(lipset, conditions=LIPSET_CONDITIONS, outcome="SURV")
    table = format_truth_table(tt)
    assert "  1    0    1    1    1    1  2  1.000  FR, SE" in table
    assert "OUT = 1/0/C: 3/6/0 configurations; 23 of 32 configurations are remainders" in table
    text = format_solution(minimise(tt, include_remainders=True))
    assert text.splitlines()[0] == "Parsimonious solution (remainders as don't-cares) for SURV"
    assert "M1: DEV*STB => SURV" in text
    assert "simplifying assumptions: 5 remainders" in text


# --- properties, against a brute-force reference -------------------------------------------

@st.composite
def truth_tables(draw):
    k = draw(st.integers(min_value=1, max_value=4))
    conditions = [f"C{i}" for i in range(k)]
    cases = draw(st.lists(st.tuples(st.lists(st.integers(0, 1), min_size=k, max_size=k), st.integers(0, 1)),
                          min_size=1, max_size=14))
    negate = draw(st.booleans())
    if all(outcome == negate for _, outcome in cases):
        cases[0] = (cases[0][0], int(not negate))
    rows = {f"case{n}": {**dict(zip(conditions, values)), "Y": outcome} for n, (values, outcome) in enumerate(cases)}
    return truth_table(rows, conditions=conditions, outcome="Y", negate=negate)


def reference(tt, include_remainders):
    """(prime implicants, minimal solutions) by enumerating all 3**k products and every
    set of prime implicants, smallest first: every set of the smallest size is a
    solution, as R's `minimize` lists them (issue 20)."""
    k = len(tt.conditions)
    outcome = {c.code: c.outcome for c in tt.configurations}
    positives = {code for code, value in outcome.items() if value == 1}
    allowed = positives | ({code for code in range(2 ** k) if code not in outcome} if include_remainders else set())

    def text(product_):
        return "*".join(n if v else f"~{n}" for n, v in zip(tt.conditions, product_) if v is not None) or "1"

    products = {}
    for product_ in product((0, 1, None), repeat=k):
        inside = frozenset(code for code in range(2 ** k)
                           if all(v is None or (code >> (k - 1 - i) & 1) == v for i, v in enumerate(product_)))
        if inside <= allowed and inside & positives:
            products[text(product_)] = (inside, sum(v is not None for v in product_))
    primes = {name for name, (inside, _) in products.items()
              if not any(inside < other for other, _ in products.values())}
    for size in range(1, len(primes) + 1):
        covers = [set(c) for c in combinations(sorted(primes), size)
                  if set().union(*(products[p][0] for p in c)) >= positives]
        if covers:
            return primes, {frozenset(c) for c in covers}
    return primes, set()


@settings(deadline=None, max_examples=300)
@given(truth_tables(), st.booleans())
def test_minimise_finds_the_prime_implicants_and_all_minimal_solutions_of_the_brute_force_reference(tt, remainders):
    solution = minimise(tt, include_remainders=remainders)
    primes, solutions = reference(tt, remainders)
    assert {str(pi) for pi in solution.prime_implicants} == primes
    assert {frozenset(terms(model)) for model in solution.models} == solutions


@st.composite
def truth_tables_of_up_to_six_conditions(draw):
    """Observed configurations with the outcome (one case), without it (one case), or
    mixed (two cases, a contradiction); the rest of the 2**k are remainders."""
    k = draw(st.integers(min_value=1, max_value=6))
    kinds = draw(st.dictionaries(st.integers(0, 2 ** k - 1), st.sampled_from(["1", "0", "mixed"]),
                                 min_size=1, max_size=min(2 ** k, 20)))
    if "1" not in kinds.values():
        kinds[next(iter(kinds))] = "1"
    conditions = [f"C{i}" for i in range(k)]
    rows = {}
    for code, kind in kinds.items():
        values = {name: code >> (k - 1 - i) & 1 for i, name in enumerate(conditions)}
        outcomes = {"1": [1], "0": [0], "mixed": [1, 0]}[kind]
        for n, outcome in enumerate(outcomes):
            rows[f"x{code}_{n}"] = {**values, "Y": outcome}
    return truth_table(rows, conditions=conditions, outcome="Y")


def every_cover_with_fewest_prime_implicants(tt, include_remainders):
    """The plain exhaustive search: every product of literals (3**k of them) as the set
    of configurations inside it; the implicants are those holding a positive
    configuration and nothing excluded, the prime implicants those inside no other
    implicant; then every set of 1, 2, 3, ... prime implicants is tried until some
    cover all positive configurations: all covers of that size are the solutions."""
    k = len(tt.conditions)
    observed = {c.code: c.outcome for c in tt.configurations}
    positives = {code for code, outcome in observed.items() if outcome == 1}
    allowed = set(positives)
    if include_remainders:
        allowed |= {code for code in range(2 ** k) if code not in observed}
    implicants = {}
    for literals in product((0, 1, None), repeat=k):
        inside = frozenset(code for code in range(2 ** k)
                           if all(v is None or (code >> (k - 1 - i) & 1) == v for i, v in enumerate(literals)))
        if inside <= allowed and inside & positives:
            name = "*".join(n if v else f"~{n}" for n, v in zip(tt.conditions, literals) if v is not None) or "1"
            implicants[name] = inside
    primes = sorted(name for name, inside in implicants.items()
                    if not any(inside < other for other in implicants.values()))
    for size in range(1, len(primes) + 1):
        covers = {frozenset(chosen) for chosen in combinations(primes, size)
                  if frozenset().union(*(implicants[name] for name in chosen)) >= positives}
        if covers:
            return set(primes), covers
    return set(primes), set()


@settings(deadline=None, max_examples=150)
@given(truth_tables_of_up_to_six_conditions(), st.booleans())
def test_minimise_lists_every_cover_with_the_fewest_prime_implicants_of_up_to_six_conditions(tt, remainders):
    """Issue 20's acceptance: the crisp minimiser against the exhaustive search, as R's
    `minimize` lists its models (every cover with the fewest prime implicants)."""
    solution = minimise(tt, include_remainders=remainders)
    primes, covers = every_cover_with_fewest_prime_implicants(tt, remainders)
    assert {str(pi) for pi in solution.prime_implicants} == primes
    assert {frozenset(terms(model)) for model in solution.models} == covers
    assert len({frozenset(terms(model)) for model in solution.models}) == len(solution.models)


@settings(deadline=None, max_examples=300)
@given(truth_tables())
def test_the_conservative_solution_covers_every_positive_and_nothing_else(tt):
    for model in minimise(tt).models:
        for c in tt.configurations:
            covered = any(term.implicant.covers(c.code) for term in model.terms)
            assert covered == (c.outcome == 1)
        assert model.simplifying_assumptions == ()
        assert not any(term.implicant.covers(code) for term in model.terms for code in range(2 ** len(tt.conditions))
                       if code not in {c.code for c in tt.configurations})


@settings(deadline=None, max_examples=300)
@given(truth_tables())
def test_the_parsimonious_solution_covers_every_positive_and_no_negative_or_contradiction(tt):
    for model in minimise(tt, include_remainders=True).models:
        for c in tt.configurations:
            assert any(term.implicant.covers(c.code) for term in model.terms) == (c.outcome == 1)


@settings(deadline=None, max_examples=300)
@given(truth_tables(), st.booleans())
def test_every_listed_solution_has_the_same_minimal_size_and_is_fully_consistent(tt, remainders):
    solution = minimise(tt, include_remainders=remainders)
    sizes = {len(model.terms) for model in solution.models}  # the number of terms; literals may differ (R)
    assert len(sizes) <= 1
    consistent_cases = {case for c in tt.configurations if c.outcome == 1 for case in c.cases}
    for model in solution.models:
        assert model.consistency == 1.0
        assert model.coverage == pytest.approx(len(consistent_cases) / len(tt.positive_cases))
        assert set(model.cases) == consistent_cases
        assert all(0 <= t.unique_coverage <= t.raw_coverage <= model.coverage for t in model.terms)
        assert [t.implicant for t in model.terms[:len(solution.essential)]] == list(solution.essential)


@settings(deadline=None, max_examples=200)
@given(truth_tables())
def test_negating_the_outcome_swaps_1_and_0_and_keeps_the_contradictions(tt):
    rows = {case: {**dict(zip(tt.conditions, c.values)), "Y": int((case in tt.positive_cases) != tt.negate)}
            for c in tt.configurations for case in c.cases}
    try:
        other = truth_table(rows, conditions=tt.conditions, outcome="Y", negate=not tt.negate)
    except QCAInputError:
        assert all(c.outcome == 1 for c in tt.configurations)
        return
    swap = {1: 0, 0: 1}  # a contradictory configuration is below the single cut-off 1 either way: 0 in both
    assert [c.outcome for c in other.configurations] == [
        0 if c.contradictory else swap[c.outcome] for c in tt.configurations]
    assert [c.contradictory for c in other.configurations] == [c.contradictory for c in tt.configurations]
    assert [c.consistency for c in other.configurations] == pytest.approx(
        [1 - c.consistency for c in tt.configurations])


# --- the command ---------------------------------------------------------------------------

def test_qca_command_prints_the_truth_table_and_the_solution(tmp_path):
    path = tmp_path / "lipset.csv"
    path.write_text(LIPSET_CSV, encoding="utf-8")
    out = StringIO()
    call_command("qca", str(path), "--outcome", "SURV", stdout=out)
    text = out.getvalue()
    assert text.startswith("Truth table for SURV: 5 conditions, 18 cases")
    assert "Conservative solution (remainders excluded) for SURV" in text
    assert "M1: DEV*~URB*LIT*STB + DEV*LIT*IND*STB => SURV" in text

    out = StringIO()
    call_command("qca", str(path), "--outcome", "SURV", "--conditions", "DEV, STB", "--negate", "--parsimonious",
                 stdout=out)
    assert "Truth table for ~SURV: 2 conditions, 18 cases" in out.getvalue()
    assert "M1: ~DEV + ~STB => ~SURV" in out.getvalue()


def test_qca_command_prints_the_intermediate_solution_and_the_necessity_tests(tmp_path):
    """The LC results derived in test_necessity.py and test_solutions.py, as the command prints them."""
    path = tmp_path / "lipset.csv"
    path.write_text(LIPSET_CSV, encoding="utf-8")
    out = StringIO()
    call_command("qca", str(path), "--outcome", "SURV", "--dir-exp", "DEV=1,URB=1,LIT=1,IND=1,STB=1",
                 "--parsimonious", "--necessity", stdout=out)
    text = out.getvalue()
    assert text.startswith("Necessary conditions for SURV (consistency at least 0.9)")
    assert "DEV   1.000  0.800  0.800  necessary" in text
    assert "Parsimonious solution (remainders as don't-cares) for SURV" in text
    assert "M1: DEV*STB => SURV" in text
    assert "Intermediate solution (easy counterfactuals only), from parsimonious model M1" in text
    assert "easy counterfactuals: 11101" in text
    assert "M1: DEV*LIT*STB => SURV" in text
    assert text.index("Parsimonious solution") < text.index("Intermediate solution")


def test_qca_command_reads_memberships_with_fuzzy_and_applies_the_cut_offs(tmp_path):
    """The hand-computed table of test_fuzzy.py: row A*B has consistency 0.905 and PRI
    0.8, so it is 1 at incl.cut 0.9, and 0 once PRI must reach 0.85; with n.cut 2 the
    one-case rows are remainders; the case at A = 0.5 is in no row."""
    path = tmp_path / "fuzzy.csv"
    path.write_text("case,A,B,Y\na,0.8,0.7,0.9\nb,0.9,0.6,0.4\nc,0.2,0.9,0.3\nd,0.3,0.1,0.1\ne,0.5,0.8,0.7\n",
                    encoding="utf-8")
    out = StringIO()
    call_command("qca", str(path), "--outcome", "Y", "--fuzzy", "--incl-cut", "0.9", "--n-cut", "2", stdout=out)
    text = out.getvalue()
    assert "Truth table for Y: 2 conditions, 5 cases (incl.cut = 0.9, pri.cut = 0, n.cut = 2)" in text
    assert "OUT = 1/0/C/?: 1/0/0/2 observed configurations" in text
    assert "In no configuration (a membership of exactly 0.5): e" in text
    assert "M1: A*B => Y" in text
    out = StringIO()
    call_command("qca", str(path), "--outcome", "Y", "--fuzzy", "--incl-cut", "0.9,0.6", "--pri-cut", "0.85",
                 stdout=out)
    assert "incl.cut = c(0.9, 0.6), pri.cut = 0.85" in out.getvalue()
    assert "none, no configuration consistently shows Y" in out.getvalue()
    with pytest.raises(CommandError, match="expected 0 or 1, got '0.8'"):
        call_command("qca", str(path), "--outcome", "Y", stdout=StringIO())


@pytest.mark.parametrize(("arguments", "message"), [
    (["--incl-cut", "high"], "--incl-cut 'high': give one number, or two"),
    (["--incl-cut", "1,0.5,0.2"], "at most two cut-offs"),
    (["--incl-cut", "0.5,0.8"], r"the inclusion cut-off for 0 \(0.8\) must not exceed"),
    (["--dir-exp", "DEV=up"], "write CONDITION=1, CONDITION=0 or CONDITION=-"),
    (["--n-cut", "0"], "n_cut must be a whole number of at least 1"),
])
def test_qca_command_refuses_bad_cut_offs_and_expectations(tmp_path, arguments, message):
    path = tmp_path / "lipset.csv"
    path.write_text(LIPSET_CSV, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("qca", str(path), "--outcome", "SURV", *arguments, stdout=StringIO())


@pytest.mark.parametrize(("csv_text", "arguments", "message"), [
    (LIPSET_CSV.replace('"BE",1,1', '"BE",1,2'), ["--outcome", "SURV"],
     "line 3, case 'BE', column 'URB': expected 0 or 1, got '2'"),
    (LIPSET_CSV, ["--outcome", "SURVIVED"], "unknown outcome 'SURVIVED'"),
    (LIPSET_CSV, ["--outcome", "SURV", "--conditions", "DEV,GDP"], "unknown condition 'GDP'"),
])
def test_qca_command_fails_cleanly_on_bad_input(tmp_path, csv_text, arguments, message):
    path = tmp_path / "bad.csv"
    path.write_text(csv_text, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("qca", str(path), *arguments, stdout=StringIO())
    with pytest.raises(CommandError, match="cannot read"):
        call_command("qca", str(tmp_path / "missing.csv"), "--outcome", "SURV", stdout=StringIO())
