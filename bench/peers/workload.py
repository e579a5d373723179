"""The workload both tools receive: documents, codes and coded passages, the same on every run.

Pure Python (no Django, no HTTP), so that a test can check that two runs give the same
workload and that every passage lies inside its document on word boundaries.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

WORDS = (
    "alliance request intervention border security threat member state troops mission summit "
    "article collective peacekeeping forces government unrest consultation exercise pledge assessment "
    "moscow interest neighbour protest violence decision council secretary general deployment help "
    "sovereignty internal matter regime stability president invoke answer partner military political "
    "economic pressure refugees drugs terrorism extremism taliban afghanistan kazakhstan armenia "
    "kyrgyzstan tajikistan azerbaijan russia china west opinion expert interview memory reason"
).split()

CODES = [
    "Shared threat perception", "Russian interest", "Member states' interests", "Regime security",
    "Legal basis (Article 4)", "Internal matter", "External aggression", "Alliance credibility",
    "Capacity to deploy", "Great-power competition", "Domestic opinion", "Precedent",
]


@dataclass(frozen=True)
class Passage:
    document: int  # index into Workload.documents
    start: int  # code points into the document's text (the same characters in both tools)
    end: int
    codes: tuple[int, ...]  # indexes into CODES


@dataclass(frozen=True)
class Workload:
    name: str
    documents: tuple[str, ...]  # plain text, paragraphs separated by one line break
    passages: tuple[Passage, ...]

    @property
    def codes(self) -> list[str]:
        return CODES

    def passages_of(self, code: int) -> list[Passage]:
        return [p for p in self.passages if code in p.codes]

    @property
    def busiest_code(self) -> int:
        """The code with the most passages: the one whose passages are listed and exported."""
        return max(range(len(CODES)), key=lambda c: (len(self.passages_of(c)), -c))


SCALES = {
    # The study's own size: seven interviews of about 3,300 words, 45 coded passages each.
    "study": {"documents": 7, "words": 3_300, "passages": 45},
    # A larger project: 7 x 9,000 words, 300 passages each (2,100 in all).
    "large": {"documents": 7, "words": 9_000, "passages": 300},
}


def document_text(rng: random.Random, words: int) -> str:
    paragraphs, left = [], words
    while left > 0:
        size = min(left, rng.randint(40, 140))
        sentence_words = [rng.choice(WORDS) for _ in range(size)]
        sentence_words[0] = sentence_words[0].capitalize()
        paragraphs.append(" ".join(sentence_words) + ".")
        left -= size
    return "\n".join(paragraphs)


def word_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], None
    for i, char in enumerate(text + " "):
        if char.isalpha() and start is None:
            start = i
        elif not char.isalpha() and start is not None:
            spans.append((start, i))
            start = None
    return spans


def build(scale: str, seed: int = 19) -> Workload:
    """The workload of one scale; the same seed gives the same workload."""
    size = SCALES[scale]
    rng = random.Random(f"{scale}-{seed}")
    documents, passages = [], []
    for index in range(size["documents"]):
        text = document_text(rng, size["words"])
        documents.append(text)
        spans = word_spans(text)
        for _ in range(size["passages"]):
            first = rng.randrange(len(spans) - 60)
            last = first + rng.randint(5, 60)
            # Codes are not equally frequent in real coding: the first ones are used more.
            main = min(int(rng.expovariate(0.25)), len(CODES) - 1)
            codes = {main} | ({rng.randrange(len(CODES))} if rng.random() < 0.3 else set())
            passages.append(Passage(index, spans[first][0], spans[last][1], tuple(sorted(codes))))
    return Workload(scale, tuple(documents), tuple(passages))
