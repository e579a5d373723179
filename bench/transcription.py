"""Transcribing one minute of speech with the pocketsphinx engine (the model its wheel
carries): seconds of work and the real-time factor (seconds of work per second of audio).
The speech is flite's, word by word with pauses, as in tests/media/test_transcription.py.
The engine does not touch the database, so the row is measured once, on SQLite.

    python -m bench --only transcription --databases sqlite --scales 1x
"""
from __future__ import annotations

import math
import shutil
import tempfile
import time
import wave
from pathlib import Path

MINUTE = 60.0
REPEAT = 3
PHRASES = [
    ("the president asked for help in january", 0.8),
    ("the army did not send any soldiers to the border", 1.8),
    ("we talked about the water and the money for the city", 0.8),
    ("the alliance sent troops to the capital in january", 2.2),
]


def run(report) -> None:
    if report.database != "sqlite" or "1x" not in report.scales:
        return
    missing = [name for name in ("flite", "ffmpeg") if shutil.which(name) is None]
    try:
        import pocketsphinx  # noqa: F401
    except ImportError:
        missing.append("pocketsphinx")
    if missing:
        print(f"  skipped: {', '.join(missing)} not installed")
        return
    from apps.media.transcription.sphinx import PocketsphinxEngine
    from tests.media.speech import RATE, speak_words

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "minute.wav"
        speak_words(path, PHRASES)
        rounds = math.ceil(MINUTE / (path.stat().st_size / 2 / RATE))  # the phrases, said often enough
        said = speak_words(path, PHRASES * rounds)
        with wave.open(str(path)) as sound:  # the first minute (a word may be cut off at its end)
            pcm = sound.readframes(int(MINUTE * RATE))
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(RATE)
            out.writeframes(pcm)
        said = [w for w in said if w[1] < MINUTE]
        seconds = len(pcm) / 2 / RATE
        engine = PocketsphinxEngine()
        samples, words = [], 0
        for _ in range(REPEAT):
            t0 = time.perf_counter()
            recognised = engine.transcribe(str(path), language="en")
            samples.append((time.perf_counter() - t0) * 1000)
            words = len(recognised.words)
    median = sorted(samples)[len(samples) // 2]
    print(f"  {seconds:.1f} s of speech: {len(said)} words said, {words} words out", flush=True)
    report.add(f"transcription: {seconds:.0f} s of speech (pocketsphinx)", "1x", samples_ms=samples,
               rtf=median / 1000 / seconds)
