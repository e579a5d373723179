"""HTML pages (.html, .htm), read with lxml.html: the visible text only.

Scripts, styles, templates, the head and embedded objects are dropped; markup never
reaches the transcript (a "<script>" in the text of a page stays as the words it shows).
Block elements make paragraphs, <br> a line; whitespace collapses as a browser shows it,
except in <pre>. <b>/<strong> at the start of a paragraph is a speaker name, as in .docx,
and a [time |] speaker | words table becomes labelled turns.
"""
from __future__ import annotations

import re

import lxml.etree
import lxml.html

from ._common import Extracted, ImportRejected, Pieces, decode_text, paragraphs_text, table_paragraphs

_DROP = {"script", "style", "noscript", "template", "head", "title", "svg", "math", "iframe", "object", "embed",
         "canvas", "audio", "video", "select", "button", "input", "textarea"}
_BLOCK = {"p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "h1", "h2", "h3", "h4",
          "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "hr", "address", "figure",
          "figcaption", "details", "summary", "form", "fieldset", "body", "html", "caption", "center"}
_BOLD = {"b", "strong"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_SPACE = re.compile(r"[ \t\n\r\f]+")


def parse(filename: str, data: bytes) -> Extracted:
    declared = _META_CHARSET.search(data[:4096])
    text, encoding, warnings = decode_text(
        filename, data, declared=declared.group(1).decode("ascii") if declared else None
    )
    if not text.strip():
        raise ImportRejected(filename, "the file contains no text")
    try:
        root = lxml.html.document_fromstring(_XML_DECLARATION.sub("", text))
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ImportRejected(filename, f"the HTML could not be read ({exc})") from None
    builder = _Builder()
    builder.walk(root, bold=False, pre=False)
    builder.flush()
    return Extracted(text=paragraphs_text(builder.paragraphs), encoding=encoding, warnings=warnings)


class _Builder:
    def __init__(self):
        self.paragraphs: list[Pieces | str] = []
        self.current: Pieces = []

    def add(self, text: str | None, bold: bool, pre: bool) -> None:
        if text:
            self.current.append((text if pre else _SPACE.sub(" ", text), bold))

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
        self.current = []

    def walk(self, element, *, bold: bool, pre: bool) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else None
        if tag is None or tag in _DROP:
            pass  # comments, processing instructions and dropped elements: only their tail shows
        elif tag == "br":
            self.current.append(("\n", bold))
        elif tag == "table":
            self.flush()
            self.paragraphs.extend(table_paragraphs(self._rows(element)))
        else:
            block = tag in _BLOCK
            inner_bold = bold or tag in _BOLD
            inner_pre = pre or tag == "pre"
            if block:
                self.flush()
            self.add(element.text, inner_bold, inner_pre)
            for child in element:
                self.walk(child, bold=inner_bold, pre=inner_pre)
            if block:
                self.flush()
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
                        inner.walk(child, bold=False, pre=False)
                    inner.flush()
                    cells.append("\n".join(
                        p if isinstance(p, str) else "".join(t for t, _ in p).strip() for p in inner.paragraphs
                    ))
            rows.append(cells)
        return rows
