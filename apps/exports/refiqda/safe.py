"""Reading untrusted REFI-QDA files safely.

XML: a DTD is refused with a reason before anything parses the file (REFI-QDA files never
need one), and the file is then parsed by defusedxml with DTDs and entities forbidden as
well, so no entity is ever expanded and no external entity or DTD is ever fetched.
Zip: the archive checks of the transcript importers (apps.transcripts.importers.archive):
entries named outside the archive are refused, and members are inflated as a stream with
hard caps whatever their headers claim; nothing is extracted to disk.
Messages of the libraries go to the log; the user reads a reason.
"""
from __future__ import annotations

import io
import logging
import zipfile
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.core.exceptions import ValidationError

from apps.transcripts.importers.archive import (Archive, ArchiveRefused, Limits, NotAnArchive, xml_declarations,
                                                xml_refusal)

logger = logging.getLogger(__name__)

# A project's members: its project.qde and the plain texts of its sources. 100 MB is far
# more than any interview (a 300-page transcript is about 1 MB) and keeps one upload's
# memory bounded.
QDPX_LIMITS = Limits(total_bytes=500 * 1024 * 1024, member_bytes=100 * 1024 * 1024, members=20_000, ratio=200,
                     ratio_from=1024 * 1024)


class ImportRejected(ValidationError):
    """The file cannot be imported; the message says why. Nothing was stored."""

    def __init__(self, message: str):
        super().__init__({"file": message})
        self.reason = message


def local(tag) -> str:
    """The local name of an element, without its namespace."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def parse_xml(data: bytes, *, what: str) -> Element:
    """The root element of untrusted XML, or ImportRejected with the reason."""
    declared = xml_declarations([data])
    if declared:
        raise ImportRejected(f"{xml_refusal(what, declared)}. Nothing was imported.")
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:  # a DTD that the prolog check did not see
        logger.warning("defusedxml refused %s: %r", what, error)
        raise ImportRejected(f"{xml_refusal(what, 'a DTD or entities')}. Nothing was imported.") from None
    except ParseError as error:
        logger.warning("%s is not well-formed XML: %s", what, error)
        line, column = getattr(error, "position", (0, 0))
        raise ImportRejected(f"{what} is not well-formed XML (the first error is on line {line}, column "
                             f"{column + 1}). Nothing was imported.") from None
    except (ValueError, RecursionError) as error:
        logger.warning("%s could not be parsed: %s", what, error)
        raise ImportRejected(f"{what} could not be read as XML (it is nested too deeply or holds characters XML "
                             "does not allow). Nothing was imported.") from None


class Package:
    """The members of a .qdpx zip, each read as a capped stream."""

    def __init__(self, data: bytes, *, label: str = "The file"):
        self.label = label
        if not data:
            raise ImportRejected(f"{label} is empty.")
        if not zipfile.is_zipfile(io.BytesIO(data)):
            raise ImportRejected(f"{label} is not a REFI-QDA project (.qdpx): it is not a zip archive.")
        try:
            self.archive = Archive(data, limits=QDPX_LIMITS)
        except NotAnArchive:
            raise ImportRejected(f"{label} is a damaged zip archive; export the project again.") from None
        except ArchiveRefused as refusal:
            raise ImportRejected(f"{label} was refused: {refusal.reason}. Nothing was imported.") from None
        self.by_lower = {name.replace("\\", "/").lower(): name for name in self.archive.names}

    def find(self, path: str) -> str | None:
        """The member name for `path`, matched without regard to case or slash direction."""
        return self.by_lower.get(path.replace("\\", "/").lstrip("/").lower())

    def project_member(self) -> str:
        name = self.find("project.qde")
        if name is None:
            qdes = [n for n in self.archive.names if n.lower().endswith(".qde")]
            if len(qdes) == 1:
                return qdes[0]
            raise ImportRejected(f"{self.label} is a zip archive but holds no project.qde, so it is not a REFI-QDA "
                                 "project (.qdpx).")
        return name

    def read(self, name: str) -> bytes:
        info = self.archive.info(name)
        if info.flag_bits & 0x1:
            raise ImportRejected(f"{name} in {self.label} is encrypted; export it again without a password.")
        try:
            return self.archive.read(name)
        except ArchiveRefused as refusal:
            raise ImportRejected(f"{self.label} was refused: {refusal.reason}. Nothing was imported.") from None

