"""Co-occurrence of codes on overlapping segments, counted with numpy: pure maths, no Django.

Two segments of one transcript overlap when one starts inside the other: ranges are
half-open, [start, end), so segments that only touch do not overlap, and a segment
overlaps itself. The cell (a, b) is the number of segments coded a that overlap a segment
coded b, b not a (a segment coded with both counts).

Why not in SQL, as the other aggregates are: the pairs of overlapping segments are found
by a range self-join, which PostgreSQL runs row by row, and at 100x (210,000 segments,
over a million pairs, each joined to its codes on both sides and counted distinct) that
cost 1.5 to 1.8 s however the query was written (see `code_cooccurrence`). Here the same
pairs come from one sort of the coded segments and two binary searches, and the counting
is a few sorts of integer arrays: ~0.3 s at 100x, about what reading the rows costs.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def cooccurrence_counts(segments: Sequence[tuple[int, int, int, int]] | np.ndarray,
                        codings: Sequence[tuple[int, int]] | np.ndarray) -> dict[tuple[int, int], int]:
    """{(code a, code b): segments coded a that overlap a segment coded b}, b not a.

    `segments`: rows (segment id, transcript id, start, end) of the segments that count
    (both segments of a pair must be among them), as tuples or an integer array of four
    columns; `codings`: rows (segment id, code id) likewise,
    at most one per segment and code; codings of segments not in `segments` are ignored.
    Pairs that are never counted are absent. Offsets must be below 2**32.
    """
    seg = np.asarray(segments, dtype=np.int64).reshape(-1, 4)
    cod = np.asarray(codings, dtype=np.int64).reshape(-1, 2)
    if not len(seg) or not len(cod):
        return {}
    # each coding's segment (a row of seg), dropping codings of other segments
    by_id = np.argsort(seg[:, 0], kind="stable")
    found = np.minimum(np.searchsorted(seg[by_id, 0], cod[:, 0]), len(seg) - 1)
    known = seg[by_id[found], 0] == cod[:, 0]
    if not known.any():
        return {}
    coding_row = by_id[found[known]]
    code_ids, code = _dense(cod[known, 1])
    n_codes = len(code_ids)
    # only coded segments can count or be counted: sort them by transcript and start
    rows = np.flatnonzero(np.bincount(coding_row, minlength=len(seg)))
    rows = rows[np.lexsort((seg[rows, 2], seg[rows, 1]))]
    transcript, start, end = seg[rows, 1], seg[rows, 2], seg[rows, 3]
    block = np.concatenate(([0], np.cumsum(transcript[1:] != transcript[:-1]))) << 32
    starts = block | start  # sorted: by transcript, then start
    # each segment x with every segment y that starts inside it (x itself, and ties both ways)
    first = np.searchsorted(starts, starts, "left")
    width = np.searchsorted(starts, block | end, "left") - first
    x = np.repeat(np.arange(len(rows)), width)
    y = _ranges(first, width)
    # the codes of each segment, as slices of one array (segments in the order above)
    position = np.empty(len(seg), dtype=np.int64)
    position[rows] = np.arange(len(rows))
    coding_position = position[coding_row]
    codes_of = code[np.argsort(coding_position, kind="stable")]
    n_of = np.bincount(coding_position, minlength=len(rows))
    first_of = np.cumsum(n_of) - n_of
    # (segment, code of a segment it overlaps), once each: both ways round for each pair
    other = x != y
    s = np.concatenate((x, y[other]))
    o = np.concatenate((y, x[other]))
    reach = np.repeat(s, n_of[o]) * n_codes + codes_of[_ranges(first_of[o], n_of[o])]
    reach = _distinct(reach)
    s, b = reach // n_codes, reach % n_codes
    # each with the segment's own codes: the cells
    a = codes_of[_ranges(first_of[s], n_of[s])]
    b = np.repeat(b, n_of[s])
    cells = a[a != b] * n_codes + b[a != b]
    cells.sort()
    if not len(cells):
        return {}
    bounds = np.flatnonzero(np.concatenate(([True], cells[1:] != cells[:-1], [True])))
    keys, counts = cells[bounds[:-1]], np.diff(bounds)
    return {(int(code_ids[k // n_codes]), int(code_ids[k % n_codes])): int(n) for k, n in zip(keys, counts)}


def _dense(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct values, sorted; each value's index among them). By sorting: numpy's
    own `unique` took 0.7 s on a million integers here."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    new = np.concatenate(([True], ordered[1:] != ordered[:-1]))
    index = np.empty(len(values), dtype=np.int64)
    index[order] = np.cumsum(new) - 1
    return ordered[new], index


def _distinct(values: np.ndarray) -> np.ndarray:
    ordered = np.sort(values)
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))] if len(ordered) else ordered


def _ranges(firsts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The concatenated ranges firsts[i] .. firsts[i] + lengths[i] - 1."""
    total = int(lengths.sum())
    offsets = np.cumsum(lengths) - lengths
    return np.arange(total, dtype=np.int64) + np.repeat(firsts - offsets, lengths)
