"""The engine that needs nothing but a PyPI package: pocketsphinx, whose wheel carries the
CMU US English acoustic model, language model and dictionary. English only, and far less
accurate than Whisper on real interviews; it makes transcription work on any installation
and is what the tests and the bench run."""
from __future__ import annotations

import importlib.util
import re

from . import EngineOffer, Progress, Recognised, Word
from .audio import RATE, pcm_decode, seconds_of, utterances

FRAMES_PER_SECOND = 100  # pocketsphinx's default frame rate: seg() frames are 10 ms
CHUNK = RATE * 2          # bytes of PCM fed at a time: one second, so progress moves every second
_VARIANT = re.compile(r"\(\d+\)$")  # 'the(2)': the dictionary's second pronunciation


class PocketsphinxEngine:
    name = "pocketsphinx"
    label = "PocketSphinx (English, built in)"
    languages = ("en",)

    def transcribe(self, path: str, *, language: str = "en", progress: Progress = lambda done, total: None
                   ) -> Recognised:
        from pocketsphinx import Decoder

        pcm = pcm_decode(path)
        total = seconds_of(pcm)
        decoder = Decoder(loglevel="FATAL")
        words: list[Word] = []
        for utterance in utterances(pcm):
            if not utterance.voiced:
                continue
            decoder.start_utt()
            for at in range(utterance.start * 2, utterance.end * 2, CHUNK):
                decoder.process_raw(pcm[at:min(at + CHUNK, utterance.end * 2)], False, False)
                progress(min(at + CHUNK, utterance.end * 2) / 2 / RATE, total)
            decoder.end_utt()
            offset = utterance.start / RATE
            words += [Word(_VARIANT.sub("", s.word), offset + s.start_frame / FRAMES_PER_SECOND,
                           offset + (s.end_frame + 1) / FRAMES_PER_SECOND)
                      for s in decoder.seg() if _spoken(s.word)]
        progress(total, total)
        return Recognised(words=words, language="en", duration=total)


def _spoken(word: str) -> bool:
    """Not a filler: <s>, </s>, <sil>, [NOISE], ++BREATH++."""
    return bool(word) and word[0] not in "<[+"


def offer() -> EngineOffer:
    if importlib.util.find_spec("pocketsphinx") is None:
        return EngineOffer(PocketsphinxEngine.name, PocketsphinxEngine.label, available=False,
                           why_not="the pocketsphinx package is not installed (pip install pocketsphinx==5.1.1).")
    return EngineOffer(PocketsphinxEngine.name, PocketsphinxEngine.label, PocketsphinxEngine.languages,
                       engine=PocketsphinxEngine())
