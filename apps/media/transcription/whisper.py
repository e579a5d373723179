"""faster-whisper (Whisper on CTranslate2), for Russian and English interviews alike, from a
model folder the deployer puts on disk and names in CASECODER_WHISPER_MODEL_DIR (for
example a copy of Systran/faster-whisper-small). Nothing is downloaded: the folder is
opened with local_files_only. The package is the optional extra `whisper` and is imported
only when the engine runs."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from django.conf import settings

from . import LANGUAGE_NAMES, EngineOffer, Progress, Recognised, TranscriptionFailed, Word
from .audio import pcm_decode, seconds_of

NAME, LABEL = "whisper", "Whisper (faster-whisper, local model)"


class WhisperEngine:
    name, label = NAME, LABEL
    languages = tuple(LANGUAGE_NAMES)

    def __init__(self, folder: Path):
        self.folder = folder

    def transcribe(self, path: str, *, language: str = "auto", progress: Progress = lambda done, total: None
                   ) -> Recognised:
        import numpy
        from faster_whisper import WhisperModel

        pcm = pcm_decode(path)
        total = seconds_of(pcm)
        audio = numpy.frombuffer(pcm, dtype=numpy.int16).astype(numpy.float32) / 32768.0
        try:
            model = WhisperModel(str(self.folder), device=settings.CASECODER_WHISPER_DEVICE,
                                 compute_type=settings.CASECODER_WHISPER_COMPUTE_TYPE, local_files_only=True)
        except Exception as error:  # a folder that is not a CTranslate2 Whisper model
            raise TranscriptionFailed(f"The Whisper model in {self.folder} could not be loaded: {error}") from error
        segments, info = model.transcribe(audio, language=None if language == "auto" else language,
                                          word_timestamps=True, vad_filter=True)
        words: list[Word] = []
        for segment in segments:  # a generator: recognition runs as it is read
            words += [Word(w.word.strip(), float(w.start), float(w.end)) for w in segment.words or () if w.word.strip()]
            progress(min(float(segment.end), total), total)
        progress(total, total)
        return Recognised(words=words, language=info.language, duration=total)


def offer() -> EngineOffer:
    folder = (settings.CASECODER_WHISPER_MODEL_DIR or "").strip()
    why = ""
    if not folder:
        why = "no model folder is set (CASECODER_WHISPER_MODEL_DIR names a faster-whisper model on this server)."
    elif not (Path(folder) / "model.bin").is_file():
        why = f"{folder} holds no faster-whisper model (model.bin is missing)."
    elif importlib.util.find_spec("faster_whisper") is None:
        why = "the faster-whisper package is not installed (pip install -e '.[whisper]')."
    if why:
        return EngineOffer(NAME, LABEL, available=False, why_not=why)
    return EngineOffer(NAME, LABEL, WhisperEngine.languages, engine=WhisperEngine(Path(folder)))
