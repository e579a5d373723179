"""Intercoder agreement: how far coders who worked independently coded alike.

Plain Python in, floats out, no Django: the selectors gather the codings, this module
only counts. Every coefficient here is 1 for perfect agreement and 0 for agreement at
the level of chance; below 0 the coders disagree more than chance would make them.

Where chance agreement is itself perfect (every coder used one and the same value, so
nothing was left to disagree on) the chance-corrected coefficients are 0/0. This module
then returns 1.0, the coders having agreed on everything they coded, and says so in
each docstring: a report should show such a number together with its percent agreement.
"""
from __future__ import annotations

import math
import numbers
import operator
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from fractions import Fraction

LEVELS = ("nominal", "ordinal", "interval", "ratio")


def percent_agreement(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """The share of units (0..1) to which two coders gave the same label.

    Not corrected for chance: two coders who label at random from two labels agree on
    about half of the units.
    """
    a, b = _paired(a, b)
    return sum(x == y for x, y in zip(a, b)) / len(a)


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Cohen's kappa (1960): agreement of two coders beyond what their own label
    frequencies would produce by chance, (p_o - p_e) / (1 - p_e).

    1 is perfect agreement, 0 chance level, negative worse than chance. When p_e is 1
    (both coders gave every unit the same single label, so p_o is 1 as well) kappa is
    0/0 and this returns 1.0.
    """
    a, b = _paired(a, b)
    n = len(a)
    agreements = sum(x == y for x, y in zip(a, b))
    counts_a, counts_b = Counter(a), Counter(b)
    chance = sum(count * counts_b[label] for label, count in counts_a.items())
    return _kappa(n, agreements, chance)


def fleiss_kappa(counts: Sequence[Sequence[int]]) -> float:
    """Fleiss' kappa (1971): agreement of a fixed number of raters per subject beyond
    chance, chance taken from how often each category was used overall.

    `counts` has one row per subject and one column per category: how many raters put
    that subject in that category. The raters of one subject need not be those of
    another, but every subject has the same number of them (at least two). 1 is perfect
    agreement, 0 chance level. When every rating falls in one category, chance agreement
    is 1 and this returns 1.0.
    """
    rows = [list(row) for row in counts]
    if not rows:
        raise ValueError("no subjects: counts must have one row per subject")
    categories = len(rows[0])
    raters = None
    for number, row in enumerate(rows, start=1):
        if len(row) != categories:
            raise ValueError(f"subject {number} has {len(row)} categories, subject 1 has {categories}")
        try:
            row[:] = [operator.index(count) for count in row]
        except TypeError:
            raise ValueError(f"subject {number}: counts must be whole numbers, got {row}") from None
        if any(count < 0 for count in row):
            raise ValueError(f"subject {number}: counts must not be negative, got {row}")
        total = sum(row)
        if raters is None:
            raters = total
        elif total != raters:
            raise ValueError(f"every subject needs the same number of raters: subject {number} has {total}, "
                             f"subject 1 has {raters}")
    if raters < 2:
        raise ValueError(f"Fleiss' kappa needs at least two raters per subject, got {raters}")
    subjects = len(rows)
    ratings = subjects * raters
    observed = Fraction(sum(count * count for row in rows for count in row) - ratings, ratings * (raters - 1))
    expected = Fraction(sum(sum(column) ** 2 for column in zip(*rows)), ratings * ratings)
    if expected == 1:
        return 1.0
    return float((observed - expected) / (1 - expected))


def krippendorff_alpha(data: Sequence[Sequence[object]], level: str = "nominal") -> float:
    """Krippendorff's alpha: 1 - observed disagreement / disagreement expected by chance,
    for any number of coders, missing values, and a level of measurement.

    `data` has one list per coder, each with one value per unit; None (or NaN) marks a
    unit the coder did not code. Units with fewer than two values cannot be paired and
    are dropped. `level` picks how unlike two values are: "nominal" (equal or not),
    "ordinal" (by how many values lie between them), "interval" (squared difference) or
    "ratio" (squared difference relative to their sum; values must not be negative).
    Follows the coincidence-matrix formulation of Krippendorff (2011), "Computing
    Krippendorff's Alpha-Reliability". 1 is perfect agreement, 0 chance level. When the
    pairable values are all the same, expected disagreement is 0 and this returns 1.0.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}: use one of {', '.join(LEVELS)}")
    coders = [list(values) for values in data]
    if not coders:
        raise ValueError("no coders: data must have one list of values per coder")
    lengths = sorted({len(values) for values in coders})
    if len(lengths) > 1:
        raise ValueError(f"every coder needs one value per unit (None for missing), got lists of lengths "
                         f"{', '.join(map(str, lengths))}")
    return krippendorff_alpha_counted(Counter(zip(*coders)), level)


def overlap_share(a_start: int, a_end: int, b_start: int, b_end: int) -> float:
    """How much two character ranges [start, end) cover the same text: the length of
    their overlap divided by the length of their union (Jaccard), from 0 (disjoint or
    merely touching) to 1 (identical).
    """
    for start, end in ((a_start, a_end), (b_start, b_end)):
        if not start < end:
            raise ValueError(f"a range must satisfy start < end, got {start}..{end}")
    overlap = max(0, min(a_end, b_end) - max(a_start, b_start))
    return overlap / ((a_end - a_start) + (b_end - b_start) - overlap)


def character_agreement(segments_a: Iterable[tuple[int, int]], segments_b: Iterable[tuple[int, int]],
                        length: int) -> tuple[float, float]:
    """Character-level agreement of two coders on one code in one text (NVivo's coding
    comparison, as documented in NVivo's help): every character is coded or not by each
    coder, and the pair of yes/no sequences is compared, the characters taken as
    independent units. For segment boundaries see `unitized_alpha`.

    `segments_a` and `segments_b` are each coder's (start, end) ranges for the code,
    half-open code-point offsets into a text of `length` characters; a coder's ranges
    may overlap. Returns (percent agreement, Cohen's kappa) over the characters. When
    both coders coded all of the text, or none of it, both are 1.0.
    """
    if isinstance(length, bool) or not isinstance(length, int) or length <= 0:
        raise ValueError(f"length must be a positive number of characters, got {length!r}")
    table = _coded_characters(segments_a, segments_b, length)
    both, only_a, only_b = table[True, True], table[True, False], table[False, True]
    neither = length - both - only_a - only_b
    coded_a, coded_b = both + only_a, both + only_b
    chance = coded_a * coded_b + (length - coded_a) * (length - coded_b)
    return (both + neither) / length, _kappa(length, both + neither, chance)


def fleiss_kappa_counted(rows: Mapping[tuple[int, ...], int]) -> float:
    """Fleiss' kappa for data in which many subjects share a row: `rows` maps a row (the
    number of raters per category, as in `fleiss_kappa`) to how many subjects have it.

    The same number as `fleiss_kappa` over the expanded rows, in time that grows with the
    number of distinct rows: character-level agreement has a subject per character, but
    only a handful of distinct rows.
    """
    if not rows or not any(rows.values()):
        raise ValueError("no subjects: rows must map at least one row to a positive number of subjects")
    categories = raters = None
    subjects = 0
    squares = 0
    columns: list[int] = []
    for row, times in rows.items():
        row = list(row)
        if isinstance(times, bool) or not isinstance(times, int) or times < 0:
            raise ValueError(f"the number of subjects with row {row} must be a whole number >= 0, got {times!r}")
        if categories is None:
            categories, columns = len(row), [0] * len(row)
        elif len(row) != categories:
            raise ValueError(f"row {row} has {len(row)} categories, another has {categories}")
        try:
            row = [operator.index(count) for count in row]
        except TypeError:
            raise ValueError(f"counts must be whole numbers, got {row}") from None
        if any(count < 0 for count in row):
            raise ValueError(f"counts must not be negative, got {row}")
        if raters is None:
            raters = sum(row)
        elif sum(row) != raters:
            raise ValueError(f"every subject needs the same number of raters: {sum(row)} and {raters}")
        subjects += times
        squares += times * sum(count * count for count in row)
        columns = [total + times * count for total, count in zip(columns, row)]
    if raters < 2:
        raise ValueError(f"Fleiss' kappa needs at least two raters per subject, got {raters}")
    ratings = subjects * raters
    observed = Fraction(squares - ratings, ratings * (raters - 1))
    expected = Fraction(sum(total * total for total in columns), ratings * ratings)
    if expected == 1:
        return 1.0
    return float((observed - expected) / (1 - expected))


def krippendorff_alpha_counted(units: Mapping[tuple, int], level: str = "nominal") -> float:
    """Krippendorff's alpha for data in which many units received the same values: `units`
    maps the values of one unit (a tuple, one per coder, None for missing) to how many
    units received them.

    The same number as `krippendorff_alpha` over the expanded data (which counts its
    units and comes here), in time that grows with the number of distinct units (see
    `fleiss_kappa_counted`).
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}: use one of {', '.join(LEVELS)}")
    coincidences: defaultdict[tuple, float] = defaultdict(float)
    totals: Counter = Counter()
    for values, times in units.items():
        if isinstance(times, bool) or not isinstance(times, int) or times < 0:
            raise ValueError(f"the number of units with values {values!r} must be a whole number >= 0, got {times!r}")
        present = [value for value in values if not _is_missing(value)]
        if level in ("interval", "ratio"):
            for value in present:
                if not isinstance(value, numbers.Real):
                    raise ValueError(f"{level} values must be numbers, got {value!r}")
                if level == "ratio" and value < 0:
                    raise ValueError(f"ratio values must not be negative, got {value!r}")
        if len(present) < 2 or times == 0:
            continue
        counts = Counter(present)
        for value, count in counts.items():
            totals[value] += times * count
        for c, count_c in counts.items():
            for k, count_k in counts.items():
                if c != k:
                    coincidences[c, k] += times * count_c * count_k / (len(present) - 1)
    if not totals:
        raise ValueError("no unit has values from two coders, so there is nothing to compare")
    if len(totals) < 2:
        return 1.0
    difference = _difference(level, totals)
    n = sum(totals.values())
    observed = sum(o * difference(c, k) for (c, k), o in coincidences.items())
    expected = sum(totals[c] * totals[k] * difference(c, k) for c in totals for k in totals if c != k)
    return 1 - (n - 1) * observed / expected


def _paired(a: Sequence[Hashable], b: Sequence[Hashable]) -> tuple[list, list]:
    a, b = list(a), list(b)
    if len(a) != len(b):
        raise ValueError(f"the two coders labelled different numbers of units ({len(a)} and {len(b)})")
    if not a:
        raise ValueError("no units to compare")
    return a, b


def _kappa(n: int, agreements: int, chance: int) -> float:
    """Cohen's kappa from whole counts: `agreements` of `n` units agree, and `chance` is
    the sum over labels of both coders' counts multiplied (so p_e = chance / n**2).
    """
    if chance == n * n:
        return 1.0
    return (n * agreements - chance) / (n * n - chance)


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _difference(level: str, totals: Counter):
    """The squared difference delta^2(c, k) of Krippendorff (2011) for one level."""
    if level == "nominal":
        return lambda c, k: 0.0 if c == k else 1.0
    if level == "interval":
        return lambda c, k: float(c - k) ** 2
    if level == "ratio":
        return lambda c, k: 0.0 if c + k == 0 else ((c - k) / (c + k)) ** 2
    try:
        ranked = sorted(totals)
    except TypeError:
        raise ValueError(f"ordinal values must be comparable with each other, got {sorted(map(repr, totals))}") \
            from None
    cumulative, running = {}, 0
    for value in ranked:
        running += totals[value]
        cumulative[value] = running

    def ordinal(c, k):
        low, high = (c, k) if c <= k else (k, c)
        between = cumulative[high] - cumulative[low] + totals[low]
        return float(between - (totals[c] + totals[k]) / 2) ** 2

    return ordinal


def _coded_characters(segments_a: Iterable[tuple[int, int]], segments_b: Iterable[tuple[int, int]],
                      length: int) -> Counter:
    """Characters by (coded by a, coded by b), found by sweeping the range boundaries
    in order, so the cost grows with the number of segments, not with the text.
    """
    deltas: defaultdict[int, list[int]] = defaultdict(lambda: [0, 0])
    for coder, segments in enumerate((segments_a, segments_b)):
        for start, end in segments:
            if not 0 <= start < end <= length:
                raise ValueError(f"segment offsets must satisfy 0 <= start < end <= {length}, got {start}..{end}")
            deltas[start][coder] += 1
            deltas[end][coder] -= 1
    table: Counter = Counter()
    depth_a = depth_b = position = 0
    for boundary in sorted(deltas):
        table[depth_a > 0, depth_b > 0] += boundary - position
        depth_a += deltas[boundary][0]
        depth_b += deltas[boundary][1]
        position = boundary
    table[False, False] += length - position
    return table


def unitized_alpha(codings: Mapping[Hashable, Iterable[tuple[numbers.Real, numbers.Real, Hashable]]],
                   length: numbers.Real) -> float | None:
    """Krippendorff's unitized alpha, uα (Krippendorff, Mathet, Bouvry & Widlöcher 2016,
    "On the reliability of unitizing textual continua: Further developments", Quality &
    Quantity 50: 2347-2364): how reliably coders mark units on a continuum (a text) and
    give them values, measured by the lengths over which their sections coincide, so a
    boundary a few characters off costs a few characters, not a whole unit.

    `codings` maps each coder (at least two) to their units as (start, end, value):
    ranges [start, end) within 0..length that do not overlap each other, each with a
    value (a code, a category; not None). What a coder's units leave uncovered are
    that coder's gaps.

    Observed coincidences: for every ordered pair of coders i != j, every section g of i
    with value c and every section h of j with value k (a gap being a section with the
    value "gap") add the length of g ∩ h to o_ck, divided by m - 1 for m coders.
    Expected coincidences: e_ck = l (o_c o_k - [c = k] S_c) / (l² - S), with l = m ×
    length, o_c the total length of the sections with value c, S_c the sum of their
    squared lengths (a gap is not a unit: it counts its plain length, as a run of
    sections of length 1) and S the sum of all S_c. Then, with the nominal difference
    (two sections agree when they have the same value or are both gaps),
    uα = 1 - (l - Σ o_cc) / (l - Σ e_cc). With units of length 1 and no gaps this is
    Krippendorff's nominal alpha over the positions.

    1 is perfect agreement, 0 chance level. Returns None where uα is 0/0 (the expected
    disagreement is 0: no coder marks anything, or every coder marks the whole continuum
    as one unit of one value), never 1.0.
    """
    if isinstance(length, bool) or not isinstance(length, numbers.Real) or not length > 0:
        raise ValueError(f"length must be a positive number, got {length!r}")
    sections = {coder: _sections(coder, units, length) for coder, units in codings.items()}
    if len(sections) < 2:
        raise ValueError(f"unitized alpha needs at least two coders, got {len(sections)}")
    m = len(sections)
    total = m * Fraction(length)
    observed_agreement = Fraction(0)
    coders = list(sections)
    for i in coders:
        for j in coders:
            if i != j:
                observed_agreement += _same_value_overlap(sections[i], sections[j])
    observed_agreement /= m - 1
    lengths: defaultdict[Hashable, Fraction] = defaultdict(Fraction)
    squares: defaultdict[Hashable, Fraction] = defaultdict(Fraction)
    for coder_sections in sections.values():
        for start, end, value in coder_sections:
            lengths[value] += end - start
            squares[value] += end - start if value is _GAP else (end - start) ** 2
    squares_total = sum(squares.values())
    expected_agreement = total * sum(lengths[c] ** 2 - squares[c] for c in lengths) / (total ** 2 - squares_total)
    expected = total - expected_agreement
    if expected == 0:
        return None
    return float(1 - (total - observed_agreement) / expected)


_GAP = object()
"""The value of a stretch no unit covers."""


def _sections(coder: Hashable, units: Iterable[tuple], length: numbers.Real) -> list[tuple[Fraction, Fraction, object]]:
    """A coder's partition of [0, length): their units and the gaps between them, in order."""
    ordered = []
    for unit in units:
        try:
            start, end, value = unit
        except (TypeError, ValueError):
            raise ValueError(f"coder {coder!r}: a unit is (start, end, value), got {unit!r}") from None
        for offset in (start, end):
            if isinstance(offset, bool) or not isinstance(offset, numbers.Real):
                raise ValueError(f"coder {coder!r}: offsets must be numbers, got {offset!r}")
        if not 0 <= start < end <= length:
            raise ValueError(f"coder {coder!r}: a unit must satisfy 0 <= start < end <= {length}, got {start}..{end}")
        if value is None:
            raise ValueError(f"coder {coder!r}: the unit {start}..{end} has no value")
        ordered.append((Fraction(start), Fraction(end), value))
    ordered.sort(key=lambda unit: unit[0])
    sections, position = [], Fraction(0)
    for start, end, value in ordered:
        if start < position:
            raise ValueError(f"coder {coder!r}: units overlap at {start} (a coder's units must not overlap)")
        if start > position:
            sections.append((position, start, _GAP))
        sections.append((start, end, value))
        position = end
    if position < length:
        sections.append((position, Fraction(length), _GAP))
    return sections


def _same_value_overlap(first: Sequence[tuple], second: Sequence[tuple]) -> Fraction:
    """The total length over which two partitions of the same continuum have the same value."""
    overlap, i, j = Fraction(0), 0, 0
    while i < len(first) and j < len(second):
        start_a, end_a, value_a = first[i]
        start_b, end_b, value_b = second[j]
        if value_a == value_b:
            overlap += max(0, min(end_a, end_b) - max(start_a, start_b))
        if end_a <= end_b:
            i += 1
        else:
            j += 1
    return overlap
