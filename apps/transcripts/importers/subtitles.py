"""Subtitles and captions: WebVTT (.vtt) and SubRip (.srt), as transcription services export them.

The speaker of a cue comes from a WebVTT voice tag (<v Anna>) or a "Name:" label at its
start (the same rules as split_turns, counted over all cues); a cue without either keeps
the previous cue's speaker. Consecutive cues of one speaker make one turn, written as
"[00:01:02] Anna: words ...", whose meta keeps the times: {"time": "00:01:02" (the start,
as shown), "start": 62.0, "end": 75.5 (seconds)}. Cues without any speaker are grouped
into paragraphs at pauses of PAUSE seconds or after about PARAGRAPH_CHARS characters.
Markup (<i>, <c.x>, {\\an8}, inline timestamps) is removed.
"""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

from apps.transcripts.text import TurnSpan, split_labels
from apps.transcripts.timecodes import seconds

from ._common import Extracted, ImportRejected, decode_text

PAUSE = 2.0
PARAGRAPH_CHARS = 600

_TIMING = re.compile(
    r"^\s*(?P<start>(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)\s*-->\s*(?P<end>(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)"
)
_VOICE = re.compile(r"<v(?:\.[^\s>]+)*\s+([^>]*)>", re.IGNORECASE)
_TAG = re.compile(r"<[^>\n]*>")
_ASS = re.compile(r"\{\\[^}]*\}")
_SPACE = re.compile(r"\s+")


@dataclass
class _Cue:
    start: float
    end: float
    speaker: str | None
    words: str


def _seconds(stamp: str) -> float:
    """A cue's timecode (the timing line's pattern has checked its form) in seconds."""
    return round(seconds(stamp), 3)


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _clean(text: str, *, vtt: bool) -> str:
    text = _ASS.sub("", _TAG.sub("", text))
    if vtt:
        text = html.unescape(text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cc" or ch in "\n\t")
    return unicodedata.normalize("NFC", _SPACE.sub(" ", text)).strip()


def _cues(filename: str, text: str, *, vtt: bool) -> list[_Cue]:
    blocks = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff"))
    if vtt:
        if not blocks[0].startswith("WEBVTT"):
            raise ImportRejected(filename, "this is not a WebVTT file (it does not start with WEBVTT)")
        blocks = blocks[1:]
    cues: list[_Cue] = []
    for block in blocks:
        lines = block.strip("\n").split("\n")
        timing_at = next((i for i, line in enumerate(lines[:3]) if "-->" in line), None)
        if timing_at is None:
            continue  # a NOTE, STYLE or REGION block, a header, or stray text
        timing = _TIMING.match(lines[timing_at])
        if not timing:
            continue
        start, end = _seconds(timing.group("start")), _seconds(timing.group("end"))
        payload = "\n".join(lines[timing_at + 1 :])
        # A cue may hold several voices: "<v Anna>Yes.</v>\n<v Bob>No.</v>".
        voices = list(_VOICE.finditer(payload)) if vtt else []
        if not voices:
            cues.append(_Cue(start, end, None, _lines(payload, vtt=vtt)))
            continue
        if payload[: voices[0].start()].strip():
            cues.append(_Cue(start, end, None, _lines(payload[: voices[0].start()], vtt=vtt)))
        for i, voice in enumerate(voices):
            stop = voices[i + 1].start() if i + 1 < len(voices) else len(payload)
            name = _clean(voice.group(1), vtt=True)
            cues.append(_Cue(start, end, name or None, _lines(payload[voice.end() : stop], vtt=vtt)))
    return [cue for cue in cues if cue.words]


def _lines(payload: str, *, vtt: bool) -> str:
    """A cue's lines are display breaks, joined by spaces; a dialogue dash starts a new line."""
    lines = [_clean(line, vtt=vtt) for line in payload.split("\n")]
    out = ""
    for line in lines:
        if not line:
            continue
        if out:
            out += "\n" if line.startswith(("- ", "– ", "— ")) else " "
        out += line
    return out


def parse(filename: str, data: bytes, *, vtt: bool) -> Extracted:
    text, encoding, warnings = decode_text(filename, data)
    cues = _cues(filename, text, vtt=vtt)
    if not cues:
        raise ImportRejected(
            filename, "no subtitle cues with text were found (lines like 00:00:01,000 --> 00:00:04,000)"
        )

    # "Anna: words" labels, for cues without a voice tag.
    labelled = split_labels([cue.words for cue in cues], timed=True)
    speaker = ""
    for cue, (label, rest) in zip(cues, labelled):
        if cue.speaker is None and label is not None:
            cue.speaker, cue.words = label, rest
        speaker = cue.speaker if cue.speaker is not None else speaker
        cue.speaker = speaker

    groups: list[list[_Cue]] = []
    for cue in cues:
        if not cue.words:
            continue
        if groups:
            last = groups[-1]
            same = last[-1].speaker == cue.speaker
            if same and cue.speaker:
                last.append(cue)
                continue
            size = sum(len(c.words) + 1 for c in last)
            if same and cue.start - last[-1].end < PAUSE and size < PARAGRAPH_CHARS:
                last.append(cue)
                continue
        groups.append([cue])

    parts: list[str] = []
    turns: list[TurnSpan] = []
    offset = 0
    for group in groups:
        first, last = group[0], group[-1]
        head = f"[{_clock(first.start)}] " + (f"{first.speaker}: " if first.speaker else "")
        words = " ".join(c.words for c in group)
        if parts:
            offset += 2  # the blank line between turns
        start = offset + len(head)
        meta = {"time": _clock(first.start), "start": first.start, "end": last.end}
        turns.append(TurnSpan(first.speaker, start, start + len(words), meta))
        parts.append(head + words)
        offset = start + len(words)
    return Extracted(text="\n\n".join(parts), encoding=encoding, warnings=warnings, turns=turns)
