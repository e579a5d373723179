"""Uploaded files -> normalised transcript text and speaker turns, independent of the database.

    parsed = parse_upload("E3.docx", data, max_bytes=settings.TRANSCRIPT_MAX_BYTES)
    parsed.text      # what is stored: normalise_text() of the file's text
    parsed.turns     # TurnSpan(speaker, start, end, meta), code-point offsets into parsed.text
    parsed.labels    # the labels taken as speakers, and those that looked like labels but were not
    parsed.dropped   # what the reader left out: page numbers and headers of a PDF, a page's navigation

The researcher's corrections from the preview come back as `speakers` (SpeakerChoices:
labels rejected, taken, merged) and `whole_page` (keep all of a web page).

The extension chooses the reader, and the content must match it: a file that is empty,
too large, of another type, damaged, encrypted, a zip bomb or without any text raises
ImportRejected, whose `reason` names the file and says why. Nothing else is raised for
bad input. One module per format, each through its field library.
"""
from __future__ import annotations

import os

from apps.transcripts.text import SpeakerChoices

from . import docx, html, odt, pdf, plain, rtf, subtitles
from ._common import Dropped, ImportRejected, ParsedTranscript, finish, human_size

__all__ = ["EXTENSIONS", "Dropped", "ImportRejected", "ParsedTranscript", "parse_upload"]


def _page(filename: str, data: bytes, *, whole_page: bool = False):
    return html.parse(filename, data, whole_page=whole_page)


def _any(parse):
    """A reader without options."""
    return lambda filename, data, *, whole_page=False: parse(filename, data)


# Extension -> (format name, reader).
_READERS = {
    ".txt": ("txt", _any(plain.parse)),
    ".text": ("txt", _any(plain.parse)),
    ".md": ("md", _any(plain.parse)),
    ".markdown": ("md", _any(plain.parse)),
    ".docx": ("docx", _any(docx.parse)),
    ".odt": ("odt", _any(odt.parse)),
    ".rtf": ("rtf", _any(rtf.parse)),
    ".html": ("html", _page),
    ".htm": ("html", _page),
    ".xhtml": ("html", _page),
    ".pdf": ("pdf", _any(pdf.parse)),
    ".vtt": ("vtt", _any(lambda filename, data: subtitles.parse(filename, data, vtt=True))),
    ".srt": ("srt", _any(lambda filename, data: subtitles.parse(filename, data, vtt=False))),
}
EXTENSIONS = tuple(sorted(_READERS))

_KNOWN_OTHERS = {
    ".doc": "an old-style Word 97-2003 document; save it as .docx and upload it again",
    ".pages": "a Pages document; export it as .docx and upload it again",
    ".odf": "an OpenDocument formula, not text",
}


def parse_upload(filename: str, data: bytes, *, max_bytes: int, speakers: SpeakerChoices | None = None,
                 whole_page: bool = False) -> ParsedTranscript:
    """Read one uploaded file into a ParsedTranscript, or raise ImportRejected."""
    name = os.path.basename(filename.replace("\\", "/")) or filename or "(no name)"
    extension = os.path.splitext(name)[1].lower()
    if extension not in _READERS:
        if extension in _KNOWN_OTHERS:
            raise ImportRejected(name, f"this is {_KNOWN_OTHERS[extension]}")
        kind = f"'{extension}' files" if extension else "files without an extension"
        raise ImportRejected(name, f"{kind} cannot be imported; use one of {', '.join(EXTENSIONS)}")
    if len(data) > max_bytes:
        size, limit = human_size(len(data)), human_size(max_bytes)
        raise ImportRejected(name, f"the file is {size}, over the upload limit of {limit}")
    if not data:
        raise ImportRejected(name, "the file is empty (0 bytes)")
    fmt, reader = _READERS[extension]
    return finish(name, fmt, reader(name, data, whole_page=whole_page), speakers=speakers)
