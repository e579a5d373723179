"""HTML pages (.html, .htm), read with lxml.html: the visible text of the main content.

Scripts, styles, templates, the head and embedded objects are dropped; markup never
reaches the transcript (a "<script>" in the text of a page stays as the words it shows).
Block elements make paragraphs, <br> a line; whitespace collapses as a browser shows it,
except in <pre>. <b>/<strong> at the start of a paragraph is a speaker name, as in .docx,
and a [time |] speaker | words table becomes labelled turns.

A transcript saved from a website comes with the site around it: navigation, header,
footer, photo captions. trafilatura (a maintained boilerplate remover, the best of the
open-source ones in published comparisons) finds the main content; our own walker still
writes the text, so bold labels, tables and every character stay as they were, and a
paragraph is kept when trafilatura kept its words. A short line of the interview that
the remover thinks too short to matter is kept when it lies between kept paragraphs and
is not in a caption, an aside, a menu or a footer: speech is never dropped silently.
What is dropped is reported (Dropped), and `whole_page` keeps the page as it is.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass

import lxml.etree
import lxml.html

from ._common import Dropped, Extracted, ImportRejected, Pieces, decode_text, paragraphs_text, table_paragraphs

logger = logging.getLogger(__name__)

_DROP = {"script", "style", "noscript", "template", "head", "title", "svg", "math", "iframe", "object", "embed",
         "canvas", "audio", "video", "select", "button", "input", "textarea"}
_BLOCK = {"p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "h1", "h2", "h3", "h4",
          "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "hr", "address", "figure",
          "figcaption", "details", "summary", "form", "fieldset", "body", "html", "caption", "center"}
_BOLD = {"b", "strong"}
# Elements, roles and class names of the page around the content.
_AROUND = {"nav", "header", "footer", "aside", "figure", "figcaption", "form"}
_AROUND_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar"}
_AROUND_CLASS = re.compile(r"caption|credit|share|social|breadcrumb|cookie|related|comment|menu|navbar|sidebar|"
                           r"footer|header|subscribe|newsletter|advert|promo", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_SPACE = re.compile(r"[ \t\n\r\f]+")
_WORD = re.compile(r"\w+")
# How far (in characters of the main content's words) a short paragraph may be found
# from where the previous kept one ended: "Home" of a menu must not match a "home" deep
# in the interview.
NEAR = 80
LONG = 6  # words: a paragraph this long is found wherever it is
EXAMPLES = 100  # dropped paragraphs listed in the preview


def parse(filename: str, data: bytes, *, whole_page: bool = False) -> Extracted:
    declared = _META_CHARSET.search(data[:4096])
    text, encoding, warnings = decode_text(
        filename, data, declared=declared.group(1).decode("ascii") if declared else None
    )
    if not text.strip():
        raise ImportRejected(filename, "the file contains no text")
    source = _XML_DECLARATION.sub("", text)
    try:
        root = lxml.html.document_fromstring(source)
    except (lxml.etree.ParserError, ValueError) as exc:
        logger.warning("lxml could not read %s: %s", filename, exc)
        raise ImportRejected(filename, "the HTML could not be read") from None
    builder = _Builder()
    builder.walk(root, bold=False, pre=False, around=False)
    builder.flush()
    paragraphs, dropped = builder.paragraphs, []
    if not whole_page:
        keep = _main_content(source, builder)
        if keep is not None and not all(keep):
            left_out = [_plain(p) for p, kept in zip(paragraphs, keep) if not kept]
            paragraphs = [p for p, kept in zip(paragraphs, keep) if kept]
            dropped.append(Dropped(
                "paragraphs of the page around the transcript (navigation, header, footer, captions)",
                len(left_out), tuple(_short(t) for t in left_out[:EXAMPLES]), restorable=True))
    return Extracted(text=paragraphs_text(paragraphs), encoding=encoding, warnings=warnings, dropped=dropped)


def _plain(paragraph: Pieces | str) -> str:
    return paragraph if isinstance(paragraph, str) else "".join(t for t, _ in paragraph)


def _short(text: str, limit: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _tokens(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def _main_content(source: str, builder: _Builder) -> list[bool] | None:
    """Which paragraphs are the page's main content, or None when the remover found none
    (then the whole page is kept)."""
    import trafilatura  # imported here: it takes a moment, and only web pages need it

    try:
        main = trafilatura.extract(source, output_format="txt", include_tables=True, include_comments=False,
                                   include_images=False, include_links=False, favor_recall=True,
                                   deduplicate=False, with_metadata=False)
    except Exception:  # a page the remover cannot read is kept whole, as before it existed
        return None
    if not main or not main.strip():
        return None
    stream = " " + " ".join(_tokens(main)) + " "
    pointer = 0
    found: list[bool | None] = []
    for paragraph in builder.paragraphs:
        words = _tokens(_plain(paragraph))
        if not words:
            found.append(None)  # no words ("—", "* * *"): kept inside the content
            continue
        needle = " " + " ".join(words) + " "
        at = stream.find(needle, pointer)
        if at != -1 and (at - pointer <= NEAR or len(words) >= LONG):
            pointer = at + len(needle) - 1
            found.append(True)
        else:
            found.append(False)
    kept = [i for i, f in enumerate(found) if f]
    if not kept:
        return None
    first, last = kept[0], kept[-1]
    return [
        bool(f) or (first < i < last and not flags.around and flags.link_share < 0.5)
        for i, (f, flags) in enumerate(zip(found, builder.flags))
    ]


@dataclass(frozen=True)
class _Flags:
    """Where a paragraph stands: inside the page's furniture, and how much of it is links."""

    around: bool
    link_share: float


class _Builder:
    def __init__(self):
        self.paragraphs: list[Pieces | str] = []
        self.flags: list[_Flags] = []
        self.current: Pieces = []
        self.current_around = False
        self.link_chars = 0
        self.in_link = 0

    def add(self, text: str | None, bold: bool, pre: bool) -> None:
        if text:
            piece = text if pre else _SPACE.sub(" ", text)
            self.current.append((piece, bold))
            if self.in_link:
                self.link_chars += len(piece.strip())

    def flush(self) -> None:
        if any(text.strip() for text, _ in self.current):
            # Spaces around line breaks and at the paragraph's start are layout, not text.
            pieces: Pieces = []
            at_line_start = True
            for text, bold in self.current:
                text = re.sub(r" *\n *", "\n", text)
                if at_line_start:
                    text = text.lstrip(" ")
                if text.startswith("\n") and pieces:
                    pieces[-1] = (pieces[-1][0].rstrip(" "), pieces[-1][1])
                if text:
                    pieces.append((text, bold))
                    at_line_start = text.endswith("\n")
            self.paragraphs.append(pieces)
            total = sum(len(text.strip()) for text, _ in pieces)
            self.flags.append(_Flags(self.current_around, self.link_chars / total if total else 0.0))
        self.current = []
        self.link_chars = 0

    def walk(self, element, *, bold: bool, pre: bool, around: bool) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else None
        if tag is None or tag in _DROP:
            pass  # comments, processing instructions and dropped elements: only their tail shows
        elif tag == "br":
            self.current.append(("\n", bold))
        elif tag == "table":
            self.flush()
            for paragraph in table_paragraphs(self._rows(element)):
                self.paragraphs.append(paragraph)
                self.flags.append(_Flags(around, 0.0))
        else:
            block = tag in _BLOCK
            inner_bold = bold or tag in _BOLD
            inner_pre = pre or tag == "pre"
            inner_around = around or _is_around(element, tag)
            if block:
                self.flush()
                self.current_around = inner_around
            self.in_link += tag == "a"
            self.add(element.text, inner_bold, inner_pre)
            for child in element:
                self.walk(child, bold=inner_bold, pre=inner_pre, around=inner_around)
            self.in_link -= tag == "a"
            if block:
                self.flush()
                self.current_around = around
        self.add(element.tail, bold, pre)

    def _rows(self, table) -> list[list[str]]:
        rows = []
        for row in table.iter("tr"):
            if next((a for a in row.iterancestors("table")), None) is not table:
                continue  # a row of a nested table, read with that table
            cells = []
            for cell in row:
                if isinstance(cell.tag, str) and cell.tag.lower() in ("td", "th"):
                    inner = _Builder()
                    inner.add(cell.text, False, False)
                    for child in cell:
                        inner.walk(child, bold=False, pre=False, around=False)
                    inner.flush()
                    cells.append("\n".join(
                        p if isinstance(p, str) else "".join(t for t, _ in p).strip() for p in inner.paragraphs
                    ))
            rows.append(cells)
        return rows


def _is_around(element, tag: str) -> bool:
    if tag in _AROUND or (element.get("role") or "").lower() in _AROUND_ROLES:
        return True
    return bool(_AROUND_CLASS.search(f"{element.get('class') or ''} {element.get('id') or ''}"))
