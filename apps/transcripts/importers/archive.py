"""Reading untrusted zip containers (.docx, .odt, .qdpx) and the XML inside them.

Sizes: a zip's directory says how large each member unpacks, and a hostile file can
understate it. zipfile then inflates the whole member in one call before its checksum
fails (a 1.1 MB .docx whose header understated document.xml made the server hold 2.2 GB).
So no declared size is trusted here: members are inflated as a stream, one chunk at a
time, counting the bytes, and refused as soon as they pass the cap or compress better
than any document does. Only an archive whose members really unpack to what their
headers say is handed to a format library (python-docx, odfpy), whose own reading is then
bounded by those sizes.

Names: an entry named "../x" or "/etc/x" is refused. Nothing is ever extracted to disk,
but such a name has no honest purpose in a document or a project file.

XML: a DTD (<!DOCTYPE ...>) is refused before any library parses the XML. No Word,
OpenDocument or REFI-QDA file needs one, and a DTD is how entity expansion ("billion
laughs") and external entities (reading files of the server) get in; the libraries would
otherwise drop an external entity silently or fail with a message of their own.

Every reason here is a clause for people ("the archive would unpack to ..."); the caller
puts the file's name in front. Messages of the libraries go to the log, never to users.
"""
from __future__ import annotations

import copy
import io
import logging
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from xml.parsers import expat

from ._common import ImportRejected, human_size

logger = logging.getLogger(__name__)

CHUNK_BYTES = 1024 * 1024
# What a stream read may declare as the member's size: large enough that zipfile never
# stops on the header's word, so the real size is what is counted.
_UNBOUNDED = 1 << 62
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
_METHOD_NAMES = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA", 9: "Deflate64"}
_DRIVE = re.compile(r"^[A-Za-z]:")
_LIBRARY_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError)


class ArchiveRefused(ValueError):
    """The container cannot be read safely; `reason` says why, as a clause for people."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class NotAnArchive(ArchiveRefused):
    """The bytes are not a zip archive that can be opened at all."""


@dataclass(frozen=True)
class Limits:
    """What one container may hold. A ratio (unpacked / packed) above `ratio` counts as a
    zip bomb once a member unpacks to more than `ratio_from` bytes; text compresses about
    10:1, a page of spaces 1000:1."""

    total_bytes: int
    member_bytes: int
    members: int
    ratio: int
    ratio_from: int


# A .docx or .odt is refused when it would unpack to more than this, or compresses better
# than this ratio. Real transcripts are text and images: a 300-page interview unpacks to a
# few MB at a ratio of about 10.
DOCUMENT_LIMITS = Limits(total_bytes=200 * 1024 * 1024, member_bytes=200 * 1024 * 1024, members=10_000, ratio=100,
                         ratio_from=2 * 1024 * 1024)


def unsafe_name(name: str) -> bool:
    """Whether an entry name climbs out of the archive ("..") or is absolute ("/x", "C:x")."""
    path = name.replace("\\", "/")
    return path.startswith("/") or bool(_DRIVE.match(path)) or ".." in path.split("/")


class Archive:
    """A zip container checked from its directory; members read with hard caps.

    Raises ArchiveRefused for an archive that cannot be opened, holds too many parts, has
    an entry named outside itself, is encrypted, uses a compression method other than
    stored or deflate, or declares sizes over the limits.
    """

    def __init__(self, data: bytes, *, limits: Limits):
        self.limits = limits
        self.packed_bytes = len(data)
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            self.infos = self.zip.infolist()
        except (zipfile.LargeZipFile, *_LIBRARY_ERRORS) as error:
            logger.warning("unreadable zip archive: %s", error)
            raise NotAnArchive("it is not a readable ZIP archive") from None
        if len(self.infos) > limits.members:
            raise ArchiveRefused(f"the archive holds {len(self.infos):,} parts, more than the {limits.members:,} "
                                 "read at most")
        for info in self.infos:
            if unsafe_name(info.filename):
                raise ArchiveRefused(f"the archive holds a part named '{info.filename}', a path outside the "
                                     "archive (with '..' or from the root); such files are refused")
        self.files = [info for info in self.infos if not info.is_dir()]
        self.names = [info.filename for info in self.files]
        self.total_read = 0
        self._check_declared()

    @property
    def encrypted(self) -> bool:
        return any(info.flag_bits & 0x1 for info in self.files)

    def _check_declared(self) -> None:
        """Refuse what the directory itself admits to: too large, too compressed, unknown
        methods. The real sizes are checked again while reading."""
        limits = self.limits
        for info in self.files:
            if info.compress_type not in _METHODS:
                method = _METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
                raise ArchiveRefused(f"its part {info.filename} is compressed with {method}, which Casecoder does "
                                     "not read")
        total = sum(info.file_size for info in self.files)
        if total > limits.total_bytes:
            raise ArchiveRefused(f"the archive would unpack to {human_size(total)}, over the limit of "
                                 f"{human_size(limits.total_bytes)}")
        packed = sum(info.compress_size for info in self.files)
        for size, packed_size in [(info.file_size, info.compress_size) for info in self.files] + [(total, packed)]:
            if size > limits.ratio_from and size > limits.ratio * max(packed_size, 1):
                raise ArchiveRefused(f"the archive is compressed {size // max(packed_size, 1)}:1, more than "
                                     f"{limits.ratio}:1; refused as a possible zip bomb")

    def info(self, name: str) -> zipfile.ZipInfo:
        return self.zip.getinfo(name)

    def stream(self, name_or_info: str | zipfile.ZipInfo) -> Iterator[bytes]:
        """The member's bytes in chunks, whatever its header says: refused as soon as it
        passes the member cap, the total cap or the compression ratio, and at the end if
        its real size or checksum is not the header's."""
        info = name_or_info if isinstance(name_or_info, zipfile.ZipInfo) else self.zip.getinfo(name_or_info)
        if info.flag_bits & 0x1:
            raise ArchiveRefused(f"its part {info.filename} is encrypted")
        limits = self.limits
        packed = max(1, min(info.compress_size, self.packed_bytes))
        cap = min(limits.member_bytes, max(limits.ratio_from, limits.ratio * packed))
        probe = copy.copy(info)
        probe.file_size = _UNBOUNDED
        size = 0
        with self._member(probe) as member:
            while chunk := self._chunk(member, info):
                size += len(chunk)
                self.total_read += len(chunk)
                if size > cap:
                    raise ArchiveRefused(self._too_large(info, cap))
                if self.total_read > limits.total_bytes:
                    raise ArchiveRefused(f"the archive unpacks to more than {human_size(limits.total_bytes)}, "
                                         "the most that is read; refused as a possible zip bomb")
                yield chunk
        if size != info.file_size:
            raise ArchiveRefused(f"the archive is damaged or forged: its part {info.filename} unpacks to "
                                 f"{human_size(size)}, but its header says {human_size(info.file_size)}")

    def _member(self, probe: zipfile.ZipInfo):
        try:
            return self.zip.open(probe)
        except _LIBRARY_ERRORS as error:
            raise self._damaged(probe, error) from None

    def _chunk(self, member, info: zipfile.ZipInfo) -> bytes:
        try:
            return member.read(CHUNK_BYTES)
        except _LIBRARY_ERRORS as error:
            raise self._damaged(info, error) from None

    @staticmethod
    def _damaged(info: zipfile.ZipInfo, error: Exception) -> ArchiveRefused:
        logger.warning("zip member %s cannot be unpacked: %s", info.filename, error)
        return ArchiveRefused(f"the archive is damaged: its part {info.filename} cannot be unpacked")

    def _too_large(self, info: zipfile.ZipInfo, cap: int) -> str:
        if cap < self.limits.member_bytes:
            return (f"its part {info.filename} unpacks to more than {human_size(cap)} from "
                    f"{human_size(info.compress_size)}, more than {self.limits.ratio}:1; refused as a possible "
                    "zip bomb")
        return (f"its part {info.filename} unpacks to more than {human_size(cap)}, the most that is read "
                f"(its header says {human_size(info.file_size)}); refused as a possible zip bomb")

    def read(self, name: str) -> bytes:
        """One member, read with the caps of stream(); joined only once it is all there, so a
        member refused on the way never costs more than the cap."""
        return b"".join(list(self.stream(name)))

    def verify(self, *, is_xml: Callable[[str], bool]) -> None:
        """Unpack every member once, keeping nothing, to prove that each unpacks to what
        its header says within the caps; XML members (`is_xml(name)`) must not declare a
        DTD. After this, a library that trusts the headers reads a bounded amount."""
        for info in self.files:
            chunks = self.stream(info)
            if is_xml(info.filename):
                declared = xml_declarations(chunks)
                if declared:
                    raise ArchiveRefused(xml_refusal(f"its part {info.filename}", declared))
            for _ in chunks:
                pass
        self.total_read = 0  # every member was counted against its own header, which the total limit bounds


# ---------------------------------------------------------------------------------------
# Word and OpenDocument files: ImportRejected(filename, why), as every importer raises


def open_document(filename: str, data: bytes, *, kind: str) -> Archive:
    """The archive of a .docx or .odt, checked from its directory; not yet verified."""
    try:
        archive = Archive(data, limits=DOCUMENT_LIMITS)
    except NotAnArchive as refusal:
        raise ImportRejected(filename, f"this is not a valid {kind} file: {refusal.reason}") from None
    except ArchiveRefused as refusal:
        raise ImportRejected(filename, refusal.reason) from None
    if archive.encrypted:
        raise ImportRejected(filename, f"the {kind} file is encrypted; remove the password and upload it again")
    return archive


@contextmanager
def rejected_as(filename: str):
    """Turns an ArchiveRefused inside the block into the importers' ImportRejected."""
    try:
        yield
    except ArchiveRefused as refusal:
        raise ImportRejected(filename, refusal.reason) from None


# ---------------------------------------------------------------------------------------
# XML: the prolog, before the root element, is where a DTD and its entities are declared

EXTERNAL_ENTITIES = "external entities"
ENTITIES = "entities"
DTD = "a DTD (<!DOCTYPE>)"
_HEAD_BYTES = 64 * 1024
_DOCTYPE_MARKS = [mark.encode(codec) for mark in ("<!doctype", "<!entity") for codec in
                  ("ascii", "utf-16-le", "utf-16-be")]


class _PrologRead(Exception):
    """The prolog is over: the root element (or the end of the DTD) was reached."""


def xml_declarations(chunks: Iterable[bytes]) -> str | None:
    """What an XML document declares before its root element: EXTERNAL_ENTITIES, ENTITIES,
    DTD, or None for a document without a DTD. Reads only as far as the root element.

    A prolog that expat cannot read (an encoding it does not know, broken bytes) is
    searched for "<!DOCTYPE" and "<!ENTITY" as bytes, so that a library that knows more
    encodings than expat does not meet a DTD unchecked.
    """
    found: set[str] = set()
    parser = expat.ParserCreate()

    def doctype(name, system_id, public_id, has_internal_subset):
        found.add(DTD)
        if system_id or public_id:
            found.add(EXTERNAL_ENTITIES)

    def entity(name, is_parameter_entity, value, base, system_id, public_id, notation_name):
        found.add(ENTITIES)
        if system_id or public_id:
            found.add(EXTERNAL_ENTITIES)

    def stop(*args):
        raise _PrologRead

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.EndDoctypeDeclHandler = stop
    parser.StartElementHandler = stop
    head = b""
    try:
        for chunk in chunks:
            if len(head) < _HEAD_BYTES:
                head += chunk[:_HEAD_BYTES - len(head)]
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _PrologRead:
        pass
    except (expat.ExpatError, ValueError) as error:  # ValueError: a multi-byte encoding expat cannot read
        if not found and any(mark in head.lower() for mark in _DOCTYPE_MARKS):
            found.add(DTD)
        logger.info("XML prolog not read by expat (%s); the format's parser decides", error)
    for kind in (EXTERNAL_ENTITIES, ENTITIES, DTD):
        if kind in found:
            return kind
    return None


def xml_refusal(what: str, declared: str) -> str:
    """The reason for refusing XML that declares `declared` (see xml_declarations)."""
    return (f"{what} declares {declared}, which Casecoder does not read (a file that declares a DTD or entities is "
            "refused: entities can expand without end or read files of the server)")


def member_is_xml(name: str) -> bool:
    """The members of .docx and .odt packages that their libraries parse as XML."""
    return posixpath.basename(name).lower().endswith((".xml", ".rels"))
