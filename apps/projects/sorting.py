"""Natural order for labels: "E2" before "E10". Plain Python, no Django, so that every app
(and the comparison's pure maths, through its callers) sorts pseudonyms, case names and
attribute values alike."""
from __future__ import annotations

import re

_DIGITS = re.compile(r"(\d+)")


def natural_key(label: str) -> tuple:
    """A sort key: runs of digits compare as numbers, the rest without case; the label
    itself breaks ties, so the order is the same whatever order the labels came in."""
    parts = _DIGITS.split(label)  # text, number, text, ...: the same kinds at the same places
    return tuple(int(part) if i % 2 else part.lower() for i, part in enumerate(parts)), label
