"""What a recording is, read from its content and never from its name: the first bytes
(the "magic numbers" of each container) say the format, and ffprobe, where installed,
confirms that it holds a stream a browser can play and gives its duration."""
from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass

FORMATS = ("mp3", "m4a", "wav", "ogg", "mp4", "webm")
HEAD_BYTES = 64
FFPROBE_SECONDS = 30


@dataclass(frozen=True)
class MediaFormat:
    format: str
    content_type: str
    kind: str  # "audio" or "video"
    duration: float | None = None


class NotMedia(ValueError):
    """The content is not a recording Casecoder can play; the message says why."""


def _mp3_frame(head: bytes) -> bool:
    """An MPEG audio frame header: 11 sync bits, and a layer (not ADTS AAC's 00)."""
    return len(head) > 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and (head[1] >> 1) & 0b11 != 0


def sniff(head: bytes) -> MediaFormat | None:
    """The format the first bytes announce, or None."""
    if head.startswith(b"ID3") or _mp3_frame(head):
        return MediaFormat("mp3", "audio/mpeg", "audio")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return MediaFormat("wav", "audio/wav", "audio")
    if head[:4] == b"OggS":
        return MediaFormat("ogg", "audio/ogg", "audio")
    if head[4:8] == b"ftyp":
        if head[8:12] in {b"M4A ", b"M4B "}:
            return MediaFormat("m4a", "audio/mp4", "audio")
        return MediaFormat("mp4", "video/mp4", "video")
    if head[:4] == b"\x1a\x45\xdf\xa3" and b"webm" in head[:HEAD_BYTES]:
        return MediaFormat("webm", "video/webm", "video")
    return None


def probe(path: str, found: MediaFormat) -> MediaFormat:
    """ffprobe's reading of the file: its streams decide audio or video (an .ogg or .webm
    may hold either, an .mp4 only sound), and a file with neither is refused. Without
    ffprobe the magic bytes stand alone."""
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        return found
    try:
        done = subprocess.run(
            [ffprobe, "-v", "error", "-show_entries", "format=duration:stream=codec_type", "-of", "json", path],
            capture_output=True, timeout=FFPROBE_SECONDS, check=False)
    except subprocess.TimeoutExpired as error:
        raise NotMedia("the file could not be read within "
                       f"{FFPROBE_SECONDS} seconds; it may be damaged") from error
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise NotMedia(f"the {found.format} file cannot be played ({reason[-1] if reason else 'unreadable'})")
    info = json.loads(done.stdout or b"{}")
    kinds = {s.get("codec_type") for s in info.get("streams", [])}
    if not kinds & {"audio", "video"}:
        raise NotMedia(f"the {found.format} file holds no audio or video stream")
    kind = "video" if "video" in kinds and found.format not in {"mp3", "wav", "m4a"} else "audio"
    content_type = found.content_type
    if found.format in {"mp4", "webm", "ogg"}:
        content_type = f"{kind}/{found.format}"
    try:
        duration = float(info.get("format", {}).get("duration"))
    except (TypeError, ValueError):
        duration = None
    return MediaFormat(found.format, content_type, kind, duration)
