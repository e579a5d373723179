"""What every importer shares: the result type, the rejection, decoding, and turning
formatted paragraphs (bold speaker names, table rows) into transcript text."""
from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from charset_normalizer import from_bytes

from apps.transcripts.text import (
    ROLES,
    TIMESTAMP,
    LabelReport,
    Replacement,
    SpeakerChoices,
    TurnSpan,
    checksum,
    detect_speakers,
    label_key,
    normalise_text,
    pseudonymise_turns,
    speaker_label_ok,
    speaker_turns,
)

# Share of control characters above which decoded "text" is taken for binary data.
MAX_CONTROL_SHARE = 0.01


class ImportRejected(ValueError):
    """An upload that cannot become a transcript; `reason` names the file and says why."""

    def __init__(self, filename: str, why: str):
        self.filename = filename
        self.reason = f"{filename}: {why}"
        super().__init__(self.reason)


@dataclass(frozen=True)
class Dropped:
    """Text a reader left out of the transcript, for the import preview: what it was, how
    many pieces, a few examples. `restorable`: the user can ask for the whole file instead."""

    what: str
    count: int
    examples: tuple[str, ...] = ()
    restorable: bool = False


@dataclass(frozen=True)
class ParsedTranscript:
    """An imported file: the stored text (normalised) and its turns, which index into it.

    `labels` says which labels were taken as speakers and which looked like labels but were
    not (text.detect_speakers); `dropped` what the reader left out (page furniture of a PDF,
    the navigation of a web page).
    """

    text: str
    turns: list[TurnSpan]
    format: str
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)
    labels: list[LabelReport] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)

    @property
    def checksum(self) -> str:
        return checksum(self.text)

    def pseudonymised(self, mapping: Sequence[tuple[str, str]]) -> tuple[ParsedTranscript, list[Replacement]]:
        """The same transcript with real names replaced; turns move with the text."""
        text, turns, replacements = pseudonymise_turns(self.text, self.turns, mapping)
        return replace(self, text=text, turns=turns), replacements


@dataclass
class Extracted:
    """What a format module hands back: raw text, to be normalised, and what it learnt.

    A format that knows its turns (subtitles) gives them, with a text that is already
    normalised; the others leave `turns` as None and the text is split by detect_speakers.
    """

    text: str
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)
    turns: list[TurnSpan] | None = None
    dropped: list[Dropped] = field(default_factory=list)


# Control characters other than tab and the line ends normalise_text unifies: they have no
# place in a transcript, and PostgreSQL cannot store NUL in text.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")


def finish(filename: str, fmt: str, extracted: Extracted, *, speakers: SpeakerChoices | None = None) -> ParsedTranscript:
    """Clean, normalise and split the extracted text; refuse a file with no text in it.

    `speakers` are the researcher's corrections from the preview: applied by
    detect_speakers; for a format that knows its turns (subtitles), only the merges apply.
    """
    warnings = list(extracted.warnings)
    raw = extracted.text
    choices = speakers or SpeakerChoices()
    has_control = _CONTROL.search(raw) is not None  # a search first: sub copies even a clean text
    if extracted.turns is not None and not has_control and normalise_text(raw) == raw:
        text, turns = raw, _merged(extracted.turns, choices)
        labels = [LabelReport(label=row.speaker, taken=True, why="a speaker named in the file", count=row.paragraphs,
                              turns=row.turns, paragraphs=row.paragraphs, sample=row.sample, speaker=row.speaker)
                  for row in speaker_turns(text, turns)]
    else:
        text = normalise_text(_CONTROL.sub("", raw) if has_control else raw)
        detection = detect_speakers(text, choices)
        turns, labels = detection.turns, detection.labels
    if not text.strip():
        raise ImportRejected(filename, "the file contains no text")
    if "\ufffd" in text:
        warnings.append(
            f"{filename}: some characters could not be decoded and show as \ufffd; check the text"
        )
    if turns and not any(turn.speaker for turn in turns):
        warnings.append(
            f"{filename}: no speaker labels found (such as 'Interviewer:' or 'E3:'); "
            "the text is imported without speakers"
        )
    return ParsedTranscript(text=text, turns=turns, format=fmt, encoding=extracted.encoding, warnings=warnings,
                            labels=labels, dropped=list(extracted.dropped))


def _merged(turns: list[TurnSpan], choices: SpeakerChoices) -> list[TurnSpan]:
    merges = dict(choices.merge)
    if not merges:
        return turns
    return [replace(turn, speaker=merges.get(label_key(turn.speaker), turn.speaker)) for turn in turns]


# ---------------------------------------------------------------------------------------
# Decoding text of unknown encoding

_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]

# Signatures of binary formats someone may upload under a text extension, with a hint.
_MAGIC = [
    (b"%PDF-", "a PDF document; upload it with the .pdf extension"),
    (b"PK\x03\x04", "a ZIP archive (a .docx or .odt saved under another extension?)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Microsoft Office file (.doc); save it as .docx"),
    (b"{\\rtf", "an RTF document; upload it with the .rtf extension"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"),
    (b"ID3", "an audio file"),
    (b"OggS", "an audio or video file"),
    (b"fLaC", "an audio file"),
    (b"RIFF", "an audio or video file"),
]

# When two encodings fit the bytes equally well, the one more likely in this project wins
# (Western and Cyrillic Windows code pages first: interviews in English, Russian, ...).
_PREFERRED = [
    "utf_8", "cp1252", "cp1251", "latin_1", "iso8859_15", "cp1250", "iso8859_2",
    "koi8_r", "cp866", "iso8859_5", "mac_cyrillic",
]


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\x0b\x0c")
    return controls / len(text)


def _binary_signature(data: bytes) -> str | None:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return what
    if data[4:8] == b"ftyp":
        return "an audio or video file"
    return None


def decode_text(filename: str, data: bytes, *, declared: str | None = None) -> tuple[str, str, list[str]]:
    """Decode bytes of unknown encoding: (text, encoding, warnings); refuse binary data.

    A byte order mark decides; then an encoding the file declares (HTML's meta charset);
    then strict UTF-8; then charset-normalizer's best guess, which gets a warning.
    """
    what = _binary_signature(data)
    if what:
        raise ImportRejected(filename, f"this is not a text file: it looks like {what}")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding, []
            except UnicodeDecodeError as exc:
                why = f"the file starts as {encoding} but is not valid {encoding}: {exc.reason}"
                raise ImportRejected(filename, why) from None
    if b"\x00" in data:
        # UTF-16 without a byte order mark is text full of NULs; anything else is binary.
        for encoding in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if _control_share(text) <= MAX_CONTROL_SHARE and "\x00" not in text:
                return text, encoding, [f"{filename}: no byte order mark; read as {encoding}"]
        raise ImportRejected(filename, "this is not a text file: it contains binary data (NUL bytes)")
    if declared:
        try:
            name = codecs.lookup(declared).name
            return data.decode(name), name, []
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    matches = list(from_bytes(data))
    if not matches:
        raise ImportRejected(filename, "this is not a text file: its bytes fit no text encoding")

    def rank(match):
        names = [match.encoding, *match.could_be_from_charset]
        preferred = min((_PREFERRED.index(n) for n in names if n in _PREFERRED), default=len(_PREFERRED))
        return (round(match.chaos, 3), -round(match.coherence, 3), preferred)

    best = min(matches, key=rank)
    names = [best.encoding, *best.could_be_from_charset]
    encoding = min(names, key=lambda n: _PREFERRED.index(n) if n in _PREFERRED else len(_PREFERRED))
    text = str(best)
    if _control_share(text) > MAX_CONTROL_SHARE:
        raise ImportRejected(filename, "this is not a text file: it contains binary data")
    encoding = codecs.lookup(encoding).name
    warning = f"{filename}: the encoding was guessed as {encoding}; check that accented letters look right"
    return text, encoding, [warning]


def human_size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


# ---------------------------------------------------------------------------------------
# Formatted documents: paragraphs of (text, bold) pieces, and table rows

Pieces = list[tuple[str, bool]]

_TIMESTAMP_CELL = re.compile(rf"\[?\(?({TIMESTAMP})\)?\]?")
_HEADER_WORDS = {"speaker", "name", "text", "time", "timestamp", "transcript", "спикер", "имя", "текст", "время"}


def _bold_prefix(pieces: Pieces) -> tuple[str, str] | None:
    """(label, rest) when a paragraph opens with bold type; the label has no colon yet."""
    label_parts: list[str] = []
    index = 0
    for index, (text, bold) in enumerate(pieces):
        if bold or not text.strip():
            label_parts.append(text)
            continue
        break
    else:
        index = len(pieces)
    label = "".join(label_parts)
    rest = "".join(text for text, _ in pieces[index:])
    if not label.strip() or "\n" in label.strip():
        return None
    # Bold text running into the next word ("**Ann**a") is not a label.
    if rest and not rest[0].isspace() and not rest.startswith(":") and label == label.rstrip():
        return None
    return label.strip(), rest


def paragraphs_text(paragraphs: Sequence[Pieces | str]) -> str:
    """Join paragraphs with blank lines; a bold name at a paragraph's start becomes a label.

    "**Interviewer** Why ..." becomes "Interviewer: Why ..." when the bold words pass the
    test split_turns applies to any label (so it then finds it), counted over the bold
    names of the document; a whole bold paragraph only for a role word or a recurring
    name, since headings are bold too. A bold label with its colon stays as it is.
    """
    prefixes: dict[int, tuple[str, str]] = {}
    for i, paragraph in enumerate(paragraphs):
        if isinstance(paragraph, str):
            continue
        found = _bold_prefix(paragraph)
        if found and not found[0].endswith((":", "：")) and not found[1].lstrip().startswith((":", "：")):
            prefixes[i] = found
    counts = Counter(" ".join(label.split()).casefold() for label, _ in prefixes.values())
    texts = []
    for i, paragraph in enumerate(paragraphs):
        text = paragraph if isinstance(paragraph, str) else "".join(t for t, _ in paragraph)
        if i in prefixes:
            label, rest = prefixes[i]
            count = counts[" ".join(label.split()).casefold()]
            if rest.strip():
                if speaker_label_ok(label, count=count):
                    text = f"{label}: {rest.lstrip()}"
            elif speaker_label_ok(label, count=count) and (count >= 2 or _is_role(label)):
                text = f"{label}:"
        if text.strip():
            texts.append(text.strip("\n"))
    return "\n\n".join(texts)


def _is_role(label: str) -> bool:
    words = label.split()
    return bool(words) and words[0].casefold().rstrip(".") in ROLES


def table_paragraphs(rows: Sequence[Sequence[str]]) -> list[str]:
    """A transcript kept as a table, [time |] speaker | words, becomes "[time] Speaker: words".

    Rows that do not have that shape give one paragraph per non-empty cell.
    """
    rows = [[cell.strip() for cell in row] for row in rows]
    rows = [[cell for cell in row if cell] for row in rows]
    rows = [row for row in rows if row]
    if rows and len(rows[0]) >= 2 and {c.casefold() for c in rows[0]} & _HEADER_WORDS and all(
        len(c.split()) <= 2 for c in rows[0]
    ):
        rows = rows[1:]
    shaped = []
    for row in rows:
        time = None
        cells = list(row)
        if len(cells) >= 3 and _TIMESTAMP_CELL.fullmatch(cells[0]):
            time = _TIMESTAMP_CELL.fullmatch(cells[0]).group(1)
            cells = cells[1:]
        speaker = cells[0].rstrip(":：").strip() if len(cells) >= 2 and "\n" not in cells[0] else None
        shaped.append((time, speaker, cells))
    counts = Counter(" ".join(s.split()).casefold() for _, s, _ in shaped if s)
    out: list[str] = []
    for time, speaker, cells in shaped:
        key = " ".join(speaker.split()).casefold() if speaker else ""
        if speaker and speaker_label_ok(speaker, count=counts[key], timed=time is not None):
            stamp = f"[{time}] " if time else ""
            out.append(f"{stamp}{speaker}: " + "\n".join(cells[1:]))
        else:
            out.extend(cells if time is None else [time, *cells])
    return out
