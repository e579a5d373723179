"""A recording as the engines hear it: 16 kHz mono 16-bit PCM, decoded by ffmpeg whatever
the container, and cut into utterances at pauses so that a long interview is recognised
piece by piece (with progress) rather than as one utterance."""
from __future__ import annotations

import shutil
import subprocess
from array import array
from dataclasses import dataclass

from . import TranscriptionFailed

RATE = 16000               # samples a second: what pocketsphinx's model and Whisper expect
FRAME = RATE // 100        # 10 ms, pocketsphinx's frame
CUT_PAUSE = 0.5            # seconds of quiet at which an utterance may end
LONGEST = 30.0             # seconds: a longer stretch without such a pause is cut at its quietest moment
DECODE_SECONDS = 3600      # ffmpeg's limit for one recording (hours of audio take minutes)


def pcm_decode(path: str) -> bytes:
    """The recording at `path` as PCM; TranscriptionFailed with ffmpeg's reason if it cannot
    be decoded (a truncated or damaged file)."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise TranscriptionFailed("ffmpeg is not installed on the server, so the recording cannot be decoded.")
    try:
        done = subprocess.run([ffmpeg, "-nostdin", "-v", "error", "-xerror", "-i", path, "-vn", "-ac", "1",
                               "-ar", str(RATE), "-f", "s16le", "-"],
                              capture_output=True, timeout=DECODE_SECONDS, check=False)
    except subprocess.TimeoutExpired as error:
        raise TranscriptionFailed(f"Decoding the recording took more than {DECODE_SECONDS // 60} minutes.") from error
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = lines[-1].split("] ", 1)[-1].replace(f"{path}: ", "") if lines else "ffmpeg could not read it"
        raise TranscriptionFailed(f"The recording could not be decoded ({reason}); it may be truncated or damaged.")
    if len(done.stdout) < FRAME * 2 * 10:
        raise TranscriptionFailed("The recording holds no sound to transcribe (less than a tenth of a second).")
    return done.stdout


def seconds_of(pcm: bytes) -> float:
    return len(pcm) / 2 / RATE


@dataclass(frozen=True)
class Utterance:
    """Samples [start, end) of the PCM, and whether anything in it is louder than the quiet."""

    start: int
    end: int
    voiced: bool


def _energies(samples: array) -> list[float]:
    return [sum(x * x for x in samples[i:i + FRAME]) / FRAME for i in range(0, len(samples), FRAME)]


def utterances(pcm: bytes) -> list[Utterance]:
    """Cut the audio in the middle of each pause of at least CUT_PAUSE seconds, and cut
    stretches longer than LONGEST at their quietest 10 ms. Quiet is relative to the
    recording: below a tenth of the way from its noise floor to its loud speech."""
    samples = array("h", pcm[: len(pcm) // 2 * 2])
    energy = _energies(samples)
    ranked = sorted(energy)
    floor, loud = ranked[len(ranked) // 10], ranked[min(len(ranked) - 1, len(ranked) * 19 // 20)]
    quiet_below = floor + (loud - floor) * 0.01 + 1.0  # energy is squared amplitude: 1% = a tenth in amplitude
    quiet = [e < quiet_below for e in energy]
    cuts, run_start = [], None
    for i, q in enumerate([*quiet, False]):
        if q and run_start is None:
            run_start = i
        elif not q and run_start is not None:
            if (i - run_start) * FRAME >= CUT_PAUSE * RATE and run_start > 0 and i < len(quiet):
                cuts.append((run_start + i) // 2)
            run_start = None
    bounds, last = [], 0
    longest = int(LONGEST * 100)
    for cut in [*cuts, len(energy)]:
        while cut - last > longest:  # no pause long enough: cut at the quietest frame of the second half
            half = last + longest // 2
            split = min(range(half, last + longest), key=lambda f: energy[f])
            bounds.append((last, split))
            last = split
        bounds.append((last, cut))
        last = cut
    return [Utterance(a * FRAME, min(b * FRAME, len(samples)), not all(quiet[a:b])) for a, b in bounds if b > a]
