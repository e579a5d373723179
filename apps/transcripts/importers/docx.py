"""Word documents (.docx), opened with python-docx.

The body is read in document order: paragraphs, tables (a transcript kept as a
[time |] speaker | words table) and content controls. Within a paragraph the text of its
runs is read, including tracked insertions, hyperlinks and fields' shown results, but not
tracked deletions, field codes, footnote marks or text boxes; manual line breaks become
"\\n". A bold speaker name at the start of a paragraph becomes a "Name:" label.
Headers, footers, comments and footnotes are not part of the transcript.

The archive is checked before python-docx sees it (archive.py): every part must unpack to
what its header says, within the limits, and no XML part may declare a DTD or entities.
"""
from __future__ import annotations

import io
import logging

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn

from ._common import Extracted, ImportRejected, Pieces, paragraphs_text, table_paragraphs
from .archive import member_is_xml, open_document, rejected_as

logger = logging.getLogger(__name__)

_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: legacy .doc, or an encrypted .docx
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")

W_P, W_TBL, W_TR, W_TC = (qn(t) for t in ("w:p", "w:tbl", "w:tr", "w:tc"))
W_SDT, W_SDT_CONTENT = qn("w:sdt"), qn("w:sdtContent")
W_R, W_T, W_TAB, W_BR, W_CR, W_NB_HYPHEN = (qn(t) for t in ("w:r", "w:t", "w:tab", "w:br", "w:cr", "w:noBreakHyphen"))
W_RPR, W_B, W_RSTYLE, W_VAL = qn("w:rPr"), qn("w:b"), qn("w:rStyle"), qn("w:val")
W_CUSTOM_XML = qn("w:customXml")
# Inside a paragraph: what is not the shown text of the transcript.
_SKIP = {qn(t) for t in ("w:pPr", "w:del", "w:moveFrom", "w:commentRangeStart", "w:commentRangeEnd", "w:sdtPr")}
_SKIP.add("{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent")
_FALSE = {"0", "false", "off"}


def parse(filename: str, data: bytes) -> Extracted:
    if data.startswith(_CFB):
        if _ENCRYPTION_INFO in data:
            raise ImportRejected(
                filename, "the Word file is password-protected; remove the password and upload it again"
            )
        raise ImportRejected(
            filename,
            "this is an old-style Word 97-2003 document (.doc), not .docx; save it as .docx and upload it again",
        )
    archive = open_document(filename, data, kind="Word (.docx)")
    if "word/document.xml" not in archive.names:
        raise ImportRejected(filename, "this ZIP archive is not a Word document (it has no word/document.xml)")
    with rejected_as(filename):
        archive.verify(is_xml=member_is_xml)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds on a damaged package
        logger.warning("python-docx could not read %s: %s", filename, exc)
        raise ImportRejected(filename, "the Word file could not be read; it may be damaged") from None
    bold_styles = _bold_character_styles(document)
    paragraphs: list[Pieces | str] = []
    _blocks(document.element.body, bold_styles, paragraphs)
    return Extracted(text=paragraphs_text(paragraphs))


def _bold_character_styles(document) -> set[str]:
    bold = set()
    for style in document.styles:
        if style.type != WD_STYLE_TYPE.CHARACTER:
            continue
        current, seen = style, set()
        while current is not None and current.style_id not in seen:
            seen.add(current.style_id)
            if current.font.bold is not None:
                if current.font.bold:
                    bold.add(style.style_id)
                break
            current = current.base_style
    return bold


def _blocks(container, bold_styles: set[str], out: list) -> None:
    for child in container.iterchildren():
        if child.tag == W_P:
            out.append(_pieces(child, bold_styles))
        elif child.tag == W_TBL:
            rows = []
            for tr in child.iterchildren(W_TR):
                cells = []
                for tc in tr.iter(W_TC):
                    if tc.getparent() is not tr and tc.getparent().tag != W_SDT_CONTENT:
                        continue  # a cell of a nested table, read with its own table
                    inner: list = []
                    _blocks(tc, bold_styles, inner)
                    cells.append("\n".join(p if isinstance(p, str) else "".join(t for t, _ in p) for p in inner))
                rows.append(cells)
            out.extend(table_paragraphs(rows))
        elif child.tag in (W_SDT, W_SDT_CONTENT, W_CUSTOM_XML):
            _blocks(child.find(W_SDT_CONTENT) if child.tag == W_SDT else child, bold_styles, out)


def _run_bold(run, bold_styles: set[str]) -> bool:
    rpr = run.find(W_RPR)
    if rpr is None:
        return False
    b = rpr.find(W_B)
    if b is not None:
        return b.get(W_VAL, "true").lower() not in _FALSE
    style = rpr.find(W_RSTYLE)
    return style is not None and style.get(W_VAL) in bold_styles


def _pieces(element, bold_styles: set[str]) -> Pieces:
    pieces: Pieces = []
    for child in element.iterchildren():
        if child.tag in _SKIP or not isinstance(child.tag, str):
            continue
        if child.tag == W_R:
            bold = _run_bold(child, bold_styles)
            for item in child.iterchildren():
                if item.tag == W_T:
                    pieces.append((item.text or "", bold))
                elif item.tag == W_TAB:
                    pieces.append(("\t", bold))
                elif item.tag in (W_BR, W_CR):
                    pieces.append(("\n", bold))
                elif item.tag == W_NB_HYPHEN:
                    pieces.append(("-", bold))
        else:  # hyperlinks, tracked insertions, smart tags, fields, inline content controls
            pieces.extend(_pieces(child, bold_styles))
    return pieces
