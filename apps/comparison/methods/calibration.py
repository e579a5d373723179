"""Calibration: raw values into membership scores in a set.

Plain Python, no Django. The direct method of Ragin (2008, Redesigning Social Inquiry,
ch. 5) takes three anchors the researcher chooses from substantive knowledge: the value
of full membership, the crossover (the point of maximum ambiguity, membership 0.5) and
the value of full non-membership. A value's distance from the crossover is turned into
log odds of membership, scaled so that the full-membership anchor has log odds +3 and
the non-membership anchor -3 (memberships 0.953 and 0.047), and the log odds into a
membership by the logistic function. The anchors may run downwards (full membership
below non-membership) for a set such as "poor". R's `calibrate(x, type = "fuzzy",
thresholds = c(e = ..., c = ..., i = ...), logistic = TRUE, idm = plogis(3))` gives the
same scores; R's default `idm = 0.95` puts the anchors at 0.95 instead.

Crisp calibration splits at a threshold: 1 at or above it, 0 below (as the `LC` data of
R's QCA were made from the raw Lipset data).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

LOG_ODDS_AT_ANCHORS = 3.0
"""Ragin's scale: the full-membership anchor is at log odds +3, the non-membership anchor at -3."""


class CalibrationError(ValueError):
    """Anchors or values the calibration cannot use; the message says which."""


@dataclass(frozen=True)
class Anchors:
    """The three anchors of the direct method, in the raw variable's units."""

    full: float
    """Full membership: membership 0.953 (log odds +3)."""
    crossover: float
    """Neither in nor out: membership 0.5."""
    non: float
    """Full non-membership: membership 0.047 (log odds -3)."""

    def __post_init__(self):
        for name in ("full", "crossover", "non"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise CalibrationError(f"the {name} anchor must be a number, got {value!r}")
        if not (self.non < self.crossover < self.full or self.full < self.crossover < self.non):
            raise CalibrationError(f"the crossover ({self.crossover}) must lie strictly between full membership "
                                   f"({self.full}) and full non-membership ({self.non})")

    @property
    def increasing(self) -> bool:
        """Higher raw values mean more membership."""
        return self.full > self.non

    def __str__(self) -> str:
        return f"e={self.full:g}, c={self.crossover:g}, i={self.non:g}"


def direct(value: float, anchors: Anchors) -> float:
    """The membership of one raw value by the direct method (Ragin 2008)."""
    return _logistic(log_odds(value, anchors))


def log_odds(value: float, anchors: Anchors) -> float:
    """The log odds of membership: the deviation from the crossover, scaled by the anchor
    on its side so that the anchors sit at +3 and -3."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise CalibrationError(f"a raw value must be a number, got {value!r}")
    deviation = value - anchors.crossover
    toward_full = (deviation > 0) == anchors.increasing
    anchor = anchors.full if toward_full else anchors.non
    scale = LOG_ODDS_AT_ANCHORS / abs(anchor - anchors.crossover)
    return abs(deviation) * scale * (1 if toward_full else -1)


def calibrate(values: Mapping[str, float], anchors: Anchors) -> dict[str, float]:
    """Every case's membership by the direct method, case -> membership."""
    memberships = {}
    for case, value in values.items():
        try:
            memberships[case] = direct(value, anchors)
        except CalibrationError as error:
            raise CalibrationError(f"case {case!r}: {error}") from None
    return memberships


def crisp(value: float, threshold: float) -> int:
    """1 at or above `threshold`, 0 below."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise CalibrationError(f"a raw value must be a number, got {value!r}")
    return int(value >= threshold)


def _logistic(x: float) -> float:
    """exp(x) / (1 + exp(x)), without overflow for large |x|."""
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    e = math.exp(x)
    return e / (1 + e)
