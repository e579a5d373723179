"""Which uploaded recording goes with which transcript file, when both are imported
together: the one with the same name before the extension (interview3.mp3 with
interview3.vtt), whatever the capitals. Pure: names in, pairs and reasons out.

A name is only a proposal: the recording's content is checked before anything is stored
(services.recording_check), as on the Recording page.
"""
from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from .formats import FORMATS

RECORDING_EXTENSIONS = tuple(f".{f}" for f in FORMATS)


def base_name(name: str) -> str:
    return os.path.basename(name.replace("\\", "/"))


def _stem(name: str) -> str:
    return os.path.splitext(base_name(name))[0].strip().casefold()


def is_recording_name(name: str) -> bool:
    """Whether an uploaded file is offered as a recording (by its extension; its content decides later)."""
    return os.path.splitext(name)[1].lower() in RECORDING_EXTENSIONS


@dataclass
class Pairs:
    """`recording_of`: the index of a transcript file -> the index of its recording;
    `unpaired`: the index of a recording that goes with no file -> why; `alone`: those of
    them that no transcript file has the name of (one may become a transcript of its own,
    to be transcribed)."""

    recording_of: dict[int, int] = field(default_factory=dict)
    unpaired: dict[int, str] = field(default_factory=dict)
    alone: set[int] = field(default_factory=set)


def pair(transcript_names: Sequence[str], recording_names: Sequence[str]) -> Pairs:
    """Pair each recording with the one transcript file of its name. A recording is left
    unpaired, with the reason, when no transcript file has its name, when several do, or
    when another recording has the same name (one recording per transcript)."""
    texts: dict[str, list[int]] = defaultdict(list)
    for index, name in enumerate(transcript_names):
        texts[_stem(name)].append(index)
    sounds: dict[str, list[int]] = defaultdict(list)
    for index, name in enumerate(recording_names):
        sounds[_stem(name)].append(index)
    pairs = Pairs()
    for stem, indexes in sounds.items():
        matches = texts.get(stem, [])
        for index in indexes:
            name = base_name(recording_names[index])
            if len(indexes) > 1:
                others = ", ".join(base_name(recording_names[i]) for i in indexes if i != index)
                pairs.unpaired[index] = (f"{name}: {others} has the same name; a transcript has one recording, "
                                         "so neither is attached (upload one of them)")
            elif not matches:
                pairs.alone.add(index)
                pairs.unpaired[index] = (f"{name}: no transcript file of the same name came with it "
                                         f"(such as {os.path.splitext(name)[0]}.vtt, .srt, .txt or .docx); "
                                         "upload both together, or attach it on the transcript's Recording page")
            elif len(matches) > 1:
                files = ", ".join(base_name(transcript_names[i]) for i in matches)
                pairs.unpaired[index] = (f"{name}: several transcript files have its name ({files}); "
                                         "import one of them with it")
            else:
                pairs.recording_of[matches[0]] = index
    return pairs
