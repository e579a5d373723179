"""Fuzzy sets: parameters of fit and the fuzzy-set truth table.

Plain Python, no Django. Memberships are numbers from 0 to 1; crisp data (0 and 1) are
the special case and give the crisp results (`qca.py`) exactly. The negation of a set is
1 - x, a product of sets (A*~B) is the minimum, a sum the maximum.

Sufficiency of X for Y (Ragin 2006, "Set relations in social research: evaluating their
consistency and coverage", Political Analysis 14): consistency Σmin(X, Y) / ΣX, coverage
Σmin(X, Y) / ΣY. PRI, the proportional reduction in inconsistency (Ragin 2008, as R's
QCA and fs/QCA print it), discounts the part of X that is in Y and in ~Y at once:
(Σmin(X, Y) - Σmin(X, Y, ~Y)) / (ΣX - Σmin(X, Y, ~Y)).

The truth table (R's `truthTable` on fuzzy data): each case belongs in kind to the one
configuration in which its membership exceeds 0.5 (a case with a condition at exactly
0.5 belongs to none, and is listed as unassigned); a row's n counts those cases, and its
consistency and PRI are computed over every case's membership in the row. A row with
fewer than `n_cut` cases is a remainder ("?"); otherwise it is 1 at or above
`incl_cut1` when its PRI reaches `pri_cut` (0 when it does not), "C" from `incl_cut0` up
to `incl_cut1`, and 0 below (R's `incl.cut = c(incl_cut1, incl_cut0)`, `pri.cut`,
`n.cut`). Cases in a row
whose membership in the outcome is below 0.5 are the row's deviant cases for
consistency in kind (R's DCC; Schneider & Wagemann 2012): a row taken as sufficient
although some of its cases do not show the outcome.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .qca import (
    CONTRADICTION,
    TOLERANCE,
    QCAInputError,
    _check_columns,
    _columns,
    _values,
    check_inclusion_cuts,
    outcome_value,
)

REMAINDER = "?"


@dataclass(frozen=True)
class Fit:
    """Parameters of fit of a sufficiency relation X -> Y."""

    consistency: float | None
    """Σmin(X, Y) / ΣX; None when X is empty (ΣX = 0)."""
    coverage: float | None
    """Σmin(X, Y) / ΣY; None when Y is empty."""
    pri: float | None
    """Proportional reduction in inconsistency; None when undefined."""


def sufficiency(x: Sequence[float], y: Sequence[float]) -> Fit:
    """Consistency, coverage and PRI of X as sufficient for Y, memberships case by case."""
    x, y = _paired(x, y)
    both = sum(min(a, b) for a, b in zip(x, y))
    ambiguous = sum(min(a, b, 1 - b) for a, b in zip(x, y))
    return Fit(consistency=_ratio(both, sum(x)), coverage=_ratio(both, sum(y)),
               pri=_ratio(both - ambiguous, sum(x) - ambiguous))


def negate(x: Sequence[float]) -> list[float]:
    return [1 - a for a in x]


@dataclass(frozen=True)
class Row:
    """One observed configuration of the fuzzy truth table."""

    code: int
    values: tuple[int, ...]
    cases: tuple[str, ...]
    """The cases with membership above 0.5 in this configuration."""
    consistency: float
    """Raw consistency (R's `incl`) of the configuration as sufficient for the explained outcome."""
    pri: float
    outcome: int | str
    """1, 0, "C", or "?" (a remainder: fewer cases than `n_cut`)."""
    deviant_cases: tuple[str, ...]
    """Cases of this row whose membership in the explained outcome is below 0.5."""

    @property
    def n(self) -> int:
        return len(self.cases)


@dataclass(frozen=True)
class FuzzyTruthTable:
    conditions: tuple[str, ...]
    outcome: str
    negate: bool
    rows: tuple[Row, ...]
    """Observed configurations (at least one case in kind), in code order."""
    memberships: Mapping[str, tuple[float, ...]]
    """Each case's memberships in the conditions, in the order of `conditions`."""
    explained: Mapping[str, float]
    """Each case's membership in the explained outcome (the outcome, or 1 - it when negated)."""
    unassigned: tuple[str, ...]
    """Cases with a condition at exactly 0.5: in no row, though they count in every sum."""
    incl_cut1: float
    incl_cut0: float
    pri_cut: float
    n_cut: int

    @property
    def label(self) -> str:
        return f"~{self.outcome}" if self.negate else self.outcome

    @property
    def cases(self) -> tuple[str, ...]:
        return tuple(self.memberships)

    @property
    def case_order(self) -> dict[str, int]:
        """Each case's place in truth-table order (by row, then as in the data; unassigned last),
        the order in which R's `show.cases` lists them."""
        listed = [case for row in self.rows for case in row.cases]
        listed += [case for case in self.memberships if case not in set(listed)]
        return {case: i for i, case in enumerate(listed)}

    def with_outcome(self, value: int | str) -> tuple[Row, ...]:
        return tuple(row for row in self.rows if row.outcome == value)

    @property
    def positives(self) -> tuple[int, ...]:
        """Codes of the rows labelled 1: the configurations to explain."""
        return tuple(row.code for row in self.rows if row.outcome == 1)

    @property
    def remainders(self) -> tuple[int, ...]:
        """Codes of the configurations without enough cases: never observed, or below `n_cut`."""
        counted = {row.code for row in self.rows if row.outcome != REMAINDER}
        return tuple(code for code in range(1 << len(self.conditions)) if code not in counted)

    def membership(self, case: str, care: int, value: int) -> float:
        """The case's membership in a product of literals (bitmasks as in `qca.Implicant`)."""
        return product_membership(self.memberships[case], care, value)


def product_membership(scores: Sequence[float], care: int, value: int) -> float:
    """Membership in a product of literals: the least of the memberships in the conditions
    fixed by `care` (the first condition the most significant bit), negated where `value`
    has a 0; 1 for the empty product."""
    k = len(scores)
    least = 1.0
    for i, score in enumerate(scores):
        bit = 1 << (k - 1 - i)
        if care & bit:
            least = min(least, score if value & bit else 1 - score)
    return least


def truth_table(rows: Mapping[str, Mapping[str, float]], *, conditions: Sequence[str], outcome: str,
                negate: bool = False, incl_cut1: float = 1.0, incl_cut0: float | None = None,
                pri_cut: float = 0.0, n_cut: int = 1) -> FuzzyTruthTable:
    """The fuzzy-set truth table of `outcome` (its negation when `negate`) on `conditions`.

    `rows` maps each case to its memberships by column, numbers from 0 to 1.
    """
    conditions = tuple(conditions)
    _check(rows, conditions, outcome)
    incl_cut0 = check_inclusion_cuts(incl_cut1, incl_cut0)
    if isinstance(pri_cut, bool) or not isinstance(pri_cut, (int, float)) or not 0 <= pri_cut <= 1:
        raise QCAInputError(f"the PRI cut-off must be a number from 0 to 1, got {pri_cut!r}")
    if isinstance(n_cut, bool) or not isinstance(n_cut, int) or n_cut < 1:
        raise QCAInputError(f"the frequency cut-off n_cut must be a whole number of at least 1, got {n_cut!r}")
    k = len(conditions)
    memberships = {case: tuple(float(values[name]) for name in conditions) for case, values in rows.items()}
    explained = {case: 1 - float(values[outcome]) if negate else float(values[outcome])
                 for case, values in rows.items()}
    if not any(explained.values()):
        label = f"~{outcome}" if negate else outcome
        raise QCAInputError(f"no case has any membership in {label}: there is nothing to explain")
    in_kind: dict[int, list[str]] = {}
    unassigned = []
    for case, scores in memberships.items():
        if any(score == 0.5 for score in scores):
            unassigned.append(case)
            continue
        code = 0
        for score in scores:
            code = code << 1 | (score > 0.5)
        in_kind.setdefault(code, []).append(case)
    both = [(scores, tuple(1 - score for score in scores)) for scores in memberships.values()]
    built = []
    for code in sorted(in_kind):
        present = _values(code, k)
        fit = sufficiency([min(p[i] if v else n[i] for i, v in enumerate(present)) for p, n in both],
                          list(explained.values()))
        cases = tuple(in_kind[code])
        if len(cases) < n_cut:
            label = REMAINDER
        else:
            label = outcome_value(fit.consistency, incl_cut1, incl_cut0)
            if label == 1 and fit.pri < pri_cut - TOLERANCE:
                label = 0
        built.append(Row(code=code, values=_values(code, k), cases=cases, consistency=fit.consistency, pri=fit.pri,
                         outcome=label, deviant_cases=tuple(c for c in cases if explained[c] < 0.5)))
    return FuzzyTruthTable(conditions=conditions, outcome=outcome, negate=negate, rows=tuple(built),
                           memberships=memberships, explained=explained, unassigned=tuple(unassigned),
                           incl_cut1=incl_cut1, incl_cut0=incl_cut0, pri_cut=pri_cut, n_cut=n_cut)


def format_truth_table(tt: FuzzyTruthTable) -> str:
    """The truth table as text for a terminal: one observed configuration per line, with
    its cases and, where a row counts as sufficient, its deviant cases (DCC)."""
    header = [*tt.conditions, "OUT", "n", "incl", "PRI", "cases", "DCC"]
    lines = [[*map(str, row.values), str(row.outcome), str(row.n), f"{row.consistency:.3f}", f"{row.pri:.3f}",
              ", ".join(row.cases), ", ".join(row.deviant_cases) if row.outcome == 1 else ""]
             for row in tt.rows]
    counts = [len(tt.with_outcome(value)) for value in (1, 0, CONTRADICTION, REMAINDER)]
    cuts = f"incl.cut = {_cut(tt.incl_cut1)}"
    if tt.incl_cut0 != tt.incl_cut1:
        cuts = f"incl.cut = c({_cut(tt.incl_cut1)}, {_cut(tt.incl_cut0)})"
    text = [
        f"Truth table for {tt.label}: {len(tt.conditions)} conditions, {len(tt.cases)} cases "
        f"({cuts}, pri.cut = {_cut(tt.pri_cut)}, n.cut = {tt.n_cut})",
        "",
        *_columns([header, *lines], left={len(header) - 2, len(header) - 1}),
        "",
        f"OUT = 1/0/C/?: {counts[0]}/{counts[1]}/{counts[2]}/{counts[3]} observed configurations; "
        f"{len(tt.remainders)} of {1 << len(tt.conditions)} configurations are remainders",
    ]
    if tt.unassigned:
        text.append(f"In no configuration (a membership of exactly 0.5): {', '.join(tt.unassigned)}")
    return "\n".join(text)


def _cut(value: float) -> str:
    return f"{value:g}"


def _check(rows: Mapping[str, Mapping[str, float]], conditions: tuple[str, ...], outcome: str) -> None:
    _check_columns(rows, conditions, outcome)
    for case, values in rows.items():
        for name in (*conditions, outcome):
            value = values[name]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise QCAInputError(f"case {case!r}, column {name!r}: expected a membership from 0 to 1, "
                                    f"got {value!r}")


def _paired(x: Sequence[float], y: Sequence[float]) -> tuple[list[float], list[float]]:
    x, y = list(x), list(y)
    if len(x) != len(y):
        raise ValueError(f"the two sets have memberships for different numbers of cases ({len(x)} and {len(y)})")
    return x, y


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole > 0 and not math.isclose(whole, 0, abs_tol=1e-12) else None
