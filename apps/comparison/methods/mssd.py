"""The Most Similar Systems Design and the method of difference, on judged values.

Plain Python in, dataclasses out, no Django: the comparison selectors gather the
researcher's judgments (one value per factor and case), the outcome of each case and
the coded evidence behind each cell; this module only compares.

For each factor it says one of:

- **constant**: every judged case has the same value. The factor is held similar
  (controlled): it cannot explain why the outcome differs, as far as the judged cases
  go. When every case with the outcome (or every case without it) is unjudged, nothing
  is said about the difference: the explanation names the cases not judged.
- **covaries**: no case with the outcome shares its value with a case without it.
  Only when the positive cases share one value and the negative cases another is this
  the method of difference proper, an *exact* difference (the factor's value alone
  sorts the cases by outcome). Otherwise it is a weaker pattern and is called so: the
  positive cases disagree among themselves, or the negative cases do (a positive case
  at "medium" facing negatives at "low" and "high" is not a difference that goes with
  the outcome).
- **varies**: the factor varies, but some positive and negative case share a value, so
  it varies without the outcome (or the outcome itself does not vary).
- **undetermined**: fewer than two cases are judged.

Values are compared as they were judged (`high`, `medium`, `low` are three values), not
calibrated to 0/1, so an ordinal factor keeps its nuance; cases without a judgment are
left out and named ("not judged"), cases of unknown outcome count only for constancy.

The evidence check compares a judgment with the coded values of the distinct experts
behind the cell ("present: E1 E2 E4; absent: E3"): it *agrees* when no expert coded
otherwise, shows *dissent* when some did but the judged value has at least as many
experts as any other, and is *outvoted by the coded evidence* when another value has
more experts than the judged one (or none support it while some coded otherwise). That
is not a contradiction in the comparative method's sense, a word kept here for cases
in the same configuration with different outcomes (`Similarity.twins`).

Distances between cases count the factors on which two cases, both judged on them,
differ; the most similar pairs with different outcomes are the ones an MSSD rests on, and
a pair at distance 0 with different outcomes says a factor is missing.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

CONSTANT = "constant"
COVARIES = "covaries"
VARIES = "varies"
UNDETERMINED = "undetermined"

KIND_LABELS = {
    CONSTANT: "constant (held similar)",
    COVARIES: "varies with the outcome (method of difference)",
    VARIES: "varies without the outcome",
    UNDETERMINED: "undetermined (fewer than two cases judged)",
}
WEAKER_LABEL = "varies with the outcome, but not exactly (a weaker pattern than the method of difference)"
OPEN_CONSTANT_LABEL = "constant among the judged cases (the comparison with the outcome is open)"

AGREES = "agrees"
DISSENT = "dissent"
OUTVOTED = "contradicted"
"""A judgment outvoted by the coded evidence. The value stays "contradicted", which the
pages, exports and the API read; the label says what it means."""
CONTRADICTED = OUTVOTED
NO_EVIDENCE = "no evidence"
NOT_JUDGED = "not judged"


@dataclass(frozen=True)
class Classification:
    """What a factor does across the cases."""

    kind: str
    exact: bool = False
    """For `covaries`: the positive cases share one value and the negative cases another."""
    missing: tuple[str, ...] = ()
    """Cases without a judged value, left out of the comparison."""
    positive_values: tuple[str, ...] = ()
    negative_values: tuple[str, ...] = ()
    shared: tuple[tuple[str, str], ...] = ()
    """(positive case, negative case) pairs with the same value: what stops covariation."""
    outcome_varies: bool = True
    """Among the judged cases, some show the outcome and some do not."""
    missing_positive: tuple[str, ...] = ()
    """The cases with the outcome among `missing`."""
    missing_negative: tuple[str, ...] = ()
    """The cases without the outcome among `missing`."""
    between: bool = False
    """For a weaker `covaries`: on the scale given, the positive values lie between negative ones."""

    @property
    def comparison_open(self) -> bool:
        """Constant, but every case on one side of the outcome is unjudged, so nothing
        follows about the difference in outcome."""
        return self.kind == CONSTANT and bool(self._unjudged_side())

    def _unjudged_side(self) -> tuple[str, tuple[str, ...]] | None:
        """("with" or "without", the unjudged cases) when no case on that side of the outcome is judged."""
        if self.missing_positive and not self.positive_values:
            return "with", self.missing_positive
        if self.missing_negative and not self.negative_values:
            return "without", self.missing_negative
        return None

    @property
    def label(self) -> str:
        if self.kind == COVARIES:
            return KIND_LABELS[COVARIES] + ", exactly" if self.exact else WEAKER_LABEL
        if self.comparison_open:
            return OPEN_CONSTANT_LABEL
        return KIND_LABELS[self.kind]

    @property
    def explanation(self) -> str:
        """One or two sentences a thesis could quote."""
        if self.kind == UNDETERMINED:
            return "Too few cases are judged to compare."
        if self.kind == CONSTANT:
            if self.comparison_open:
                side, unjudged = self._unjudged_side()
                return (f"The judged cases share one value, but no case {side} the outcome is judged "
                        f"(not judged: {', '.join(unjudged)}), so whether it goes with the outcome is open.")
            return ("All judged cases have the same value, so it cannot account for a difference in outcome"
                    + self._among_judged() + ".")
        if self.kind == COVARIES:
            positive, negative = " / ".join(self.positive_values), " / ".join(self.negative_values)
            if self.exact:
                return (f"The cases with the outcome share one value ({positive}) and those without it another "
                        f"({negative}): an exact difference{self._among_judged()}.")
            return (f"No case with the outcome shares its value with a case without it ({positive} with the "
                    f"outcome, {negative} without), but {self._why_weaker()}: a weaker pattern than an exact "
                    f"difference{self._among_judged()}.")
        if not self.outcome_varies:
            return "It varies, but the outcome does not, so the method of difference does not apply."
        pairs = "; ".join(f"{p} and {n}" for p, n in self.shared[:4])
        more = f" and {len(self.shared) - 4} more" if len(self.shared) > 4 else ""
        return f"Cases with and without the outcome share a value: {pairs}{more}."

    def _why_weaker(self) -> str:
        reasons = []
        if len(self.positive_values) > 1:
            reasons.append("the cases with the outcome differ among themselves")
        if len(self.negative_values) > 1:
            reasons.append("the cases without the outcome differ among themselves")
        if self.between:
            reasons.append("on the scale the value with the outcome lies between values without it")
        return " and ".join(reasons)

    def _among_judged(self) -> str:
        return f" (among the judged cases; not judged: {', '.join(self.missing)})" if self.missing else ""


def classify(values: Mapping[str, str | None], outcome: Mapping[str, bool | None],
             order: Sequence[str] = ()) -> Classification:
    """Classify one factor: `values` maps each case to its judged value (None or '' when
    not judged), `outcome` each case to True, False or None (unknown). `order`, the
    values of an ordinal scale from low to high, lets a weaker pattern say when the
    values with the outcome lie between values without it."""
    judged = {case: value for case, value in values.items() if value not in (None, "")}
    missing = tuple(case for case, value in values.items() if value in (None, ""))
    positives = [case for case in judged if outcome.get(case) is True]
    negatives = [case for case in judged if outcome.get(case) is False]
    positive_values = _distinct(judged[c] for c in positives)
    negative_values = _distinct(judged[c] for c in negatives)
    outcome_varies = bool(positives) and bool(negatives)
    common = dict(missing=missing, positive_values=positive_values, negative_values=negative_values,
                  outcome_varies=outcome_varies,
                  missing_positive=tuple(c for c in missing if outcome.get(c) is True),
                  missing_negative=tuple(c for c in missing if outcome.get(c) is False))
    if len(judged) < 2:
        return Classification(kind=UNDETERMINED, **common)
    if len(set(judged.values())) == 1:
        return Classification(kind=CONSTANT, **common)
    shared = tuple((p, n) for p in positives for n in negatives if judged[p] == judged[n])
    if outcome_varies and not shared:
        exact = len(positive_values) == 1 and len(negative_values) == 1
        return Classification(kind=COVARIES, exact=exact,
                              between=not exact and _between(positive_values, negative_values, order), **common)
    return Classification(kind=VARIES, shared=shared, **common)


def _between(positive_values: Sequence[str], negative_values: Sequence[str], order: Sequence[str]) -> bool:
    """Some value with the outcome has values without it both below and above it on the scale."""
    rank = {value: i for i, value in enumerate(order)}
    if not all(value in rank for value in (*positive_values, *negative_values)):
        return False
    below = min(rank[v] for v in negative_values)
    above = max(rank[v] for v in negative_values)
    return any(below < rank[v] < above for v in positive_values)


@dataclass(frozen=True)
class Proposal:
    """The value the coded evidence suggests for a cell, with the dissent."""

    value: str | None
    """The value coded by the most distinct experts; None when there is none or a tie."""
    support: tuple[str, ...]
    """The experts behind `value`."""
    experts: int
    """Distinct experts who coded a value in this cell."""
    tie: tuple[str, ...] = ()
    """The values sharing the highest count, when there is a tie."""
    by_value: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(value, experts) from the most supported value down, for "present: E1 E2; absent: E3"."""

    @property
    def summary(self) -> str:
        return "; ".join(f"{value}: {' '.join(experts)}" for value, experts in self.by_value)

    @property
    def share(self) -> str:
        """"5 of 7 experts"."""
        return f"{len(self.support)} of {self.experts} expert{'s' if self.experts != 1 else ''}"


def propose(evidence: Mapping[str, Collection[str]], order: Sequence[str] = (), *,
            expert_key: Callable[[str], object]) -> Proposal:
    """The proposal from `evidence`: value -> the distinct experts who coded it.

    An expert who coded two values in the same case counts for both. `order` (the values
    of the scale) breaks ties in listing, never in choosing: a tie proposes nothing.
    `expert_key` sorts the experts listed (the app's natural order, "E2" before "E10",
    given by the caller: this module imports no app).
    """
    rank = {value: i for i, value in enumerate(order)}
    by_value = sorted(((value, tuple(sorted(set(experts), key=expert_key))) for value, experts in evidence.items()
                       if experts), key=lambda item: (-len(item[1]), rank.get(item[0], len(rank)), item[0]))
    everyone = {expert for _value, experts in by_value for expert in experts}
    if not by_value:
        return Proposal(value=None, support=(), experts=0)
    top = len(by_value[0][1])
    tied = tuple(value for value, experts in by_value if len(experts) == top)
    if len(tied) > 1:
        return Proposal(value=None, support=(), experts=len(everyone), tie=tied, by_value=tuple(by_value))
    return Proposal(value=by_value[0][0], support=by_value[0][1], experts=len(everyone), by_value=tuple(by_value))


@dataclass(frozen=True)
class EvidenceCheck:
    status: str
    judged_by: tuple[str, ...] = ()
    """Experts whose coded value is the judged one."""
    against: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(other value, its experts)."""

    @property
    def label(self) -> str:
        if self.status == DISSENT:
            return "dissent: " + "; ".join(f"{v}: {' '.join(e)}" for v, e in self.against)
        if self.status == OUTVOTED:
            return "outvoted by the coded evidence: " + "; ".join(f"{v}: {' '.join(e)}" for v, e in self.against)
        return self.status


def check_evidence(judged: str | None, evidence: Mapping[str, Collection[str]], *,
                   expert_key: Callable[[str], object]) -> EvidenceCheck:
    """Whether the coded evidence of a cell supports its judged value (`expert_key` as
    in `propose`)."""
    if judged in (None, ""):
        return EvidenceCheck(status=NOT_JUDGED)
    coded = {value: tuple(sorted(set(experts), key=expert_key)) for value, experts in evidence.items() if experts}
    if not coded:
        return EvidenceCheck(status=NO_EVIDENCE)
    judged_by = coded.get(judged, ())
    against = tuple(sorted(((v, e) for v, e in coded.items() if v != judged), key=lambda item: -len(item[1])))
    if not against:
        return EvidenceCheck(status=AGREES, judged_by=judged_by)
    if max(len(e) for _v, e in against) > len(judged_by):
        return EvidenceCheck(status=OUTVOTED, judged_by=judged_by, against=against)
    return EvidenceCheck(status=DISSENT, judged_by=judged_by, against=against)


@dataclass(frozen=True)
class Pair:
    """Two cases and the factors on which they differ."""

    a: str
    b: str
    distance: int
    """Factors judged in both cases on which they differ."""
    compared: int
    """Factors judged in both cases."""
    differing: tuple[str, ...]
    different_outcome: bool | None
    """None when the outcome of either case is unknown."""

    @property
    def similarity(self) -> float:
        """Share of the compared factors on which they agree (1 when nothing is compared)."""
        return 1 - self.distance / self.compared if self.compared else 1.0


@dataclass(frozen=True)
class Similarity:
    pairs: tuple[Pair, ...]
    """Every pair of cases, most similar first."""
    mssd_pairs: tuple[Pair, ...]
    """The most similar pairs whose outcomes differ: the comparisons an MSSD rests on."""
    twins: tuple[Pair, ...]
    """Pairs alike on every compared factor but with different outcomes: a contradiction
    in the comparative method's sense (same configuration, different outcome), so a
    factor is missing."""
    nearest: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Each case's most similar other cases."""


def similarity(rows: Mapping[str, Mapping[str, str | None]], outcome: Mapping[str, bool | None],
               cases: Sequence[str]) -> Similarity:
    """Distances between every two of `cases` on the factors in `rows` (factor -> case -> value)."""
    pairs = []
    for a, b in combinations(cases, 2):
        differing, compared = [], 0
        for factor, values in rows.items():
            va, vb = values.get(a), values.get(b)
            if va in (None, "") or vb in (None, ""):
                continue
            compared += 1
            if va != vb:
                differing.append(factor)
        oa, ob = outcome.get(a), outcome.get(b)
        different = None if oa is None or ob is None else oa != ob
        pairs.append(Pair(a=a, b=b, distance=len(differing), compared=compared, differing=tuple(differing),
                          different_outcome=different))
    pairs.sort(key=lambda p: (-p.similarity, p.distance, cases.index(p.a), cases.index(p.b)))
    contrasting = [p for p in pairs if p.different_outcome and p.compared]
    best = max((p.similarity for p in contrasting), default=None)
    mssd_pairs = tuple(p for p in contrasting if p.similarity == best)
    twins = tuple(p for p in contrasting if p.distance == 0)
    nearest = {}
    for case in cases:
        mine = [p for p in pairs if case in (p.a, p.b) and p.compared]
        if mine:
            top = max(p.similarity for p in mine)
            nearest[case] = tuple(p.b if p.a == case else p.a for p in mine if p.similarity == top)
    return Similarity(pairs=tuple(pairs), mssd_pairs=mssd_pairs, twins=twins, nearest=nearest)


def _distinct(values) -> tuple[str, ...]:
    seen = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return tuple(seen)
