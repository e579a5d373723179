"""Solutions of a (fuzzy or crisp) truth table: conservative, parsimonious, intermediate,
and the Enhanced Standard Analysis.

Plain Python, no Django. The minimisation is the crisp one (`qca.minimal_sums`: every
cover with the fewest prime implicants, as R's `minimize` lists them); what differs
from the crisp module is the fit, computed on memberships, so crisp data give the crisp
results and fuzzy data R's.

- **Conservative** (complex): remainders excluded; the terms cover only the rows labelled 1.
- **Parsimonious**: any remainder may be assumed to show the outcome where that
  simplifies (a *simplifying assumption*); rows labelled 0 or "C" never are.
- **Intermediate** (Ragin & Sonnett 2005; Ragin 2008): only the *easy counterfactuals*
  among the simplifying assumptions of a parsimonious model may be used: remainders that
  differ from a configuration labelled 1 only on conditions with a directional
  expectation, and there take the expected value (adding a condition thought to
  contribute to the outcome where it was absent, or removing one thought to hinder it).
  A condition without expectation ("-") is never simplified away by a counterfactual.
  Each parsimonious model gives its own intermediate models (R's `C1P1`, `C1P2`, ...);
  as sets of configurations the conservative solution lies inside the intermediate and
  the intermediate inside its parsimonious model.
- **Enhanced Standard Analysis** (Schneider & Wagemann 2012, ch. 8): the simplifying
  assumptions of every model are listed; remainders the researcher declares untenable
  (impossible or implausible configurations) and *contradictory simplifying
  assumptions* (remainders assumed both in the solution for the outcome and in the one
  for its negation) can be excluded, as R's `minimize(..., exclude = )` does.

Fit of a term T with memberships T = min over its literals (Ragin 2006): consistency
Σmin(T, Y) / ΣT, PRI, raw coverage Σmin(T, Y) / ΣY, unique coverage the part of the
solution's coverage lost without T, (Σmin(S, Y) - Σmin(S without T, Y)) / ΣY, with S
the maximum over the terms; the solution's consistency, PRI and coverage are those of S.
A term's cases are those with membership above 0.5 in it.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from .fuzzy import FuzzyTruthTable, product_membership, sufficiency
from .qca import Implicant, QCAInputError, _code, _columns, _values, minimal_sums

CONSERVATIVE = "conservative"
PARSIMONIOUS = "parsimonious"
INTERMEDIATE = "intermediate"

NO_EXPECTATION = None
"""A condition whose contribution to the outcome the researcher does not predict ("-")."""


@dataclass(frozen=True)
class Term:
    """One prime implicant of a model with its parameters of fit."""

    implicant: Implicant
    cases: tuple[str, ...]
    """Cases with membership above 0.5 in the term, in the order of the data."""
    consistency: float
    pri: float
    raw_coverage: float
    unique_coverage: float

    def __str__(self) -> str:
        return str(self.implicant)


@dataclass(frozen=True)
class Model:
    """One minimal sum of prime implicants (M1, M2, ...)."""

    terms: tuple[Term, ...]
    """Essential prime implicants first, then the others, each group in chart order."""
    cases: tuple[str, ...]
    consistency: float
    pri: float
    coverage: float
    simplifying_assumptions: tuple[tuple[int, ...], ...]
    """The remainders its terms cover: the counterfactuals the model assumes."""

    def __str__(self) -> str:
        return " + ".join(str(term) for term in self.terms)


@dataclass(frozen=True)
class Solution:
    truth_table: FuzzyTruthTable
    kind: str
    """CONSERVATIVE, PARSIMONIOUS or INTERMEDIATE."""
    prime_implicants: tuple[Implicant, ...]
    essential: tuple[Implicant, ...]
    models: tuple[Model, ...]
    """Empty when no row is labelled 1."""
    excluded: tuple[tuple[int, ...], ...] = ()
    """Remainders kept out of the minimisation (untenable or contradictory assumptions)."""
    expectations: Mapping[str, int | None] = field(default_factory=dict)
    """For the intermediate solution: condition -> 1, 0 or None (no expectation)."""
    easy_counterfactuals: tuple[tuple[int, ...], ...] = ()
    """For the intermediate solution: the remainders it was allowed to assume."""
    parsimonious_model: int | None = None
    """For the intermediate solution: the number (1, 2, ...) of the parsimonious model it derives from."""

    def __str__(self) -> str:
        return "\n".join(f"M{number}: {model}" for number, model in enumerate(self.models, start=1))


def conservative(tt: FuzzyTruthTable) -> Solution:
    """The conservative (complex) solution: no remainder is assumed."""
    return _solve(tt, CONSERVATIVE, dont_cares=())


def parsimonious(tt: FuzzyTruthTable, *, exclude: Iterable[Sequence[int]] = ()) -> Solution:
    """The parsimonious solution: every remainder not in `exclude` (configurations as 0/1
    tuples) may be assumed where it simplifies."""
    excluded = _excluded(tt, exclude)
    return _solve(tt, PARSIMONIOUS, dont_cares=[c for c in tt.remainders if c not in excluded], excluded=excluded)


def intermediate(tt: FuzzyTruthTable, *, expectations: Mapping[str, int | None],
                 exclude: Iterable[Sequence[int]] = ()) -> tuple[Solution, ...]:
    """The intermediate solutions, one per parsimonious model (R's C1P1, C1P2, ...: the
    easy counterfactuals are defined from the configurations labelled 1, which every
    conservative model covers alike, so the conservative model makes no difference).

    `expectations` maps conditions to 1 (its presence is expected to contribute to the
    outcome), 0 (its absence) or None ("-", no expectation); conditions left out have none.
    """
    expectations = _check_expectations(tt, expectations)
    exclude = list(exclude)
    excluded = _excluded(tt, exclude)
    positives = tt.positives
    k = len(tt.conditions)
    expected = [expectations.get(name) for name in tt.conditions]
    found = []
    for number, model in enumerate(parsimonious(tt, exclude=exclude).models, start=1):
        assumed = [_code(values) for values in model.simplifying_assumptions]
        easy = [r for r in assumed if any(_easy(r, p, expected, k) for p in positives)]
        solution = _solve(tt, INTERMEDIATE, dont_cares=easy, excluded=excluded)
        found.append(replace(solution, expectations=expectations,
                             easy_counterfactuals=tuple(_values(r, k) for r in easy), parsimonious_model=number))
    return tuple(found)


def parse_expectations(text: str, conditions: Sequence[str]) -> dict[str, int | None]:
    """`A=1,B=0,C=-` -> {"A": 1, "B": 0, "C": None}."""
    expectations: dict[str, int | None] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sign, value = part.partition("=")
        name, value = name.strip(), value.strip()
        if not sign or value not in ("1", "0", "-"):
            raise QCAInputError(f"directional expectation {part!r}: write CONDITION=1, CONDITION=0 or CONDITION=-")
        if name not in conditions:
            raise QCAInputError(f"directional expectation for {name!r}, which is not a condition "
                                f"({', '.join(conditions)})")
        if name in expectations:
            raise QCAInputError(f"two directional expectations for {name!r}")
        expectations[name] = None if value == "-" else int(value)
    return expectations


def configurations_in(products: Iterable[str], conditions: Sequence[str]) -> tuple[tuple[int, ...], ...]:
    """The configurations inside products such as `A*~B` (a full configuration is a
    product of every condition): how untenable assumptions are written."""
    k = len(conditions)
    position = {name: i for i, name in enumerate(conditions)}
    codes = set()
    for text in products:
        care = value = 0
        for literal in (part.strip() for part in text.split("*")):
            negated = literal.startswith("~")
            name = literal.removeprefix("~").strip()
            if name not in position:
                raise QCAInputError(f"{text!r}: {name!r} is not a condition ({', '.join(conditions)})")
            bit = 1 << (k - 1 - position[name])
            if care & bit and bool(value & bit) == negated:
                raise QCAInputError(f"{text!r} asks for {name} both present and absent")
            care |= bit
            value |= 0 if negated else bit
        codes.update(code for code in range(1 << k) if code & care == value)
    return tuple(_values(code, k) for code in sorted(codes))


def contradictory_simplifying_assumptions(tt: FuzzyTruthTable, negated: FuzzyTruthTable, *,
                                          exclude: Iterable[Sequence[int]] = ()) -> tuple[tuple[int, ...], ...]:
    """Remainders assumed by a parsimonious model for the outcome and by one for its
    negation (Schneider & Wagemann 2012, ch. 8): the same counterfactual made to show
    both the outcome and its absence."""
    if tt.conditions != negated.conditions or tt.outcome != negated.outcome or tt.negate == negated.negate:
        raise QCAInputError("contradictory simplifying assumptions need the truth tables of an outcome and of "
                            "its negation on the same conditions")
    exclude = list(exclude)
    for_outcome = {values for model in parsimonious(tt, exclude=exclude).models
                   for values in model.simplifying_assumptions}
    for_negation = {values for model in parsimonious(negated, exclude=exclude).models
                    for values in model.simplifying_assumptions}
    return tuple(sorted(for_outcome & for_negation))


@dataclass(frozen=True)
class EnhancedStandardAnalysis:
    """Schneider & Wagemann's ESA: what was excluded, and the solutions without it."""

    contradictory: tuple[tuple[int, ...], ...]
    """Contradictory simplifying assumptions found (excluded when asked)."""
    untenable: tuple[tuple[int, ...], ...]
    """The remainders among the configurations declared untenable."""
    excluded: tuple[tuple[int, ...], ...]
    parsimonious: Solution
    intermediate: tuple[Solution, ...]
    """Empty without directional expectations."""


def enhanced_standard_analysis(tt: FuzzyTruthTable, negated: FuzzyTruthTable, *,
                               expectations: Mapping[str, int | None] | None = None,
                               untenable: Iterable[Sequence[int]] = (),
                               exclude_contradictory: bool = True) -> EnhancedStandardAnalysis:
    """Parsimonious and intermediate solutions for `tt` without the untenable remainders
    (configurations as 0/1 tuples) and, when `exclude_contradictory`, without the
    contradictory simplifying assumptions of `tt` and `negated` (found once the
    untenable ones are out)."""
    remainders = {_values(code, len(tt.conditions)) for code in tt.remainders}
    untenable = tuple(sorted(remainders.intersection(tuple(values) for values in untenable)))
    contradictory = contradictory_simplifying_assumptions(tt, negated, exclude=untenable)
    excluded = tuple(sorted({*untenable, *(contradictory if exclude_contradictory else ())}))
    return EnhancedStandardAnalysis(
        contradictory=contradictory, untenable=untenable, excluded=excluded,
        parsimonious=parsimonious(tt, exclude=excluded),
        intermediate=intermediate(tt, expectations=expectations, exclude=excluded) if expectations else ())


def covered_configurations(model: Model, k: int) -> frozenset[int]:
    """The codes of every configuration (observed or not) inside one of the model's terms."""
    return frozenset(code for code in range(1 << k) if any(t.implicant.covers(code) for t in model.terms))


def format_solution(solution: Solution) -> str:
    """Every model with the fit of its terms, for a terminal."""
    tt = solution.truth_table
    title = {CONSERVATIVE: "Conservative solution (remainders excluded)",
             PARSIMONIOUS: "Parsimonious solution (remainders as don't-cares)",
             INTERMEDIATE: "Intermediate solution (easy counterfactuals only)"}[solution.kind]
    if solution.kind == INTERMEDIATE:
        signs = ", ".join(f"{name}={'-' if solution.expectations.get(name) is None else solution.expectations[name]}"
                          for name in tt.conditions)
        title += f", from parsimonious model M{solution.parsimonious_model}, expectations {signs}"
    if not solution.models:
        return (f"{title} for {tt.label}: none, no configuration consistently shows {tt.label} "
                f"(none reaches the cut-offs)")
    blocks = [f"{title} for {tt.label}"]
    if solution.excluded:
        blocks[0] += f"\n  excluded remainders: {_configurations(solution.excluded)}"
    if solution.kind == INTERMEDIATE:
        blocks[0] += f"\n  easy counterfactuals: {_configurations(solution.easy_counterfactuals) or 'none'}"
    for number, model in enumerate(solution.models, start=1):
        rows = [["", "incl", "PRI", "cov.r", "cov.u", "cases"]]
        rows += [[str(term), f"{term.consistency:.3f}", f"{term.pri:.3f}", f"{term.raw_coverage:.3f}",
                  f"{term.unique_coverage:.3f}", ", ".join(term.cases)] for term in model.terms]
        rows.append([f"M{number}", f"{model.consistency:.3f}", f"{model.pri:.3f}", f"{model.coverage:.3f}", "", ""])
        block = [f"M{number}: {model} => {tt.label}", *("  " + line for line in _columns(rows, left={0, 5}))]
        if model.simplifying_assumptions:
            block.append(f"  simplifying assumptions ({len(model.simplifying_assumptions)}): "
                         f"{_configurations(model.simplifying_assumptions)}")
        blocks.append("\n".join(block))
    return "\n\n".join(blocks)


def _solve(tt: FuzzyTruthTable, kind: str, *, dont_cares: Collection[int],
           excluded: Collection[int] = ()) -> Solution:
    k = len(tt.conditions)
    sums = minimal_sums(tt.conditions, tt.positives, dont_cares)
    fit = _Fit(tt, set(dont_cares))
    return Solution(truth_table=tt, kind=kind, prime_implicants=sums.prime_implicants, essential=sums.essential,
                    models=tuple(fit.model(cover) for cover in sums.covers),
                    excluded=tuple(_values(code, k) for code in sorted(excluded)))


class _Fit:
    """The memberships, cases and fit of each term, worked out once however many models share it."""

    def __init__(self, tt: FuzzyTruthTable, remainders: set[int]):
        self.tt = tt
        self.remainders = remainders
        self.y = list(tt.explained.values())
        self.explained_total = sum(self.y)
        self.order = tt.case_order
        self._terms: dict[Implicant, tuple[list[float], Term]] = {}

    def term(self, implicant: Implicant) -> tuple[list[float], Term]:
        """(the cases' memberships in the term, the term with its fit but no unique coverage yet)."""
        if implicant not in self._terms:
            x = [product_membership(scores, implicant.care, implicant.value) for scores in self.tt.memberships.values()]
            fit = sufficiency(x, self.y)
            cases = _in_order(self.order, (case for case, m in zip(self.tt.cases, x) if m > 0.5))
            self._terms[implicant] = x, Term(implicant=implicant, cases=cases, consistency=fit.consistency or 0.0,
                                             pri=fit.pri or 0.0, raw_coverage=fit.coverage or 0.0,
                                             unique_coverage=0.0)
        return self._terms[implicant]

    def model(self, implicants: Sequence[Implicant]) -> Model:
        columns, bare = zip(*(self.term(implicant) for implicant in implicants))
        union = [max(values) for values in zip(*columns)]
        runner_up = [_second_largest(values) for values in zip(*columns)]
        terms = []
        for x, term in zip(columns, bare):
            # without this term a case keeps its best membership, unless this term alone gave it
            lost = sum(min(best, y) - min(second, y) for m, best, (second, alone), y in zip(x, union, runner_up, self.y)
                       if alone and m == best)
            terms.append(replace(term, unique_coverage=lost / self.explained_total))
        whole = sufficiency(union, self.y)
        k = len(self.tt.conditions)
        assumed = sorted(code for code in self.remainders if any(term.covers(code) for term in implicants))
        return Model(terms=tuple(terms),
                     cases=_in_order(self.order, (case for case, m in zip(self.tt.cases, union) if m > 0.5)),
                     consistency=whole.consistency or 0.0, pri=whole.pri or 0.0, coverage=whole.coverage or 0.0,
                     simplifying_assumptions=tuple(_values(code, k) for code in assumed))


def _second_largest(values: Sequence[float]) -> tuple[float, bool]:
    """(the largest of `values` once its first occurrence is taken out, whether the
    largest occurs only once); 0 for a single value."""
    ordered = sorted(values, reverse=True)
    second = ordered[1] if len(ordered) > 1 else 0.0
    return second, second != ordered[0]


def _in_order(order: Mapping[str, int], cases: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(cases, key=order.__getitem__))


def _easy(remainder: int, positive: int, expected: Sequence[int | None], k: int) -> bool:
    """The remainder differs from the positive configuration only where it takes the expected value."""
    for i, direction in enumerate(expected):
        bit = 1 << (k - 1 - i)
        if (remainder ^ positive) & bit and (direction is None or bool(remainder & bit) != bool(direction)):
            return False
    return True


def _check_expectations(tt: FuzzyTruthTable, expectations: Mapping[str, int | None]) -> dict[str, int | None]:
    checked = {}
    for name, direction in expectations.items():
        if name not in tt.conditions:
            raise QCAInputError(f"directional expectation for {name!r}, which is not a condition "
                                f"({', '.join(tt.conditions)})")
        if direction not in (0, 1, None) or isinstance(direction, bool):
            raise QCAInputError(f"the directional expectation for {name!r} must be 1, 0 or None (\"-\"), "
                                f"got {direction!r}")
        checked[name] = direction
    return checked


def _excluded(tt: FuzzyTruthTable, exclude: Iterable[Sequence[int]]) -> set[int]:
    """The codes of the configurations to keep out; each must be a 0/1 tuple of the right length."""
    k = len(tt.conditions)
    codes = set()
    for values in exclude:
        values = tuple(values)
        if len(values) != k or any(v not in (0, 1) or isinstance(v, bool) for v in values):
            raise QCAInputError(f"an excluded configuration needs {k} values of 0 or 1, got {values!r}")
        codes.add(_code(values))
    return codes



def _configurations(configurations: Sequence[Sequence[int]]) -> str:
    return ", ".join("".join(map(str, values)) for values in configurations)
