"""Reading untrusted REFI-QDA files safely.

XML: parsed by defusedxml with DTDs forbidden, so no entity expansion ("billion laughs")
and no external entity or DTD is ever fetched; REFI-QDA files never need a DTD.
Zip: members are read into memory with a cap on each and on the total, whatever their
headers claim (a zip bomb stops at the cap); nothing is extracted to disk, so member
names such as "../../etc/passwd" lead nowhere.
"""
from __future__ import annotations

import io
import zipfile
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.core.exceptions import ValidationError

MAX_MEMBERS = 20_000
MAX_MEMBER_BYTES = 200 * 1024 * 1024
MAX_TOTAL_BYTES = 500 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, for members above 1 MiB


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
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise ImportRejected(
            f"{what} declares a DTD or entities ({type(error).__name__}); REFI-QDA files never need them, so it "
            "was not read (entity expansion and external entities are refused).") from error
    except ParseError as error:
        raise ImportRejected(f"{what} is not well-formed XML: {error}.") from error
    except (ValueError, RecursionError) as error:
        raise ImportRejected(f"{what} could not be read as XML: {error}.") from error


class Package:
    """The members of a .qdpx zip, read lazily with size caps."""

    def __init__(self, data: bytes, *, label: str = "The file"):
        self.label = label
        if not data:
            raise ImportRejected(f"{label} is empty.")
        if not zipfile.is_zipfile(io.BytesIO(data)):
            raise ImportRejected(f"{label} is not a REFI-QDA project (.qdpx): it is not a zip archive.")
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as error:
            raise ImportRejected(f"{label} is a damaged zip archive: {error}.") from error
        if len(infos) > MAX_MEMBERS:
            raise ImportRejected(f"{label} holds {len(infos)} files; at most {MAX_MEMBERS} are read.")
        self.infos = {info.filename: info for info in infos if not info.is_dir()}
        self.by_lower = {name.replace("\\", "/").lower(): name for name in self.infos}
        self.total = 0

    def find(self, path: str) -> str | None:
        """The member name for `path`, matched without regard to case or slash direction."""
        return self.by_lower.get(path.replace("\\", "/").lstrip("/").lower())

    def project_member(self) -> str:
        name = self.find("project.qde")
        if name is None:
            qdes = [n for n in self.infos if n.lower().endswith(".qde")]
            if len(qdes) == 1:
                return qdes[0]
            raise ImportRejected(f"{self.label} is a zip archive but holds no project.qde, so it is not a REFI-QDA "
                                 "project (.qdpx).")
        return name

    def read(self, name: str) -> bytes:
        info = self.infos[name]
        if info.flag_bits & 0x1:
            raise ImportRejected(f"{name} in {self.label} is encrypted; export it again without a password.")
        if info.file_size > MAX_MEMBER_BYTES or (
                info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(1, info.compress_size)):
            raise ImportRejected(f"{name} in {self.label} unpacks to {info.file_size:,} bytes from "
                                 f"{info.compress_size:,}: refused as a possible zip bomb.")
        try:
            with self.zip.open(info) as stream:
                data = stream.read(MAX_MEMBER_BYTES + 1)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as error:
            raise ImportRejected(f"{name} in {self.label} cannot be unpacked: {error}.") from error
        self.total += len(data)
        if len(data) > MAX_MEMBER_BYTES or self.total > MAX_TOTAL_BYTES:
            raise ImportRejected(f"{self.label} unpacks to more than the "
                                 f"{(MAX_MEMBER_BYTES if len(data) > MAX_MEMBER_BYTES else MAX_TOTAL_BYTES):,} "
                                 "bytes read at most: refused as a possible zip bomb.")
        return data
