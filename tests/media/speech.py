"""Speech whose every word's start is known, for the transcription tests and the bench:
flite (Debian's `flite`) speaks each word into a wav of its own, the word's silence is
trimmed off, and the words are joined with set pauses. flite's voices, not espeak-ng's:
pocketsphinx recognises espeak-ng's speech badly and flite's almost perfectly."""
from __future__ import annotations

import array
import os
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import pytest

RATE = 16000          # flite's awb, rms and slt voices speak at 16 kHz
LOUD = 300            # amplitude above which a sample is speech, not flite's leading/trailing quiet
LEAD = 0.5            # seconds of silence before the first word


def speech_tools_or_skip() -> None:
    """Skip (or fail, with CASECODER_REQUIRE_MEDIA=1, as in CI) without flite, ffmpeg or pocketsphinx."""
    missing = [name for name in ("flite", "ffmpeg") if shutil.which(name) is None]
    try:
        import pocketsphinx  # noqa: F401
    except ImportError:
        missing.append("the pocketsphinx package (pip install pocketsphinx==5.1.1)")
    if not missing:
        return
    message = f"{' and '.join(missing)} not installed (apt-get install flite ffmpeg)"
    if os.environ.get("CASECODER_REQUIRE_MEDIA") == "1":
        pytest.fail(f"CASECODER_REQUIRE_MEDIA=1 but {message}")
    pytest.skip(message)


def _word(text: str, voice: str) -> array.array:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "word.wav"
        subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(out)], check=True, capture_output=True)
        with wave.open(str(out)) as sound:
            assert sound.getframerate() == RATE and sound.getnchannels() == 1 and sound.getsampwidth() == 2
            samples = array.array("h", sound.readframes(sound.getnframes()))
    loud = [i for i, x in enumerate(samples) if abs(x) > LOUD]
    return samples[loud[0]:loud[-1] + 1]


def speak_words(path: Path, phrases: list[tuple[str, float]], *, voice: str = "awb", gap: float = 0.3
                ) -> list[tuple[str, float]]:
    """Write a wav of `phrases` ((text, seconds of silence after it)), each word spoken on its
    own and `gap` seconds after the one before; returns (word, second it starts) per word."""
    pcm = array.array("h", [0] * int(LEAD * RATE))
    starts: list[tuple[str, float]] = []
    cache: dict[str, array.array] = {}
    for text, pause in phrases:
        words = text.split()
        for i, word in enumerate(words):
            if word not in cache:
                cache[word] = _word(word, voice)
            starts.append((word, len(pcm) / RATE))
            pcm.extend(cache[word])
            pcm.extend([0] * int((pause if i == len(words) - 1 else gap) * RATE))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm.tobytes())
    return starts
