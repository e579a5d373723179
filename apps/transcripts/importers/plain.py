"""Plain text (.txt) and Markdown (.md), in whatever encoding the file was saved.

Markdown is kept as written: it is what the transcriber typed, and "**Anna:**" labels are
recognised by split_turns as they stand.
"""
from __future__ import annotations

from ._common import Extracted, decode_text


def parse(filename: str, data: bytes) -> Extracted:
    text, encoding, warnings = decode_text(filename, data)
    return Extracted(text=text, encoding=encoding, warnings=warnings)
