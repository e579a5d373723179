"""PDF documents (.pdf): the text layer, read with its layout.

pypdf opens the file and answers for passwords and damage; pdfplumber reads the words.
pdfplumber (on pdfminer.six) gives every word with its box on the page, and that is what
a transcript exported by a QDA tool or a word processor needs: plain extracted text has
already mixed the page's furniture into the speech. With the boxes,

- a column of paragraph numbers (MAXQDA prints 1, 2, 3 ... beside the text) is a number
  left of the body's left edge: dropped, and a numbered line starts a paragraph;
- page markers ("2/5", "Page 2 of 5", "- 2 -") and running headers and footers are lines
  in the top or bottom band of a page, the markers by their form, the running lines
  because they repeat (digits aside) on most pages: dropped;
- a space is a gap between two words, written as one space, whatever the PDF used to
  make it (a space glyph, a tab, a move of the pen);
- a paragraph is a larger gap between lines (or a numbered line); inside it, a line that
  runs to the right edge wraps into the next with a space, a shorter one ends with a
  line break, so that labels at line starts stay at line starts.

What was dropped is reported (Dropped) for the import preview. A PDF made from a scan has
no text layer; it is refused with a hint to run OCR first.
"""
from __future__ import annotations

import io
import logging
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from pypdf import PdfReader
from pypdf.errors import DependencyError

from ._common import Dropped, Extracted, ImportRejected

logger = logging.getLogger(__name__)

_SIGNATURE = b"%PDF-"
_NUMBER = re.compile(r"\d{1,5}")
_PAGE_MARKER = re.compile(
    r"(?:(?:page|p\.|pag\.|pagina|página|seite|s\.|стр\.?|страница)\s*)?[-–—(\[]?\s*\d{1,4}\s*[-–—)\]]?"
    r"(?:\s*(?:/|of|von|sur|de|van|из)\s*\d{1,4})?",
    re.IGNORECASE,
)
_LABEL_START = re.compile(r"\S[^:\n]{0,80}[:：](?:\s|$)")
BAND = 0.12  # the top and bottom share of a page where headers, footers and markers are
MARGIN = 2.0  # points: how far left of the body a number must end to be in a margin column
FULL_LINE = 0.85  # a line reaching this share of the body's width wraps into the next


@dataclass
class _Line:
    words: list[dict]
    page: int
    top: float
    bottom: float
    numbered: bool = False  # a paragraph number stood before it
    text: str = field(default="", init=False)

    @property
    def x0(self) -> float:
        return self.words[0]["x0"]

    @property
    def x1(self) -> float:
        return self.words[-1]["x1"]


def parse(filename: str, data: bytes) -> Extracted:
    if _SIGNATURE not in data[:1024]:
        raise ImportRejected(filename, "this is not a PDF document (it has no %PDF header)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except (DependencyError, NotImplementedError):
                opened = 0
            if not opened:
                raise ImportRejected(filename, "the PDF is password-protected; remove the password and upload it again")
        n_pages = len(reader.pages)
    except ImportRejected:
        raise
    except Exception as exc:  # PdfReadError and, on damaged files, almost any other kind
        logger.warning("the PDF reader could not read %s: %s", filename, exc)
        raise ImportRejected(filename, "the PDF could not be read; it may be damaged") from None
    pages, sizes, failed = _read_words(filename, data)
    empty = sum(1 for words in pages if not words)
    if not any(pages) and failed:
        raise ImportRejected(filename, "the text of the PDF could not be read; it may be damaged")
    if not any(pages):
        raise ImportRejected(
            filename,
            "the PDF has no text layer (is it a scan?); run text recognition (OCR) on it first, "
            "or upload the transcript as a Word or text file",
        )
    warnings: list[str] = []
    n_pages = max(n_pages, len(pages))
    if empty - failed > 0:
        warnings.append(f"{filename}: {empty - failed} of {n_pages} pages have no text (scanned pages?) "
                        "and were skipped")
    if failed:
        warnings.append(f"{filename}: the text of {failed} of {n_pages} pages could not be read")
    lines = [line for page, words in enumerate(pages) for line in _lines(words, page)]
    dropped: list[Dropped] = []
    lines = _without_margin_numbers(lines, dropped)
    lines = _without_page_furniture(lines, sizes, dropped)
    return Extracted(text=_paragraphs(lines), warnings=warnings, dropped=dropped)


def _read_words(filename: str, data: bytes) -> tuple[list[list[dict]], list[tuple[float, float]], int]:
    """The upright words of each page (with their boxes), each page's (width, height), and
    how many pages could not be read."""
    import pdfplumber  # imported here: it takes a moment, and only PDFs need it

    pages: list[list[dict]] = []
    sizes: list[tuple[float, float]] = []
    failed = 0
    try:
        document = pdfplumber.open(io.BytesIO(data), password="")
    except Exception as exc:  # pdfminer's errors on damaged files are of many kinds
        logger.warning("the PDF reader could not read %s: %s", filename, exc)
        raise ImportRejected(filename, "the PDF could not be read; it may be damaged") from None
    try:
        try:
            page_list = list(document.pages)
        except Exception as exc:
            logger.warning("the PDF reader could not read %s: %s", filename, exc)
            raise ImportRejected(filename, "the PDF could not be read; it may be damaged") from None
        for page in page_list:
            try:
                # A word ends where the gap to the next character is more than 15% of the
                # font size: a space glyph, a tab or a move of the pen all make one space.
                words = page.extract_words(x_tolerance=1.5, x_tolerance_ratio=0.15, y_tolerance=3,
                                           keep_blank_chars=False, use_text_flow=False)
                size = (float(page.width), float(page.height))
            except Exception:  # odd fonts and damaged streams fail in many ways
                failed += 1
                pages.append([])
                sizes.append((0.0, 0.0))
                continue
            pages.append([w for w in words if w.get("upright", True) and w["text"].strip()])
            sizes.append(size)
    finally:
        try:
            document.close()
        except Exception:  # closing a damaged document reads it again, and fails again
            pass
    return pages, sizes, failed


def _lines(words: list[dict], page: int) -> list[_Line]:
    """Words into lines, top to bottom: a word joins the line its vertical middle falls in."""
    lines: list[_Line] = []
    for word in sorted(words, key=lambda w: (w["top"], w["x0"])):
        middle = (word["top"] + word["bottom"]) / 2
        line = next((line for line in reversed(lines[-3:]) if line.top <= middle <= line.bottom), None)
        if line is None:
            lines.append(_Line([word], page, word["top"], word["bottom"]))
        else:
            line.words.append(word)
            line.top, line.bottom = min(line.top, word["top"]), max(line.bottom, word["bottom"])
    for line in lines:
        line.words.sort(key=lambda w: w["x0"])
        line.text = " ".join(w["text"] for w in line.words)
    return lines


def _body_left(lines: list[_Line]) -> float:
    """Where the text of most lines starts, a number before it aside."""
    starts = Counter()
    for line in lines:
        words = line.words
        first = words[1] if _NUMBER.fullmatch(words[0]["text"]) and len(words) > 1 else words[0]
        starts[round(first["x0"])] += 1
    return float(starts.most_common(1)[0][0])


def _without_margin_numbers(lines: list[_Line], dropped: list[Dropped]) -> list[_Line]:
    """Drop the numbers of a paragraph-number column: numbers that end left of the body."""
    if not lines:
        return lines
    left = _body_left(lines)
    kept, numbers = [], []
    for line in lines:
        first = line.words[0]
        if _NUMBER.fullmatch(first["text"]) and first["x1"] < left - MARGIN:
            numbers.append(first["text"])
            if len(line.words) == 1:
                # A number on a line of its own (its baseline a little off the text's): the
                # paragraph it numbers starts on the next line.
                continue
            line.words = line.words[1:]
            line.text = " ".join(w["text"] for w in line.words)
            line.numbered = True
        kept.append(line)
    # A number alone on its line numbers the line after it.
    for before, line in zip(lines, lines[1:]):
        if len(before.words) == 1 and _NUMBER.fullmatch(before.words[0]["text"]) and before not in kept:
            line.numbered = True
    if numbers:
        dropped.append(Dropped("paragraph numbers in the margin", len(numbers), tuple(numbers[:10])))
    return kept


def _usual_gap(lines: list[_Line]) -> float:
    """The usual space between two lines of a paragraph on this document's pages."""
    gaps = [b.top - a.bottom for a, b in zip(lines, lines[1:]) if a.page == b.page and b.top > a.bottom]
    return statistics.median(gaps) if gaps else 0.0


def _without_page_furniture(lines: list[_Line], sizes: list[tuple[float, float]],
                            dropped: list[Dropped]) -> list[_Line]:
    """Drop page markers and running headers and footers: the first or last lines of a
    page, in its top or bottom band, that look like a page number, or that are set apart
    from the text and repeat (digits aside) on most pages."""
    by_page: dict[int, list[_Line]] = {}
    for line in lines:
        by_page.setdefault(line.page, []).append(line)
    usual = _usual_gap(lines)
    candidates: list[_Line] = []
    for page, page_lines in by_page.items():
        height = sizes[page][1] or 1.0
        for top, edge in ((True, page_lines), (False, page_lines[::-1])):
            for i, line in enumerate(edge[:2]):
                if not (line.bottom < height * BAND if top else line.top > height * (1 - BAND)):
                    break
                inner = edge[i + 1] if i + 1 < len(edge) else None  # the next line towards the middle
                gap = (inner.top - line.bottom if top else line.top - inner.bottom) if inner else float("inf")
                apart = gap > usual + 0.5 * (line.bottom - line.top)
                if _PAGE_MARKER.fullmatch(line.text) or apart:
                    candidates.append(line)
                else:
                    break
    # Running lines stand at one height on every page; their page numbers change.
    pattern = {id(line): (re.sub(r"\d+", "#", line.text.casefold()), round(line.top / 4)) for line in candidates}
    pages_with = Counter(pattern[id(line)] for line in candidates)
    pages = len(by_page)
    markers = [line for line in candidates if _PAGE_MARKER.fullmatch(line.text)]
    running = [line for line in candidates if line not in markers and pages >= 2
               and pages_with[pattern[id(line)]] >= max(2, 0.5 * pages) and not _LABEL_START.match(line.text)
               and not line.text.endswith((":", "："))]
    if markers:
        dropped.append(Dropped("page numbers", len(markers), tuple(line.text for line in markers[:10])))
    if running:
        texts = list(dict.fromkeys(line.text for line in running))
        dropped.append(Dropped("running headers and footers", len(running), tuple(texts[:10])))
    gone = {id(line) for line in markers + running}
    return [line for line in lines if id(line) not in gone]


def _paragraphs(lines: list[_Line]) -> str:
    """The lines as text: paragraphs at larger gaps and numbered lines; inside a paragraph,
    a full line wraps into the next with a space, a short one ends with a line break."""
    if not lines:
        return ""
    left = min(line.x0 for line in lines)
    right = max(line.x1 for line in lines)
    full = left + FULL_LINE * (right - left)
    usual_gap = _usual_gap(lines)
    out: list[str] = [lines[0].text]
    for before, line in zip(lines, lines[1:]):
        height = before.bottom - before.top
        if line.page == before.page:
            new_paragraph = line.numbered or line.top - before.bottom > usual_gap + 0.5 * height
        else:  # a page break: the paragraph goes on only if the last line ran to the edge
            new_paragraph = line.numbered or before.x1 < full
        if new_paragraph:
            out.append("\n\n")
        elif before.x1 >= full and not _LABEL_START.match(line.text):
            hyphen = before.text.endswith("-") and before.text[-2:-1].isalpha() and line.text[:1].islower()
            out.append("" if hyphen else " ")
        else:
            out.append("\n")
        out.append(line.text)
    return "".join(out)
