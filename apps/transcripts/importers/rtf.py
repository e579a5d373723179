r"""Rich Text Format (.rtf), read with striprtf.

striprtf follows the file's code page (\ansicpg, font charsets) and \u escapes. A paragraph
(\par) becomes a paragraph of the transcript (a blank line), a manual line break (\line)
a line. Formatting, bold included, is not kept: speaker names need their colon here.
"""
from __future__ import annotations

import codecs
import logging
import re

from striprtf.striprtf import rtf_to_text

from ._common import Extracted, ImportRejected

logger = logging.getLogger(__name__)

_SIGNATURE = re.compile(rb"\s*(?:\xef\xbb\xbf)?\{\\rtf")
_CODEPAGE = re.compile(rb"\\ansicpg(\d+)")
# \line (not \linex, \linebetcol, ...) -> U+2028, which normalise_text turns into "\n", so
# that every "\n" striprtf writes can stand for a paragraph.
_LINE = re.compile(r"\\line(?![a-zA-Z0-9])-?\d* ?")


def parse(filename: str, data: bytes) -> Extracted:
    if not _SIGNATURE.match(data):
        raise ImportRejected(filename, "this is not an RTF document (it does not start with {\\rtf)")
    codepage = "cp1252"
    found = _CODEPAGE.search(data[:8192])
    if found:
        try:
            codepage = codecs.lookup(f"cp{int(found.group(1))}").name
        except LookupError:
            pass
    # RTF is 7-bit text with escapes; stray 8-bit bytes are in the document's code page.
    source = data.decode(codepage, errors="replace")
    source = _LINE.sub(r"\\u8232?", source)
    try:
        text = rtf_to_text(source, encoding=codepage, errors="replace")
    except Exception as exc:  # striprtf raises on malformed groups and escapes
        logger.warning("striprtf could not read %s: %s", filename, exc)
        raise ImportRejected(filename, "the RTF document could not be read; it may be damaged") from None
    text = text.replace("\n", "\n\n")
    return Extracted(text=text, encoding=codepage)
