"""HTTP range requests (RFC 9110 §14): browsers seek in a recording by asking for bytes
from the middle of it. One range per request; a request for several is answered with the
whole file, as the RFC allows a server to do."""
from __future__ import annotations

import re

_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


class Unsatisfiable(ValueError):
    """No byte of the range is in the file: 416."""


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive (first, last) byte a Range header asks for, or None for the whole file
    (no header, a header in another unit, several ranges, or one that cannot be parsed)."""
    if not header:
        return None
    match = _RANGE.match(header)
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            raise Unsatisfiable(header)
        return max(0, size - length), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None  # invalid: ignored, the whole file is sent
    if start >= size:
        raise Unsatisfiable(header)
    return start, min(end, size - 1)
