"""Robustness: does a solution survive other reasonable choices of the researcher?

Plain Python, no Django. In the spirit of the robustness tests of Schneider & Wagemann
(2012, ch. 11) and R's SetMethods, the analysis is re-run with one choice changed at a
time: the anchors of one calibrated set (each alternative the researcher deems as
defensible as the baseline), or the consistency cut-off. Each run records its
solution's terms, so a page can draw which term survives where: a term present in every
run is robust to these choices; one that comes and goes depends on them.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from . import calibration, fuzzy, solutions
from .calibration import Anchors
from .qca import QCAInputError

SOLUTION_KINDS = (solutions.CONSERVATIVE, solutions.PARSIMONIOUS, solutions.INTERMEDIATE)


@dataclass(frozen=True)
class Run:
    """One re-run of the analysis."""

    label: str
    """What differs from the baseline: "baseline", "DEV: e=..., c=..., i=...", "incl.cut = 0.85"."""
    anchors: Mapping[str, Anchors]
    incl_cut: float
    models: tuple[str, ...]
    """Every model's formula (for the intermediate solution, those of every parsimonious model)."""
    terms: tuple[str, ...]
    """Every term of every model, once each, in order of appearance."""
    problem: str = ""
    """Why the run has no solution (nothing to explain, no row passes the cut-offs), else empty."""


@dataclass(frozen=True)
class Robustness:
    runs: tuple[Run, ...]
    """The baseline first, then the anchor alternatives column by column, then the cut-offs."""
    terms: tuple[str, ...]
    """Every term seen in a run: the baseline's first, then in order of first appearance."""

    @property
    def baseline(self) -> Run:
        return self.runs[0]

    def survival(self) -> dict[str, tuple[bool, ...]]:
        """Term -> whether it appears in each run, in the order of `runs`: the table to draw."""
        return {term: tuple(term in run.terms for run in self.runs) for term in self.terms}

    @property
    def robust_terms(self) -> tuple[str, ...]:
        """The terms of every run that has a solution."""
        solved = [run for run in self.runs if run.models]
        return tuple(term for term in self.terms if solved and all(term in run.terms for run in solved))


def robustness(data: Mapping[str, Mapping[str, float]], *, conditions: Sequence[str], outcome: str,
               anchors: Mapping[str, Anchors], alternatives: Mapping[str, Sequence[Anchors]] | None = None,
               incl_cuts: Sequence[float] = (), incl_cut: float = 1.0, kind: str = solutions.PARSIMONIOUS,
               expectations: Mapping[str, int | None] | None = None, negate: bool = False, pri_cut: float = 0.0,
               n_cut: int = 1) -> Robustness:
    """Re-run the analysis with each alternative set of anchors (one column at a time) and
    each consistency cut-off in `incl_cuts`.

    `data` maps each case to its values by column: raw values for the columns calibrated
    by `anchors` (direct method), memberships for the others.
    """
    if kind not in SOLUTION_KINDS:
        raise QCAInputError(f"unknown solution {kind!r}: use one of {', '.join(SOLUTION_KINDS)}")
    if kind == solutions.INTERMEDIATE and not expectations:
        raise QCAInputError("the intermediate solution needs directional expectations")
    alternatives = alternatives or {}
    for column in (*anchors, *alternatives):
        if column not in (*conditions, outcome):
            raise QCAInputError(f"anchors for {column!r}, which is neither a condition nor the outcome")
    analysis = dict(data=data, conditions=conditions, outcome=outcome, kind=kind, expectations=expectations,
                    negate=negate, pri_cut=pri_cut, n_cut=n_cut)
    runs = [_run("baseline", dict(anchors), incl_cut, **analysis)]
    for column, options in alternatives.items():
        for option in options:
            runs.append(_run(f"{column}: {option}", {**anchors, column: option}, incl_cut, **analysis))
    for cut in incl_cuts:
        runs.append(_run(f"incl.cut = {cut:g}", dict(anchors), cut, **analysis))
    terms = list(dict.fromkeys(term for run in runs for term in run.terms))
    return Robustness(runs=tuple(runs), terms=tuple(terms))


def shifted(anchors: Anchors, which: str, values: Sequence[float]) -> tuple[Anchors, ...]:
    """`anchors` with one anchor ("full", "crossover" or "non") moved to each of `values`;
    a move that would break the order of the anchors is refused with its reason."""
    if which not in ("full", "crossover", "non"):
        raise QCAInputError(f"unknown anchor {which!r}: use full, crossover or non")
    return tuple(replace(anchors, **{which: value}) for value in values)


def _run(label: str, anchors: Mapping[str, Anchors], incl_cut: float, *, data, conditions, outcome, kind,
         expectations, negate, pri_cut, n_cut) -> Run:
    calibrated = {}
    for case, values in data.items():
        row = dict(values)
        for column, column_anchors in anchors.items():
            row[column] = calibration.direct(values[column], column_anchors)
        calibrated[case] = row
    try:
        tt = fuzzy.truth_table(calibrated, conditions=conditions, outcome=outcome, negate=negate,
                               incl_cut1=incl_cut, pri_cut=pri_cut, n_cut=n_cut)
        if kind == solutions.CONSERVATIVE:
            found = [solutions.conservative(tt)]
        elif kind == solutions.PARSIMONIOUS:
            found = [solutions.parsimonious(tt)]
        else:
            found = list(solutions.intermediate(tt, expectations=expectations))
    except QCAInputError as error:
        return Run(label=label, anchors=anchors, incl_cut=incl_cut, models=(), terms=(), problem=str(error))
    models = tuple(dict.fromkeys(str(model) for solution in found for model in solution.models))
    terms = tuple(dict.fromkeys(str(term) for solution in found for model in solution.models for term in model.terms))
    problem = "" if models else "no configuration passes the cut-offs"
    return Run(label=label, anchors=anchors, incl_cut=incl_cut, models=models, terms=terms, problem=problem)
