"""PDF documents (.pdf), read with pypdf: the text layer only.

A PDF made from a scan has no text layer; it is refused with a hint to run OCR first,
since an empty transcript is of no use. Pages are separated by a blank line; a PDF keeps
no paragraphs, so lines stay lines and speaker labels at line starts make the turns.
"""
from __future__ import annotations

import io

from pypdf import PdfReader
from pypdf.errors import DependencyError

from ._common import Extracted, ImportRejected

_SIGNATURE = b"%PDF-"


def parse(filename: str, data: bytes) -> Extracted:
    if _SIGNATURE not in data[:1024]:
        raise ImportRejected(filename, "this is not a PDF document (it has no %PDF header)")
    warnings: list[str] = []
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except (DependencyError, NotImplementedError):
                opened = 0
            if not opened:
                raise ImportRejected(filename, "the PDF is password-protected; remove the password and upload it again")
        pages = list(reader.pages)
    except ImportRejected:
        raise
    except Exception as exc:  # PdfReadError and, on damaged files, almost any other kind
        raise ImportRejected(filename, f"the PDF could not be read; it may be damaged ({exc})") from None
    texts, empty, failed = [], 0, 0
    for page in pages:
        try:
            text = page.extract_text() or ""
        except Exception:  # pypdf's extraction fails in many ways on odd fonts
            failed += 1
            continue
        if text.strip():
            texts.append(text)
        else:
            empty += 1
    if not texts and failed:
        raise ImportRejected(filename, "the text of the PDF could not be read; it may be damaged")
    if not texts:
        raise ImportRejected(
            filename,
            "the PDF has no text layer (is it a scan?); run text recognition (OCR) on it first, "
            "or upload the transcript as a Word or text file",
        )
    if empty:
        warnings.append(f"{filename}: {empty} of {len(pages)} pages have no text (scanned pages?) and were skipped")
    if failed:
        warnings.append(f"{filename}: the text of {failed} of {len(pages)} pages could not be read")
    return Extracted(text="\n\n".join(texts), warnings=warnings)
