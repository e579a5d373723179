"""Real recordings, made in the test: espeak-ng speaks a sentence, ffmpeg encodes it.

Without the two programs these tests are skipped with the reason; with
CASECODER_REQUIRE_MEDIA=1 (set by .ci/run, which installs them) they fail instead, so CI
cannot pass by skipping them."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import wave
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

SENTENCE = "The alliance sent its peacekeepers to Kazakhstan within a day."


def media_tools() -> tuple[str, str]:
    espeak, ffmpeg = shutil.which("espeak-ng"), shutil.which("ffmpeg")
    if espeak and ffmpeg:
        return espeak, ffmpeg
    missing = " and ".join(n for n, p in (("espeak-ng", espeak), ("ffmpeg", ffmpeg)) if not p)
    message = f"{missing} not installed (apt-get install espeak-ng ffmpeg)"
    if os.environ.get("CASECODER_REQUIRE_MEDIA") == "1":
        pytest.fail(f"CASECODER_REQUIRE_MEDIA=1 but {message}")
    pytest.skip(message)


def speak(folder: Path, text: str = SENTENCE, *, fmt: str = "wav") -> Path:
    """`text` spoken by espeak-ng, encoded as `fmt` (wav, mp3, ogg, m4a, webm, mp4) by ffmpeg."""
    espeak, ffmpeg = media_tools()
    wav = folder / "speech.wav"
    subprocess.run([espeak, "-v", "en", "-s", "150", "-w", str(wav), text], check=True, capture_output=True)
    if fmt == "wav":
        return wav
    out = folder / f"speech.{fmt}"
    codec = {"mp3": ["-c:a", "libmp3lame"], "ogg": ["-c:a", "libvorbis"], "m4a": ["-c:a", "aac"],
             "webm": ["-c:a", "libopus"]}.get(fmt, [])
    if fmt == "mp4":  # a small video: a coloured frame with the speech
        with wave.open(str(wav)) as sound:
            seconds = sound.getnframes() / sound.getframerate()
        cmd = [ffmpeg, "-y", "-loglevel", "error", "-f", "lavfi", "-i", "color=c=navy:s=64x48:r=5", "-i", str(wav),
               "-t", f"{seconds:.3f}", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(out)]
    else:
        cmd = [ffmpeg, "-y", "-loglevel", "error", "-i", str(wav), *codec, str(out)]
    subprocess.run(cmd, check=True, capture_output=True)
    return out


@pytest.fixture
def recording_file(tmp_path):
    """Returns a maker: recording_file("mp3") is the sentence spoken, as an mp3 file."""
    folder = tmp_path / "made"
    folder.mkdir()
    return lambda fmt="wav", text=SENTENCE: speak(folder, text, fmt=fmt)


def silent_wav_upload(seconds: float = 0.1) -> SimpleUploadedFile:
    """Silence as a real WAV, made with the standard library: for tests that need a recording
    but not its sound (no espeak-ng or ffmpeg needed)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(b"\x00\x00" * int(8000 * seconds))
    return SimpleUploadedFile("silence.wav", buffer.getvalue())
