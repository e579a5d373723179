"""Speech to text on this machine: engines behind one small interface. An engine turns a
recording into words with their times and the language; apps/media/transcription/turns.py
makes the words a transcript. Nothing here sends audio anywhere or downloads a model:
pocketsphinx's model comes in its wheel, faster-whisper's is a folder the deployer names."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

Progress = Callable[[float, float], None]  # (seconds of audio done, seconds in all)


@dataclass(frozen=True)
class Word:
    """One recognised word and when it is spoken, in seconds from the recording's start."""

    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Recognised:
    words: list[Word]
    language: str  # ISO 639-1 ("en", "ru"), as the engine detected or was told
    duration: float = 0.0


class TranscriptionFailed(Exception):
    """The recording could not be transcribed; the message is for the user."""


class Engine(Protocol):
    name: str
    label: str
    languages: tuple[str, ...]  # what the user may choose; "auto" = the engine detects it

    def transcribe(self, path: str, *, language: str, progress: Progress) -> Recognised: ...


@dataclass(frozen=True)
class EngineOffer:
    """An engine as the recording page offers it: usable or not, and why not."""

    name: str
    label: str
    languages: tuple[str, ...] = ()
    available: bool = True
    why_not: str = ""
    engine: Engine | None = field(default=None, compare=False, repr=False)


LANGUAGE_NAMES = {"auto": "detect the language", "en": "English", "ru": "Russian", "de": "German", "fr": "French",
                  "es": "Spanish", "uk": "Ukrainian", "kk": "Kazakh", "ky": "Kyrgyz", "hy": "Armenian",
                  "tg": "Tajik"}


def engine_offers() -> list[EngineOffer]:
    """Every engine Casecoder knows, with whether this installation can run it."""
    from .sphinx import offer as pocketsphinx_offer
    from .whisper import offer as whisper_offer

    return [pocketsphinx_offer(), whisper_offer()]


def engine_named(name: str) -> Engine:
    """The engine `name`, ready to run; TranscriptionFailed with the reason if it cannot."""
    for found in engine_offers():
        if found.name == name:
            if not found.available:
                raise TranscriptionFailed(f"The {found.label} engine is not available: {found.why_not}")
            return found.engine
    raise TranscriptionFailed(f"There is no transcription engine called '{name}'.")
