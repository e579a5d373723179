"""Crisp-set QCA: the truth table and its Boolean minimisation.

Plain Python in, dataclasses out, no Django: the comparison view and the `qca` command
gather 0/1 values per case and condition, this module only counts and minimises. It
follows the R package QCA (Dusa). A configuration's outcome value comes from its
consistency (the share of its cases showing the outcome) and the inclusion cut-offs, as
`truthTable(..., incl.cut = c(incl_cut1, incl_cut0))`: 1 at or above `incl_cut1`, "C"
from `incl_cut0` up to `incl_cut1`, 0 below `incl_cut0`. With one cut-off (R's default
`incl.cut = 1`, `incl_cut0` equal to `incl_cut1`) a configuration whose cases disagree
is labelled 0, as R labels it; with `incl.cut = c(1, .5)` it is "C" when at least half
of its cases show the outcome. Whatever its label, such a configuration is
`contradictory` (same configuration, different outcomes), and only configurations
labelled 1 count for the outcome: 0 and "C" are never used as remainders either.

Configurations are integer bitmasks with the first condition as the most significant
bit, so a configuration's `code` + 1 is its row number in QCA's truth tables.

Minimisation is Quine-McCluskey: prime implicants of the positive configurations
(with the remainders as don't-cares for the parsimonious solution), the prime implicant
chart, the essential prime implicants, and then every cover of the chart with the
fewest prime implicants, listed as M1, M2, ... as QCA's `minimize` lists them: when
several covers are equally small, each is a model, whatever their numbers of literals
(model ambiguity is itself a finding to report). The prime implicants are the maximal
products of literals that contain a positive configuration and no excluded one
(negative, contradictory, and, in the conservative solution, remainder); they are found
per positive configuration with bitsets over the subsets of conditions, the same primes
the pairwise merging of the textbook algorithm yields, without its 3**k intermediate
terms once remainders are in. `minimal_sums` is that machinery on bare configuration
codes, shared with the fuzzy-set path (`solutions.py`).
"""
from __future__ import annotations

import csv
import io
import math
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from types import MappingProxyType

MAX_CONDITIONS = 16
"""2**16 configurations: beyond that the truth table itself stops being readable."""

MAX_MODELS = 1_000
"""More equally minimal solutions than anyone can compare: the minimisation stops and says so."""

MAX_NODES = 100_000
"""Branches one search for minimal solutions may explore before it gives up (about two seconds)."""

CONTRADICTION = "C"

TOLERANCE = 1e-9
"""A consistency this close below a cut-off passes it: sums of memberships carry rounding
errors, and 0.8 computed as 0.7999999999999999 should not fall below `incl_cut1 = 0.8`."""


class QCAInputError(ValueError):
    """Input the analysis cannot use: a malformed table (the message names the line and
    column), or a prime implicant chart too large to solve exactly (it says so)."""


@dataclass(frozen=True)
class Configuration:
    """One truth-table row: a combination of condition values and the cases showing it."""

    code: int
    values: tuple[int, ...]
    cases: tuple[str, ...]
    positive: int
    """How many of the cases show the explained outcome (the outcome, or its absence when negated)."""
    outcome: int | str
    """1, 0 or "C" (contradiction), from the consistency and the inclusion cut-offs."""

    @property
    def n(self) -> int:
        return len(self.cases)

    @property
    def consistency(self) -> float:
        """Share of the cases showing the explained outcome (QCA's `incl` for crisp sets)."""
        return self.positive / len(self.cases)

    @property
    def contradictory(self) -> bool:
        """Some of its cases show the outcome and some do not, whatever the label says."""
        return 0 < self.positive < len(self.cases)


@dataclass(frozen=True)
class TruthTable:
    """The observed configurations of the conditions, with their cases and outcome values."""

    conditions: tuple[str, ...]
    outcome: str
    negate: bool
    configurations: tuple[Configuration, ...]
    """Observed configurations only, in code order; the rest are remainders."""
    cases: tuple[str, ...]
    positive_cases: frozenset[str]
    """The cases showing the explained outcome: the denominator of coverage."""

    @property
    def label(self) -> str:
        """The explained outcome as written in a formula: SURV, or ~SURV when negated."""
        return f"~{self.outcome}" if self.negate else self.outcome

    @property
    def remainders(self) -> tuple[tuple[int, ...], ...]:
        """The logically possible configurations that no case shows, in code order."""
        observed = {configuration.code for configuration in self.configurations}
        k = len(self.conditions)
        return tuple(_values(code, k) for code in range(1 << k) if code not in observed)

    @property
    def remainder_count(self) -> int:
        return (1 << len(self.conditions)) - len(self.configurations)

    def with_outcome(self, value: int | str) -> tuple[Configuration, ...]:
        """The configurations whose outcome value is 1, 0 or "C"."""
        return tuple(c for c in self.configurations if c.outcome == value)


@dataclass(frozen=True)
class Implicant:
    """A product of literals: some conditions fixed present or absent, the others free.

    `care` has a bit set for each fixed condition and `value` the fixed values, in the
    bit layout of configuration codes.
    """

    conditions: tuple[str, ...]
    care: int
    value: int

    @property
    def literals(self) -> tuple[tuple[str, int], ...]:
        """(condition, 1 for present or 0 for absent), in the order of the conditions."""
        k = len(self.conditions)
        return tuple((name, self.value >> (k - 1 - i) & 1)
                     for i, name in enumerate(self.conditions) if self.care >> (k - 1 - i) & 1)

    @property
    def size(self) -> int:
        """Number of literals."""
        return self.care.bit_count()

    def covers(self, code: int) -> bool:
        return code & self.care == self.value

    def __str__(self) -> str:
        """`A*~B`; the empty product (every configuration) is `1`."""
        return "*".join(name if present else f"~{name}" for name, present in self.literals) or "1"


@dataclass(frozen=True)
class TermFit:
    """One term of a solution with its parameters of fit and the cases behind them."""

    implicant: Implicant
    cases: tuple[str, ...]
    """Every case in a configuration the term covers, in truth-table order."""
    consistency: float
    raw_coverage: float
    unique_coverage: float
    """Share of the explained cases that this term covers and no other term of its solution."""

    def __str__(self) -> str:
        return str(self.implicant)


@dataclass(frozen=True)
class Model:
    """One minimal sum of prime implicants (QCA's M1, M2, ...)."""

    terms: tuple[TermFit, ...]
    """Essential prime implicants first, then the others, each group in chart order."""
    cases: tuple[str, ...]
    consistency: float
    coverage: float
    simplifying_assumptions: tuple[tuple[int, ...], ...]
    """The remainders the terms cover: the counterfactuals a parsimonious solution assumes."""

    def __str__(self) -> str:
        return " + ".join(str(term) for term in self.terms)


@dataclass(frozen=True)
class Solution:
    """The minimisation of a truth table: the prime implicant chart and every minimal solution."""

    truth_table: TruthTable
    include_remainders: bool
    prime_implicants: tuple[Implicant, ...]
    """Those covering at least one positive configuration, in QCA's order: fewer literals
    first, then by condition with absent before present before free."""
    chart: Mapping[Implicant, tuple[int, ...]]
    """Each prime implicant -> the codes of the positive configurations it covers."""
    essential: tuple[Implicant, ...]
    models: tuple[Model, ...]
    """Empty when no configuration consistently shows the outcome."""

    def __str__(self) -> str:
        return "\n".join(f"M{number}: {model}" for number, model in enumerate(self.models, start=1))


def read_csv(text: str, *, fuzzy: bool = False) -> tuple[dict[str, dict[str, float]], list[str]]:
    """Read a 0/1 table as R's QCA datasets are written: a header row, then one row per
    case with the case name in the first column (R's row names) and 0 or 1 in the others
    (with `fuzzy`, memberships from 0 to 1, such as 0.83).

    Commas, semicolons or tabs separate the fields. Returns (case -> {column: value},
    column names without the case-name column).
    """
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    header: list[str] | None = None
    rows: dict[str, dict[str, int]] = {}
    first_line: dict[str, int] = {}
    for record in reader:
        if not any(field.strip() for field in record):
            continue
        line = reader.line_num
        if header is None:
            header = [field.strip() for field in record]
            _check_header(header)
            continue
        if len(record) != len(header):
            raise QCAInputError(f"line {line}: expected {len(header)} fields (the case name and "
                                f"{len(header) - 1} values), got {len(record)}")
        case = record[0].strip()
        if not case:
            raise QCAInputError(f"line {line}: no case name in the first column")
        if case in rows:
            raise QCAInputError(f"line {line}: case {case!r} appears twice (first on line {first_line[case]})")
        values = {}
        for column, raw in zip(header[1:], record[1:]):
            where = f"line {line}, case {case!r}, column {column!r}"
            values[column] = _membership(raw, where) if fuzzy else _crisp_field(raw, where)
        rows[case] = values
        first_line[case] = line
    if header is None:
        raise QCAInputError("the CSV is empty: expected a header row and one row per case")
    if not rows:
        raise QCAInputError("the CSV has a header but no cases")
    return rows, header[1:]


def truth_table(rows: Mapping[str, Mapping[str, int]], *, conditions: Sequence[str], outcome: str,
                negate: bool = False, incl_cut1: float = 1.0, incl_cut0: float | None = None) -> TruthTable:
    """Group the cases by their configuration of `conditions`, and give each configuration
    its consistency with `outcome` (with its absence when `negate`) and its outcome value.

    `rows` maps each case name to its 0/1 values by column. `incl_cut1` and `incl_cut0`
    are R's `incl.cut = c(incl_cut1, incl_cut0)`; `incl_cut0` defaults to `incl_cut1`.
    """
    conditions = tuple(conditions)
    _check_columns(rows, conditions, outcome)
    incl_cut0 = check_inclusion_cuts(incl_cut1, incl_cut0)
    k = len(conditions)
    groups: dict[int, list[str]] = {}
    positives: dict[int, int] = {}
    positive_cases = set()
    for case, values in rows.items():
        code = 0
        for name in conditions:
            code = code << 1 | _binary(case, name, values[name])
        shows = _binary(case, outcome, values[outcome]) != negate
        groups.setdefault(code, []).append(case)
        positives[code] = positives.get(code, 0) + shows
        if shows:
            positive_cases.add(case)
    if not positive_cases:
        label = f"{outcome} = 0 (~{outcome})" if negate else f"{outcome} = 1"
        raise QCAInputError(f"no case has {label}: there is nothing to explain")
    configurations = tuple(
        Configuration(code=code, values=_values(code, k), cases=tuple(groups[code]), positive=positives[code],
                      outcome=outcome_value(positives[code] / len(groups[code]), incl_cut1, incl_cut0))
        for code in sorted(groups))
    return TruthTable(conditions=conditions, outcome=outcome, negate=negate, configurations=configurations,
                      cases=tuple(rows), positive_cases=frozenset(positive_cases))


def check_inclusion_cuts(incl_cut1: float, incl_cut0: float | None) -> float:
    """`incl_cut0`, defaulting to `incl_cut1`, once both are checked: 0 <= incl_cut0 <= incl_cut1 <= 1."""
    incl_cut0 = incl_cut1 if incl_cut0 is None else incl_cut0
    for name, cut in (("incl_cut1", incl_cut1), ("incl_cut0", incl_cut0)):
        if isinstance(cut, bool) or not isinstance(cut, (int, float)) or not 0 <= cut <= 1:
            raise QCAInputError(f"the inclusion cut-off {name} must be a number from 0 to 1, got {cut!r}")
    if incl_cut0 > incl_cut1:
        raise QCAInputError(f"the inclusion cut-off for 0 ({incl_cut0}) must not exceed the one for 1 ({incl_cut1})")
    return incl_cut0


def outcome_value(consistency: float, incl_cut1: float, incl_cut0: float) -> int | str:
    """R's truth-table label: 1 at or above `incl_cut1`, "C" from `incl_cut0` up to it, else 0."""
    if consistency >= incl_cut1 - TOLERANCE:
        return 1
    if consistency >= incl_cut0 - TOLERANCE:
        return CONTRADICTION
    return 0


def minimise(tt: TruthTable, *, include_remainders: bool = False) -> Solution:
    """Every minimal solution for the positive configurations of `tt`.

    Conservative (the default): remainders are excluded, so the terms cover nothing but
    positive configurations. Parsimonious (`include_remainders`): remainders may be
    covered where that simplifies; negative and contradictory configurations never are.
    """
    positives = [c.code for c in tt.configurations if c.outcome == 1]
    dont_cares = [_code(values) for values in tt.remainders] if include_remainders else []
    sums = minimal_sums(tt.conditions, positives, dont_cares)
    fit = _Fit(tt, include_remainders)
    return Solution(truth_table=tt, include_remainders=include_remainders, prime_implicants=sums.prime_implicants,
                    chart=sums.chart, essential=sums.essential,
                    models=tuple(fit.model(cover) for cover in sums.covers))


@dataclass(frozen=True)
class MinimalSums:
    """The prime implicant chart of some positive configurations and its minimal covers."""

    prime_implicants: tuple[Implicant, ...]
    """Those covering at least one positive configuration, in QCA's chart order."""
    chart: Mapping[Implicant, tuple[int, ...]]
    """Each prime implicant -> the codes of the positive configurations it covers."""
    essential: tuple[Implicant, ...]
    covers: tuple[tuple[Implicant, ...], ...]
    """Every cover with the fewest prime implicants: the essential ones first, then the
    others, each group in chart order. Empty when there is no positive configuration."""


def minimal_sums(conditions: Sequence[str], positives: Collection[int], dont_cares: Collection[int]) -> MinimalSums:
    """Quine-McCluskey on configuration codes: the prime implicants of `positives` that
    may also cover `dont_cares` (remainders) but no other configuration, and every cover
    of the positives with the fewest of them."""
    conditions = tuple(conditions)
    k = len(conditions)
    positives = sorted(set(positives))
    excluded = ((1 << (1 << k)) - 1) & ~_bitmap(positives) & ~_bitmap(dont_cares)
    primes = sorted((Implicant(conditions, care, value)
                     for care, value in _prime_implicants(positives, excluded, k)), key=_chart_order)
    columns = [_bitmap(j for j, code in enumerate(positives) if code & pi.care == pi.value) for pi in primes]
    essential, covers = _minimal_covers(columns, len(positives)) if positives else ([], [])
    chart = {pi: tuple(positives[j] for j in _bits(cols)) for pi, cols in zip(primes, columns)}
    return MinimalSums(prime_implicants=tuple(primes), chart=MappingProxyType(chart),
                       essential=tuple(primes[i] for i in essential),
                       covers=tuple(tuple(primes[i] for i in [*essential, *cover]) for cover in covers))


def format_truth_table(tt: TruthTable) -> str:
    """The truth table as text for a terminal, one configuration per line."""
    names = list(tt.conditions)
    header = [*names, "OUT", "n", "incl", "cases"]
    lines = [[*map(str, c.values), str(c.outcome), str(c.n), f"{c.consistency:.3f}", ", ".join(c.cases)]
             for c in tt.configurations]
    counts = [len(tt.with_outcome(value)) for value in (1, 0, CONTRADICTION)]
    text = [
        f"Truth table for {tt.label}: {len(tt.conditions)} conditions, {len(tt.cases)} cases",
        "",
        *_columns([header, *lines], left={len(header) - 1}),
        "",
        f"OUT = 1/0/C: {counts[0]}/{counts[1]}/{counts[2]} configurations; "
        f"{tt.remainder_count} of {1 << len(tt.conditions)} configurations are remainders (no case)",
    ]
    contradictory = sum(c.contradictory for c in tt.configurations)
    if contradictory:
        text.append(f"{contradictory} contradictory configuration{'s' if contradictory != 1 else ''} "
                    f"(cases with and without {tt.label})")
    return "\n".join(text)


def format_solution(sol: Solution) -> str:
    """Every minimal solution with the consistency and coverage of its terms, for a terminal."""
    tt = sol.truth_table
    kind = ("Parsimonious solution (remainders as don't-cares)" if sol.include_remainders
            else "Conservative solution (remainders excluded)")
    if not sol.models:
        return (f"{kind} for {tt.label}: none, no configuration consistently shows {tt.label} "
                f"(none reaches the inclusion cut-off)")
    blocks = [f"{kind} for {tt.label}"]
    for number, model in enumerate(sol.models, start=1):
        rows = [["", "incl", "cov.r", "cov.u", "cases"]]
        rows += [[str(term), f"{term.consistency:.3f}", f"{term.raw_coverage:.3f}",
                  f"{term.unique_coverage:.3f}", ", ".join(term.cases)] for term in model.terms]
        rows.append([f"M{number}", f"{model.consistency:.3f}", f"{model.coverage:.3f}", "", ""])
        block = [f"M{number}: {model} => {tt.label}", *("  " + line for line in _columns(rows, left={0, 4}))]
        if model.simplifying_assumptions:
            block.append(f"  simplifying assumptions: {len(model.simplifying_assumptions)} remainders")
        blocks.append("\n".join(block))
    return "\n\n".join(blocks)


# --- prime implicants ----------------------------------------------------------------------


def _prime_implicants(positives: Sequence[int], excluded: int, k: int) -> set[tuple[int, int]]:
    """(care, value) of every prime implicant covering a positive configuration.

    A product fixing the set T of conditions at the values of positive configuration p
    avoids an excluded configuration o exactly when T contains a condition on which p
    and o differ, i.e. T is not a subset of the complement of p ^ o. The primes covering
    p are thus the minimal T that are a subset of no such complement. Families of
    subsets are bitmaps indexed by T, so each step is a shift over all 2**k subsets.
    """
    every = (1 << (1 << k)) - 1
    low = [_subsets_without(bit, k) for bit in range(k)]
    primes = set()
    for p in positives:
        missing = _xor_positions(excluded, p ^ ((1 << k) - 1), low, k)
        for bit in range(k):
            missing |= (missing >> (1 << bit)) & low[bit]
        separating = every & ~missing
        redundant = 0
        for bit in range(k):
            redundant |= (separating & low[bit]) << (1 << bit)
        minimal = separating & ~redundant
        while minimal:
            care = (minimal & -minimal).bit_length() - 1
            minimal &= minimal - 1
            primes.add((care, p & care))
    return primes


def _subsets_without(bit: int, k: int) -> int:
    """Bitmap of the subsets T of k conditions that leave out condition bit `bit`."""
    step = 1 << bit
    block = (1 << step) - 1
    pattern, width = block, 2 * step
    while width < 1 << k:
        pattern |= pattern << width
        width *= 2
    return pattern


def _xor_positions(bitmap: int, mask: int, low: Sequence[int], k: int) -> int:
    """The bitmap with every position i moved to i ^ mask."""
    for bit in range(k):
        if mask >> bit & 1:
            step = 1 << bit
            bitmap = ((bitmap & low[bit]) << step) | ((bitmap >> step) & low[bit])
    return bitmap


def _chart_order(pi: Implicant) -> tuple:
    """QCA's order: fewer literals first, then condition by condition absent, present, free."""
    k = len(pi.conditions)
    return pi.size, tuple(pi.value >> (k - 1 - i) & 1 if pi.care >> (k - 1 - i) & 1 else 2 for i in range(k))


# --- the prime implicant chart -------------------------------------------------------------


def _minimal_covers(columns: Sequence[int], n_columns: int) -> tuple[list[int], list[list[int]]]:
    """(essential prime implicants, every minimal choice of the others) as indices.

    `columns[i]` is the bitmap of chart columns prime implicant i covers. The chart left
    after the essential ones falls apart into independent blocks (no prime implicant
    covers columns of two blocks); each block is solved on its own and the solutions
    are every combination of the blocks' minimal covers.
    """
    by_column = [[i for i, cols in enumerate(columns) if cols >> c & 1] for c in range(n_columns)]
    essential = sorted({rows[0] for rows in by_column if len(rows) == 1})
    covered = 0
    for i in essential:
        covered |= columns[i]
    left = ((1 << n_columns) - 1) & ~covered
    blocks = []
    while left:
        block, rows = left & -left, set()
        while True:
            rows = {i for i, cols in enumerate(columns) if cols & block}
            grown = block
            for i in rows:
                grown |= columns[i] & left
            if grown == block:
                break
            block = grown
        blocks.append(_block_covers(block, {i: columns[i] & block for i in rows}))
        left &= ~block
    count = 1
    for covers in blocks:
        count *= len(covers)
    if count > MAX_MODELS:
        raise QCAInputError(f"{count} equally minimal solutions, more than {MAX_MODELS}: "
                            f"use fewer conditions or fewer remainders")
    return essential, [sorted(i for part in choice for i in part) for choice in product(*blocks)]


def _block_covers(columns: int, rows: dict[int, int]) -> list[tuple[int, ...]]:
    """Every smallest set of rows covering all `columns`.

    A column whose rows include all the rows of another column is dropped first:
    covering the other covers it. Then the smallest number of rows is found, and then
    every cover with that many rows, however many literals its rows have: R's
    `minimize` lists them all.
    """
    ids = sorted(rows)
    column_rows = _column_rows([rows[i] for i in ids])
    needed = _undominated_columns(column_rows)
    target = sum(1 << c for c in needed)
    covers = [rows[i] & target for i in ids]
    too_large = (f"the prime implicant chart ({len(ids)} prime implicants for {len(needed)} configurations) "
                 f"is too large to search for every minimal solution: use fewer conditions or fewer remainders")
    smallest = _smallest_cover(covers, target, too_large)
    found = _covers_of_size(covers, needed, target, smallest, too_large)
    return sorted(tuple(sorted(ids[r] for r in cover)) for cover in found)


def _smallest_cover(covers: Sequence[int], target: int, too_large: str) -> int:
    """The fewest rows covering `target`, by branch and bound on the cyclic core.

    The core is what is left after repeating three reductions that cannot change the
    smallest number: leave out a row whose columns all lie in another row's (swapping
    it for the other never makes a cover larger, though it may be part of another
    minimal solution, which is why `_covers_of_size` keeps it), leave out a column
    whose rows include all rows of another column, and take the only row of a column.
    """
    taken = 0
    rows = list(covers)
    while True:
        kept: list[int] = []
        for cols in sorted((cols & target for cols in rows), key=lambda cols: -cols.bit_count()):
            if cols and not any(other & cols == cols for other in kept):
                kept.append(cols)
        rows = kept
        column_rows = _column_rows(rows)
        only = {mine for mine in column_rows.values() if mine.bit_count() == 1}
        if only:
            for mine in only:
                target &= ~rows[mine.bit_length() - 1]
            taken += len(only)
            continue
        needed = _undominated_columns(column_rows)
        if len(needed) == len(column_rows):
            break
        target = sum(1 << c for c in needed)
    if not target:
        return taken
    best = len(_greedy_cover(rows, target))
    nodes = 0

    def search(uncovered: int, allowed: int, depth: int) -> None:
        nonlocal best, nodes
        nodes += 1
        if nodes > MAX_NODES:
            raise QCAInputError(too_large)
        if not uncovered:
            best = depth
            return
        column, bound = _branch_column(uncovered, allowed, column_rows)
        if column is None or depth + bound >= best:
            return
        for r in _options(column_rows[column] & allowed, rows, uncovered):
            search(uncovered & ~rows[r], allowed, depth + 1)
            allowed &= ~(1 << r)

    search(target, (1 << len(rows)) - 1, 0)
    return taken + best


def _undominated_columns(column_rows: Mapping[int, int]) -> dict[int, int]:
    """The columns whose rows do not include all rows of another column (of two columns
    with the same rows, the first)."""
    return {c: mine for c, mine in column_rows.items()
            if not any(d != c and other & mine == other and (other != mine or d < c)
                       for d, other in column_rows.items())}


def _covers_of_size(covers: Sequence[int], column_rows: Mapping[int, int], target: int, size: int,
                    too_large: str) -> list[tuple[int, ...]]:
    """Every set of `size` rows covering `target`.

    Each set is met once: branch on the uncovered column with the fewest rows left (one
    of them must be chosen), and forbid each row in the branches after its own. A branch
    is cut when it needs more rows than `size`.
    """
    found: list[tuple[int, ...]] = []
    nodes = 0

    def search(uncovered: int, allowed: int, chosen: tuple[int, ...]) -> None:
        nonlocal nodes
        nodes += 1
        if nodes > MAX_NODES:
            raise QCAInputError(too_large)
        if not uncovered:
            found.append(chosen)
            return
        column, bound = _branch_column(uncovered, allowed, column_rows)
        if column is None or len(chosen) + bound > size:
            return
        for r in _options(column_rows[column] & allowed, covers, uncovered):
            search(uncovered & ~covers[r], allowed, (*chosen, r))
            allowed &= ~(1 << r)

    search(target, (1 << len(covers)) - 1, ())
    return found


def _branch_column(uncovered: int, allowed: int, column_rows: Mapping[int, int]) -> tuple[int | None, int]:
    """(the uncovered column with the fewest allowed rows, or None when one has none;
    a lower bound on the rows still needed).

    Uncovered columns no two of which share a row each need a row of their own.
    """
    open_columns = []
    while uncovered:
        low = uncovered & -uncovered
        uncovered ^= low
        c = low.bit_length() - 1
        rows = column_rows[c] & allowed
        if not rows:
            return None, 0
        open_columns.append((rows.bit_count(), c, rows))
    open_columns.sort()
    bound, taken = 0, 0
    for _, _, rows in open_columns:
        if not rows & taken:
            bound += 1
            taken |= rows
    return open_columns[0][1], bound


def _options(rows: int, covers: Sequence[int], uncovered: int) -> list[int]:
    """The rows to try, those covering most of what is left first (a small cover soon
    makes the bounds bite)."""
    return sorted(_bits(rows), key=lambda r: -(covers[r] & uncovered).bit_count())


def _column_rows(covers: Sequence[int]) -> dict[int, int]:
    column_rows: dict[int, int] = {}
    for r, cols in enumerate(covers):
        for c in _bits(cols):
            column_rows[c] = column_rows.get(c, 0) | 1 << r
    return column_rows


def _greedy_cover(covers: Sequence[int], target: int) -> list[int]:
    """A cover, not necessarily the smallest: the row covering most of what is left, repeatedly."""
    chosen = []
    while target:
        r = max(range(len(covers)), key=lambda r: (covers[r] & target).bit_count())
        chosen.append(r)
        target &= ~covers[r]
    return chosen


def _bits(mask: int):
    """Positions of the set bits of `mask`, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


# --- fit -----------------------------------------------------------------------------------


class _Fit:
    """Crisp consistency and coverage: cases in a term with the outcome, over the cases in
    the term (consistency) or over all cases with the outcome (coverage). What each
    prime implicant covers is worked out once, however many solutions share it."""

    def __init__(self, tt: TruthTable, include_remainders: bool):
        self.tt = tt
        self.remainders = {_code(values) for values in tt.remainders} if include_remainders else set()
        self._cases: dict[Implicant, tuple[str, ...]] = {}
        self._assumptions: dict[Implicant, set[int]] = {}

    def model(self, terms: Sequence[Implicant]) -> Model:
        explained = self.tt.positive_cases
        covered = [self.cases(term) for term in terms]
        terms_covering = Counter(case for cases in covered for case in cases)
        fits = []
        for term, cases in zip(terms, covered):
            hits = explained.intersection(cases)
            unique = sum(terms_covering[case] == 1 for case in hits)
            fits.append(TermFit(implicant=term, cases=cases, consistency=_share(len(hits), len(cases)),
                                raw_coverage=_share(len(hits), len(explained)),
                                unique_coverage=_share(unique, len(explained))))
        union = set(terms_covering)
        k = len(self.tt.conditions)
        assumed = set().union(*(self.assumptions(term) for term in terms))
        cases = tuple(case for c in self.tt.configurations for case in c.cases if case in union)
        return Model(terms=tuple(fits), cases=cases,
                     consistency=_share(len(explained & union), len(union)),
                     coverage=_share(len(explained & union), len(explained)),
                     simplifying_assumptions=tuple(_values(code, k) for code in sorted(assumed)))

    def cases(self, term: Implicant) -> tuple[str, ...]:
        """The cases in the configurations the term covers, in truth-table order."""
        if term not in self._cases:
            self._cases[term] = tuple(case for c in self.tt.configurations if term.covers(c.code) for case in c.cases)
        return self._cases[term]

    def assumptions(self, term: Implicant) -> set[int]:
        """The remainders the term covers, walking its configurations when it has few."""
        if term not in self._assumptions:
            free = ((1 << len(self.tt.conditions)) - 1) & ~term.care
            if 1 << free.bit_count() <= len(self.remainders):
                inside, sub = set(), free
                while True:
                    inside.add(term.value | sub)
                    if not sub:
                        break
                    sub = (sub - 1) & free
                self._assumptions[term] = inside & self.remainders
            else:
                self._assumptions[term] = {code for code in self.remainders if term.covers(code)}
        return self._assumptions[term]


# --- small helpers -------------------------------------------------------------------------


def _check_header(header: Sequence[str]) -> None:
    columns = header[1:]
    if not columns:
        raise QCAInputError("the header names no columns after the case-name column")
    seen = set()
    for number, name in enumerate(columns, start=2):
        if not name:
            raise QCAInputError(f"column {number} of the header has no name")
        if name in seen:
            raise QCAInputError(f"column {name!r} appears twice in the header")
        seen.add(name)


def _check_columns(rows: Mapping[str, Mapping[str, int]], conditions: tuple[str, ...], outcome: str) -> None:
    if not rows:
        raise QCAInputError("no cases")
    if not conditions:
        raise QCAInputError("no conditions: name at least one")
    if len(set(conditions)) != len(conditions):
        twice = sorted({name for name in conditions if conditions.count(name) > 1})
        raise QCAInputError(f"condition {twice[0]!r} is named twice")
    if outcome in conditions:
        raise QCAInputError(f"{outcome!r} is the outcome and cannot also be a condition")
    if len(conditions) > MAX_CONDITIONS:
        raise QCAInputError(f"{len(conditions)} conditions, at most {MAX_CONDITIONS} "
                            f"({1 << MAX_CONDITIONS} configurations) can be analysed")
    known = dict.fromkeys(name for values in rows.values() for name in values)
    for role, name in [*(("condition", name) for name in conditions), ("outcome", outcome)]:
        if name not in known:
            raise QCAInputError(f"unknown {role} {name!r}: the columns are {', '.join(known)}")
        for case, values in rows.items():
            if name not in values:
                raise QCAInputError(f"case {case!r} has no value for {name!r}")


def _crisp_field(raw: str, where: str) -> int:
    if raw.strip() not in ("0", "1"):
        raise QCAInputError(f"{where}: expected 0 or 1, got {raw!r}")
    return int(raw)


def _membership(raw: str, where: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        value = math.nan
    if not 0 <= value <= 1:
        raise QCAInputError(f"{where}: expected a membership from 0 to 1, got {raw!r}")
    return value


def _binary(case: str, column: str, value: object) -> int:
    if isinstance(value, bool) or value in (0, 1):
        return int(value)
    raise QCAInputError(f"case {case!r}, column {column!r}: expected 0 or 1, got {value!r}")


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    return max(",;\t", key=first.count) if any(d in first for d in ",;\t") else ","


def _columns(rows: Sequence[Sequence[str]], left: set[int]) -> list[str]:
    """Aligned text columns: those numbered in `left` left-aligned, the others right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) if i in left else cell.rjust(width)
                     for i, (cell, width) in enumerate(zip(row, widths))).rstrip() for row in rows]


def _bitmap(positions) -> int:
    bitmap = 0
    for position in positions:
        bitmap |= 1 << position
    return bitmap


def _values(code: int, k: int) -> tuple[int, ...]:
    return tuple(code >> (k - 1 - i) & 1 for i in range(k))


def _code(values: Sequence[int]) -> int:
    code = 0
    for value in values:
        code = code << 1 | value
    return code


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0
