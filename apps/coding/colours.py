"""Colours for new codes: distinct from the project's other codes, from colour-blind-safe
palettes, with the distance measured in a perceptual colour space. Pure Python, no Django.

The palettes are Okabe and Ito's (2008, "Color Universal Design") and Paul Tol's bright,
muted and light schemes (https://personal.sron.nl/~pault/), which stay apart for the
common colour-vision deficiencies. The distance is the Euclidean distance in OKLab
(Björn Ottosson, 2020), a CIEDE76-style difference in a space whose distances follow
perceived differences better than CIELAB's; 0.02 is about a just-noticeable difference,
and two colours MIN_DISTANCE apart are told apart at a glance. The formula is a dozen
lines, so it is written here rather than taken from a package.
"""
from __future__ import annotations

import math
from collections.abc import Iterable

OKABE_ITO = ["#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7"]
TOL_BRIGHT = ["#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377"]
TOL_MUTED = ["#332288", "#88ccee", "#44aa99", "#117733", "#999933", "#ddcc77", "#cc6677", "#882255", "#aa4499"]
TOL_LIGHT = ["#77aadd", "#ee8866", "#eedd88", "#ffaabb", "#99ddff", "#44bb99", "#bbcc33", "#aaaa00"]
PALETTE = OKABE_ITO + TOL_BRIGHT + TOL_MUTED + TOL_LIGHT  # in the order they are handed out

MIN_DISTANCE = 0.08
"""A new code's colour is at least this far (OKLab) from every other code's, while the
palette has such a colour; past that, the palette colour farthest from all of them."""


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def oklab(colour: str) -> tuple[float, float, float]:
    """OKLab (L, a, b) of an sRGB colour written #rrggbb."""
    r, g, b = (_linear(int(colour[i:i + 2], 16)) for i in (1, 3, 5))
    l_ = math.cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b)
    m_ = math.cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b)
    s_ = math.cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b)
    return (0.2104542553 * l_ + 0.7936177850 * m_ - 0.0040720468 * s_,
            1.9779984951 * l_ - 2.4285922050 * m_ + 0.4505937099 * s_,
            0.0259040371 * l_ + 0.7827717662 * m_ - 0.8086757660 * s_)


def colour_distance(one: str, other: str) -> float:
    """How different two colours look: Euclidean distance in OKLab (0 the same, ~1 black/white)."""
    return math.dist(oklab(one), oklab(other))


def distinct_colour(taken: Iterable[str]) -> str:
    """The first palette colour at least MIN_DISTANCE from every colour `taken`, or, when
    none is left, the palette colour farthest from its nearest taken colour."""
    taken = [c.lower() for c in taken]
    if not taken:
        return PALETTE[0]
    nearest = {c: min(colour_distance(c, t) for t in taken) for c in PALETTE}
    for colour in PALETTE:
        if nearest[colour] >= MIN_DISTANCE:
            return colour
    return max(PALETTE, key=nearest.__getitem__)
