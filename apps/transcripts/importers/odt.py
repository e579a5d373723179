"""OpenDocument text (.odt), opened with odfpy.

The body is read in document order: paragraphs and headings, lists, sections and tables
(a [time |] speaker | words table becomes labelled turns). Spaces (text:s), tabs and line
breaks are kept; notes, annotations, frames and tracked-change records are left out.
A bold speaker name at the start of a paragraph becomes a "Name:" label, as in .docx.

The archive is checked before odfpy sees it (archive.py): every part must unpack to what
its header says, within the limits, and no XML part may declare a DTD or entities.
"""
from __future__ import annotations

import io
import logging

from odf.namespaces import FONS, OFFICENS, STYLENS, TABLENS, TEXTNS
from odf.opendocument import load

from ._common import Extracted, ImportRejected, Pieces, paragraphs_text, table_paragraphs
from .archive import member_is_xml, open_document, rejected_as

logger = logging.getLogger(__name__)

_MIMETYPE = "application/vnd.oasis.opendocument.text"
_TEXT_NODE = 3
_SKIP = {
    (TEXTNS, "note"), (OFFICENS, "annotation"), (OFFICENS, "annotation-end"), (TEXTNS, "tracked-changes"),
    (TEXTNS, "sequence-decls"), (TEXTNS, "variable-decls"), (TEXTNS, "user-field-decls"), (OFFICENS, "forms"),
    (TEXTNS, "bookmark-ref"), (TEXTNS, "soft-page-break"),
    ("urn:oasis:names:tc:opendocument:xmlns:drawing:1.0", "frame"),
}
_BLOCK_CONTAINERS = {
    (TEXTNS, "list"), (TEXTNS, "list-item"), (TEXTNS, "list-header"), (TEXTNS, "section"),
    (TABLENS, "table-header-rows"), (TABLENS, "table-rows"), (TABLENS, "table-row-group"),
}


def parse(filename: str, data: bytes) -> Extracted:
    kind = "OpenDocument (.odt)"
    archive = open_document(filename, data, kind=kind)
    names = set(archive.names)
    if "content.xml" not in names:
        raise ImportRejected(filename, "this ZIP archive is not an OpenDocument file (it has no content.xml)")
    with rejected_as(filename):
        if "mimetype" in names:
            mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
            if mimetype != _MIMETYPE:
                raise ImportRejected(filename, f"this is not an OpenDocument text document (its type is {mimetype})")
        manifest = "META-INF/manifest.xml"
        if manifest in names and b"encryption-data" in archive.read(manifest):
            raise ImportRejected(filename, "the document is password-protected; remove the password and upload it "
                                           "again")
        archive.verify(is_xml=member_is_xml)
    try:
        document = load(io.BytesIO(data))
        body = document.text
    except Exception as exc:  # odfpy raises parser and key errors on a damaged file
        logger.warning("odfpy could not read %s: %s", filename, exc)
        raise ImportRejected(filename, "the OpenDocument file could not be read; it may be damaged") from None
    bold_styles = _bold_styles(document)
    paragraphs: list[Pieces | str] = []
    _blocks(body, bold_styles, paragraphs)
    return Extracted(text=paragraphs_text(paragraphs))


def _bold_styles(document) -> set[str]:
    """Names of the styles (automatic or not) whose text is bold, following parent styles."""
    styles = {}
    for container in (document.styles, document.automaticstyles):
        for style in container.childNodes:
            if style.qname == (STYLENS, "style"):
                styles[style.attributes.get((STYLENS, "name"))] = style

    def weight(name, seen=()):
        style = styles.get(name)
        if style is None or name in seen:
            return None
        for props in style.childNodes:
            if props.qname == (STYLENS, "text-properties"):
                value = props.attributes.get((FONS, "font-weight"))
                if value:
                    return value
        return weight(style.attributes.get((STYLENS, "parent-style-name")), (*seen, name))

    return {name for name in styles if (weight(name) or "normal") in ("bold", "600", "700", "800", "900")}


def _style(node) -> str | None:
    return node.attributes.get((TEXTNS, "style-name")) if node.nodeType == 1 else None


def _blocks(container, bold_styles: set[str], out: list) -> None:
    for node in container.childNodes:
        if node.nodeType != 1 or node.qname in _SKIP:
            continue
        if node.qname in ((TEXTNS, "p"), (TEXTNS, "h")):
            pieces: Pieces = []
            _inline(node, _style(node) in bold_styles, bold_styles, pieces)
            out.append(pieces)
        elif node.qname == (TABLENS, "table"):
            out.extend(table_paragraphs(_rows(node, bold_styles)))
        elif node.qname in _BLOCK_CONTAINERS:
            _blocks(node, bold_styles, out)


def _rows(table, bold_styles: set[str]) -> list[list[str]]:
    rows = []
    for node in table.childNodes:
        if node.nodeType != 1:
            continue
        if node.qname == (TABLENS, "table-row"):
            cells = []
            for cell in node.childNodes:
                if cell.nodeType == 1 and cell.qname == (TABLENS, "table-cell"):
                    inner: list = []
                    _blocks(cell, bold_styles, inner)
                    cells.append("\n".join(p if isinstance(p, str) else "".join(t for t, _ in p) for p in inner))
            rows.append(cells)
        elif node.qname in _BLOCK_CONTAINERS:
            rows.extend(_rows(node, bold_styles))
    return rows


def _inline(element, bold: bool, bold_styles: set[str], out: Pieces) -> None:
    for node in element.childNodes:
        if node.nodeType == _TEXT_NODE:
            out.append((node.data, bold))
            continue
        if node.nodeType != 1 or node.qname in _SKIP:
            continue
        name = node.qname
        if name == (TEXTNS, "s"):
            out.append((" " * int(node.attributes.get((TEXTNS, "c"), "1") or 1), bold))
        elif name == (TEXTNS, "tab"):
            out.append(("\t", bold))
        elif name == (TEXTNS, "line-break"):
            out.append(("\n", bold))
        else:  # spans, links, fields, ruby, ...
            style = _style(node)
            _inline(node, bold or (style in bold_styles if style else False), bold_styles, out)
