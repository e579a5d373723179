"""Timecodes as transcripts write them ("00:12:04", "12:04", "00:01:02,500" in .srt): one
reading for the subtitle importer and for the recordings' timings (apps/media). Pure."""
from __future__ import annotations


def seconds(stamp: str) -> float | None:
    """"00:12:04" / "12:04" / "1:02:03.5" / "00:01:02,500" in seconds; None for anything else."""
    parts = stamp.strip().replace(",", ".").split(":")
    if not 2 <= len(parts) <= 3:
        return None
    try:
        values = [float(p) for p in parts]
    except ValueError:
        return None
    total = 0.0
    for value in values:
        total = total * 60 + value
    return total
