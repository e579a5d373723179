"""Necessary conditions: is the outcome a subset of a condition?

Plain Python, no Django; memberships from 0 to 1, crisp data as the special case.
For X necessary for Y (Ragin 2006; Schneider & Wagemann 2012, Set-Theoretic Methods for
the Social Sciences, ch. 3 and 9):

- consistency Σmin(X, Y) / ΣY: how far Y lies inside X. It is the sufficiency
  consistency of Y for X: the same number read the other way round.
- coverage Σmin(X, Y) / ΣX: how far X is not much larger than Y (trivialness by size).
- relevance of necessity (RoN, Schneider & Wagemann 2012) Σ(1 - X) / Σ(1 - min(X, Y)):
  low when X is close to a constant that every case has (trivialness by X being
  near-universal), 1 when nothing outside Y belongs to X.

Each condition is tested present and absent; on request, disjunctions of two literals of
different conditions (A + ~B: the maximum of the two memberships), as functional
equivalents a researcher must justify.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from .fuzzy import _check, _paired, _ratio
from .qca import QCAInputError, _columns

DEFAULT_THRESHOLD = 0.9
"""The consistency Schneider & Wagemann (2012) ask of a necessary condition."""


@dataclass(frozen=True)
class Necessity:
    """One condition (or its negation, or a disjunction) tested as necessary for the outcome."""

    expression: str
    """`DEV`, `~DEV` or `DEV + ~URB`."""
    consistency: float | None
    """None when no case has any membership in the outcome."""
    coverage: float | None
    """None when no case has any membership in the condition."""
    relevance: float | None
    """RoN; None when every case is fully in both the condition and the outcome."""
    necessary: bool
    """Consistency at or above the threshold."""


def fit(x: Sequence[float], y: Sequence[float]) -> tuple[float | None, float | None, float | None]:
    """(consistency, coverage, relevance) of X as necessary for Y, memberships case by case."""
    x, y = _paired(x, y)
    both = [min(a, b) for a, b in zip(x, y)]
    return (_ratio(sum(both), sum(y)), _ratio(sum(both), sum(x)),
            _ratio(sum(1 - a for a in x), sum(1 - m for m in both)))


def necessity(rows: Mapping[str, Mapping[str, float]], *, conditions: Sequence[str], outcome: str,
              negate: bool = False, disjunctions: bool = False,
              threshold: float = DEFAULT_THRESHOLD) -> tuple[Necessity, ...]:
    """Every condition and its negation (then, with `disjunctions`, every sum of two
    literals of different conditions) tested as necessary for `outcome` (for its
    absence when `negate`). `rows` maps each case to its memberships by column."""
    conditions = tuple(conditions)
    _check(rows, conditions, outcome)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold <= 1:
        raise QCAInputError(f"the necessity threshold must be a number from 0 to 1, got {threshold!r}")
    y = [1 - rows[case][outcome] if negate else rows[case][outcome] for case in rows]
    literals = []
    for name in conditions:
        present = [float(rows[case][name]) for case in rows]
        literals.append((name, name, present))
        literals.append((name, f"~{name}", [1 - a for a in present]))
    tested = [(label, x) for _, label, x in literals]
    if disjunctions:
        tested += [(f"{a} + {b}", [max(p, q) for p, q in zip(xa, xb)])
                   for (ca, a, xa), (cb, b, xb) in combinations(literals, 2) if ca != cb]
    results = []
    for label, x in tested:
        consistency, coverage, relevance = fit(x, y)
        results.append(Necessity(expression=label, consistency=consistency, coverage=coverage, relevance=relevance,
                                 necessary=consistency is not None and consistency >= threshold - 1e-9))
    return tuple(results)


def format_necessity(results: Sequence[Necessity], *, outcome_label: str, threshold: float = DEFAULT_THRESHOLD) -> str:
    """The necessity tests as text for a terminal."""
    rows = [["", "incl", "RoN", "cov", ""]]
    rows += [[r.expression, _number(r.consistency), _number(r.relevance), _number(r.coverage),
              "necessary" if r.necessary else ""] for r in results]
    return "\n".join([f"Necessary conditions for {outcome_label} (consistency at least {threshold:g})", "",
                      *_columns(rows, left={0, 4})])


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
