"""Transcript text: normalisation, the split into speaker turns, and pseudonymisation.

Pure functions, independent of Django, so that importers, services and property tests
share one definition of "the stored text" and of "a turn".

Speaker labels are recognised at the start of a line, in the conventions transcribers use:

    Interviewer: ...            NAME: ...              Q: ... / A: ...
    E3: ...                     Anna Petrova: ...      Respondent (E3): ...
    [00:01:02] Anna: ...        Anna [00:01:02]: ...   **Anna:** ... (Markdown)
    Anna Petrova  00:01:02      (a label line without a colon, as Otter writes it)
    Interviewer2 : ...          (French, a space before the colon)
    ### Interviewer             (a Markdown heading; the speech in the next paragraphs)
    [id1] ...                   (a bracketed id, as QualCoder users write them)
    President of Russia Vladimir Putin: ...   (a function title before the name)
    Hamid                       (a name broken over two lines)
    Karzai: ...

A line that merely opens with words and a colon ("The point is this: ...", "Note: ...")
must not become a speaker, so a label is taken only when it looks like one (label_shape):
a role word (Interviewer, Respondent, Q, A, Интервьюер, Enquêteur, ...), a code or
capitals (E3, INT, ANNA), a name of two to four capitalised words, a label with a
timestamp or in bold, a function title with a name at the start of a paragraph, or a
single word that recurs at the start of paragraphs. Sentences (function words such as
"the", "is"), punctuation and metadata words (Date, Note, Location, ...) never make a
label; a place name ("Germany:") or a single word used once, quoted or inside paragraphs
is reported as "looks like a label, not taken" (detect_speakers), and the researcher
decides in the import preview (SpeakerChoices).
"""
from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

MAX_LABEL_WORDS = 4  # a name; a function title before it may be longer (MAX_TITLE_WORDS)
MAX_LABEL_CHARS = 80


@dataclass(frozen=True, slots=True)
class TurnSpan:
    """One turn: a speaker and the code-point range [start, end) of its words in the text.
    (Slots: a long text has hundreds of thousands of turns, and an instance dict each
    would double their memory.)"""

    speaker: str
    start: int
    end: int
    meta: dict = field(default_factory=dict, compare=False)


# ---------------------------------------------------------------------------------------
# Normalisation

# Line ends unified to "\n": CRLF, CR, and the other characters Python's str.splitlines()
# treats as line boundaries, so that text.split("\n") == text.splitlines() on stored text.
_LINE_END = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_OTHER_LINE_ENDS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def normalise_text(raw: str) -> str:
    """The stored form: NFC, `\\n` line ends, no trailing whitespace, no BOM, no outer blank lines.

    Nothing else changes: every other character stays, in order, so offsets computed by
    an importer on this text are offsets into what the reader sees. Each step is skipped
    when a fast check finds nothing to do, since imports of long files go through here.
    """
    text = raw
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if any(end in text for end in _OTHER_LINE_ENDS):
        text = _LINE_END.sub("\n", text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = "\n".join([line.rstrip() for line in text.split("\n")])
    return text.lstrip("\ufeff\n").rstrip("\n")


def word_count(text: str, *, chunk: int = 1 << 16) -> int:
    """len(text.split()) without a list of every word: a long text is counted in chunks."""
    count = 0
    for start in range(0, len(text), chunk):
        part = text[start:start + chunk]
        count += len(part.split())
        if start and not part[0].isspace() and not text[start - 1].isspace():
            count -= 1  # a word cut in two by the chunk boundary
    return count


def checksum(text: str) -> str:
    """SHA-256 of the stored text, to recognise the same interview imported twice."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------
# Speaker labels

TIMESTAMP = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"

# An optional timestamp before the label, bracketed or bare: "[00:01:02] ", "00:01:02 - ".
_PREFIX = re.compile(
    rf"[ \t]*(?:(?:\[(?P<t1>{TIMESTAMP})\]|\((?P<t2>{TIMESTAMP})\)|(?P<t3>{TIMESTAMP})(?=[ \t]))"
    r"[ \t]*(?:[-–—][ \t]*)?)?"
)
# "Label:" with an optional timestamp after the name and optional Markdown bold around it.
_COLON_LABEL = re.compile(
    r"(?P<bold>\*\*|__)?"
    # Greedy up to the first colon or bracket (then backing off over a timestamp), which
    # costs far less than trying the rest of the pattern after every character.
    rf"(?P<label>[^\W\d_][^:：\n\[\]*_]{{0,{MAX_LABEL_CHARS - 1}}})[ \t]*"
    rf"(?:(?:\[(?P<t4>{TIMESTAMP})\]|\((?P<t5>{TIMESTAMP})\))[ \t]*)?"
    # A space usually follows the colon; a letter or a sign straight after it ("Interviewer:And",
    # "E3:!") is a typing slip, still a label; a digit is more likely a time or a ratio
    # ("10:30") and a slash an address ("https://"). CJK text needs no space after "：".
    # French puts a space before the colon ("Enquêteur :"), which the [ \t]* above allows.
    r"(?P=bold)?[ \t]*(?::(?:\*\*|__)?(?![\d/])|：(?:\*\*|__)?)"
)
# Plain words and a colon with a digit or slash after it ("E3:/ ..."): a weak label, one
# only for a speaker taken for other lines (so that no turn of "E3" opens with "E3:").
_WEAK_COLON_LABEL = re.compile(rf"(?P<label>[^\W\d_][^:：\n\[\]*_(){{}}]{{0,{MAX_LABEL_CHARS - 1}}}):(?=[\d/])")
# A line that is only a name and a timestamp: "Anna Petrova  00:01:02".
_TIMED_LINE = re.compile(
    r"(?P<label>[^\W\d_][^:：\n\[\]*_]{0,59}?)[ \t]+"
    rf"(?:\[(?P<t4>{TIMESTAMP})\]|\((?P<t5>{TIMESTAMP})\)|(?P<t6>{TIMESTAMP}))[ \t]*(?=\n|$)"
)
# A Markdown heading that is only a label; the speech follows in the next paragraphs.
_HEADING = re.compile(
    rf"[ \t]*#{{1,6}}[ \t]+(?P<label>[^\W\d_][^:：\n\[\]*_#]{{0,{MAX_LABEL_CHARS - 1}}}?)[ \t]*#*[ \t]*[:：]?[ \t]*$"
)
# A bracketed id or name, as QualCoder users write them: "[id1] words", "[Anna]: words".
_BRACKET = re.compile(r"[ \t]*\[(?P<label>[^\W\d_][^\[\]\n:：]{0,39}?)[ \t]*\](?:[ \t]*[:：])?(?=\s|$)")
# A line of one to three capitalised words: the first half of a label broken over two
# lines ("Hamid" / "Karzai: ...").
_NAME_LINE = re.compile(r"[ \t]*(?P<label>[^\W\d_][^\W\d_'’-]+(?:[ \t]+[^\W\d_][^\W\d_'’-]+){0,2})[ \t]*$")
# A timestamp alone at the start of a line, with no speaker: "[00:01:02] text".
_TIME_ONLY = re.compile(rf"[ \t]*(?:\[(?P<t1>{TIMESTAMP})\]|\((?P<t2>{TIMESTAMP})\))(?=\s|$)")

_PARENTHETICAL = re.compile(r"[ \t]*\([^()\n]{1,30}\)$")
_BAD_LABEL_CHARS = set(',;!?"«»“”„()')
_ID = re.compile(r"[^\W\d_]{1,12}[-_]?\d{1,4}")

ROLES = frozenset(
    """
    interviewer interviewee respondent moderator facilitator participant expert speaker
    question answer q a i r int iv ivr ie resp res translator interpreter researcher
    narrator host guest unknown unidentified voice informant
    befragter befragte frage antwort f b
    intervieweur intervieweuse enquêteur enquêteuse enquêtrice répondant répondante réponse
    intervenant intervenante interviewé interviewée chercheur chercheuse animateur animatrice
    interprète traducteur traductrice
    geïnterviewde ondervraagde deelnemer deelneemster onderzoeker onderzoekster vraag antwoord
    spreker interviewster gespreksleider tolk
    интервьюер интервьюируемый респондент эксперт модератор ведущий информант исследователь
    переводчик собеседник участник спикер вопрос ответ в о и р
    """.split()
)
# Words that start a line with a colon in notes and metadata but never name a speaker.
STOP_WORDS = frozenset(
    """
    note notes nb ps date time place location venue duration length subject topic title re
    summary abstract background context conclusion conclusions example examples update edit
    warning caution important source sources keywords tags transcript transcription
    transcribed recording audio video file language attendees participants present absent
    agenda however therefore thus also first firstly second secondly third thirdly finally
    lastly yes no ok okay well so now then remember look basically honestly actually
    questions answers comment comments memo code codes tag theme step part section chapter
    page figure table total result results outcome reason problem solution definition
    translation version status contact email e-mail phone tel address website url link
    дата время место тема примечание итак например вопросы ответы во-первых во-вторых итого
    вывод выводы пример продолжительность длительность расшифровка запись язык
    lieu durée sujet résumé remarque exemple enfin donc ainsi datum plaats duur onderwerp
    opmerking voorbeeld dus
    """.split()
)
FUNCTION_WORDS = frozenset(
    """
    the this that these those is are was were be been am it its we you he she they my our
    your his her their and or but if of to in on at for with from by as what why how when
    where who which there here not do does did have has had will would can could should
    i'm it's that's there's think mean guess believe said says
    это что как так но не на по из за для
    est sont était c'est je tu il elle nous vous ils elles mon ma mes notre votre leur et ou
    mais si pour avec dans sur par que qui quoi pourquoi comment quand où ce cette ces ça
    het een is zijn was waren dat die dit deze ik jij hij zij wij jullie niet met op aan om
    naar ook maar als wat waarom hoe wanneer waar
    """.split()
)
PARTICLES = frozenset("de da di du del della der den van von la le al el bin ibn ben y".split())
# The small words inside a function title before a name: "President of Russia Vladimir Putin".
CONNECTORS = frozenset("of for the and on to at de du des la le les d' van von der den het voor en et y del "
                       "della di da al bin ibn ben и по при".split())
# Places: a single place name at a line start ("Germany: no troops.") is an argument more
# often than a speaker. The countries of the study's region and their neighbours, and
# the states most cited about them, in English, French, Dutch and Russian.
PLACES = frozenset(
    """
    russia kazakhstan kyrgyzstan tajikistan armenia azerbaijan belarus uzbekistan turkmenistan
    afghanistan ukraine georgia moldova china iran turkey pakistan india mongolia syria iraq
    germany france britain england scotland italy spain poland netherlands holland belgium
    austria switzerland sweden norway finland denmark estonia latvia lithuania hungary romania
    bulgaria serbia greece israel egypt japan korea europe asia africa america canada
    moscow astana almaty bishkek osh dushanbe yerevan baku minsk tashkent kabul kyiv kiev
    tbilisi beijing tehran ankara washington london paris berlin brussels nagorno-karabakh
    karabakh crimea donbas chechnya
    russie allemagne angleterre espagne pologne italie belgique suisse chine arménie
    géorgie biélorussie turquie europe amérique moscou
    rusland duitsland frankrijk engeland spanje polen italië belgië zwitserland armenië
    georgië wit-rusland turkije europa amerika moskou
    россия казахстан киргизия кыргызстан таджикистан армения азербайджан белоруссия беларусь
    узбекистан туркмения туркменистан афганистан украина грузия молдова китай иран турция
    германия франция америка европа москва астана бишкек душанбе ереван баку минск
    """.split()
) | frozenset(
    ["united states", "united kingdom", "soviet union", "european union", "saudi arabia", "south korea",
     "north korea", "new york", "central asia", "south caucasus", "nagorno karabakh", "etats-unis",
     "états-unis", "verenigde staten", "сша", "евросоюз"]
)

# The shapes of a label, strongest first. A role word, a code or a name of two to four
# capitalised words is a speaker wherever it opens a line; a function title with a name
# ("President of Russia Vladimir Putin") at the start of a paragraph; a single word when
# it recurs at paragraph starts; a place name only when the user takes it; a phrase of
# other words (LOOSE) only with a timestamp or in bold; a sentence (NONE) never.
ROLE, CODE, NAME, TITLE, WORD, PLACE, LOOSE, NONE = "role", "code", "name", "title", "word", "place", "loose", "none"
MAX_TITLE_WORDS = 12


def _is_name_word(word: str) -> bool:
    return word[0].isupper() or word.casefold() in PARTICLES or word.isdigit()


def _is_role_word(folded: str) -> bool:
    """"interviewer", and a role word with a number: "interviewer2", "speaker_1"."""
    if folded in ROLES:
        return True
    match = re.fullmatch(r"([^\W\d_]+?)[-_]?\d{1,3}", folded)
    return bool(match) and match.group(1) in ROLES


def _is_title(words: list[str], folded: list[str]) -> bool:
    """Capitalised words with at least one connector between them, first and last capitalised."""
    if not 2 <= len(words) <= MAX_TITLE_WORDS or folded[0] in CONNECTORS or folded[-1] in CONNECTORS:
        return False
    if not (words[0][0].isupper() and words[-1][0].isupper()):
        return False
    connectors = [w for w in folded if w in CONNECTORS]
    return bool(connectors) and all(w in CONNECTORS or _is_name_word(word) for word, w in zip(words, folded))


@functools.lru_cache(maxsize=4096)
def label_shape(label: str) -> str:
    """The shape of the words before a colon (ROLE, CODE, NAME, TITLE, WORD, PLACE, LOOSE or NONE)."""
    label = " ".join(label.split())
    if not label or len(label) > MAX_LABEL_CHARS or not label[0].isalpha():
        return NONE
    core = _PARENTHETICAL.sub("", label)
    if _BAD_LABEL_CHARS & set(core):
        return NONE
    words = core.split()
    if not words:
        return NONE
    folded = [w.casefold().rstrip(".") for w in words]
    if any(w in STOP_WORDS for w in folded):
        return NONE
    if _is_role_word(folded[0]) and all(
        w.isdigit() or len(w) == 1 or re.fullmatch(r"[^\W\d_]{1,3}\d+", w) or w[0].isupper() for w in words[1:]
    ):
        return ROLE  # "Interviewer", "Speaker 2", "Expert E3", "Respondent (E3)", "q", "Interviewer2"
    if " ".join(folded) in PLACES:
        return PLACE
    if len(words) > MAX_LABEL_WORDS or (len(words) > 1 and any(w in FUNCTION_WORDS for w in folded)):
        return TITLE if _is_title(words, folded) else NONE
    if all(w.isupper() or w.isdigit() for w in words) and words[0].isupper():
        return CODE  # "E3", "INT", "ANNA PETROVA", "DR. SMITH"
    if len(words) > 1 and words[0][0].isupper() and all(_is_name_word(w) for w in words):
        return NAME  # "Anna Petrova", "Dr. Smith", "Jean-Luc de Vries"
    if len(words) == 1:
        return WORD
    return LOOSE


def speaker_label_ok(label: str, *, count: int = 1, timed: bool = False) -> bool:
    """Whether `label` (the words before the colon) names a speaker, without the document around it.

    `count` is how many lines of the text open with the same label, `timed` whether a
    timestamp (or bold type) goes with it; both make a label more credible.
    """
    shape = label_shape(label)
    if shape == NONE:
        return False
    if timed or shape in (ROLE, CODE, NAME):
        return True
    return shape in (TITLE, WORD) and count >= 2


# Label kinds: where on the line the label is and how it is written.
COLON, TIMED_LINE, HEADING, BRACKET, TWO_LINES = "colon", "timed line", "heading", "bracket", "two lines"


class _Label:
    """A speaker label candidate at a line start; `end` is where the words after it begin."""

    __slots__ = ("start", "end", "speaker", "key", "time", "kind", "bold", "line", "line_end", "block_start",
                 "quoted", "whole_line", "half", "weak")

    def __init__(self, start: int, end: int, speaker: str, time: str | None, kind: str, bold: bool = False):
        self.start, self.end, self.speaker, self.time, self.kind, self.bold = start, end, speaker, time, kind, bold
        self.key = _casefold(speaker)
        self.line = self.line_end = 0  # the line it opens (for a label broken over two lines: the second)
        self.block_start = self.quoted = self.whole_line = False
        self.half: _Label | None = None  # of a label broken over two lines: the label on the second line
        # A digit or slash after the colon: a label only for a speaker taken for other lines
        # (so that no turn of "E3" opens with "E3:"), never counted to take one.
        self.weak = False


_casefold = functools.lru_cache(maxsize=4096)(str.casefold)


def label_key(label: str) -> str:
    """What two spellings of one label share: "INTERVIEWER" and "Interviewer"."""
    return " ".join(label.split()).casefold()


_PLAIN_LABEL_BREAKERS = frozenset("[]()*_:：\n")
_plain_labels: dict[str, str | None] = {}  # the words before a colon -> the label, for lines that repeat it


def _plain_label(text: str, pos: int, stop: int) -> _Label | None | bool:
    """The label at `pos` when it is plain words and a colon ("Interviewer: ..."), which is
    most labels of a long transcript, without the regular expression; False when the line
    needs the full pattern (brackets, bold, timestamps, no colon near)."""
    colon = text.find(":", pos, min(stop, pos + MAX_LABEL_CHARS + 1))
    if colon <= pos or not text[pos].isalpha() or (colon + 1 < stop and text[colon + 1] in "*_"):
        return False
    words = text[pos:colon]
    label = _plain_labels.get(words, False)
    if label is False:
        if _PLAIN_LABEL_BREAKERS.intersection(words):
            return False
        label = " ".join(words.split())
        if _BAD_LABEL_CHARS & set(_PARENTHETICAL.sub("", label)) or len(label.split()) > MAX_TITLE_WORDS:
            label = None
        if len(_plain_labels) > 10_000:
            _plain_labels.clear()
        _plain_labels[words] = label
    after = text[colon + 1] if colon + 1 < stop else ""
    if after.isdecimal() or after == "/":  # a time, an address: the full patterns decide
        return False
    return None if label is None else _Label(pos, colon + 1, label, None, COLON)


def _label_at(text: str, pos: int, stop: int) -> _Label | None:
    """The label candidate at `pos` (a line start, or right after another label), if any."""
    plain = _plain_label(text, pos, stop)
    if plain is not False:
        return plain
    first = text[pos] if pos < stop else ""
    if first in " \t":
        while pos < stop and text[pos] in " \t":
            pos += 1
        first = text[pos] if pos < stop else ""
    if first == "#":
        match = _HEADING.match(text, pos, stop)
        return _Label(pos, match.end(), " ".join(match.group("label").split()), None, HEADING) if match else None
    before_time = None
    after = pos
    if first == "[" or first == "(" or first.isdigit():
        prefix = _PREFIX.match(text, pos, stop)
        after = prefix.end()
        before_time = prefix.group("t1") or prefix.group("t2") or prefix.group("t3")
        if first == "[" and after == pos:
            match = _BRACKET.match(text, pos, stop)
            if match:
                return _Label(pos, match.end(), " ".join(match.group("label").split()), None, BRACKET)
            return None
    match = _COLON_LABEL.match(text, after, stop)
    kind, weak = COLON, False
    if not match:
        match = _TIMED_LINE.match(text, after, stop) if stop - after <= MAX_LABEL_CHARS + 20 else None
        kind = TIMED_LINE
        if not match:
            match = _WEAK_COLON_LABEL.match(text, after, stop)
            kind, weak = COLON, True
            if not match:
                return None
    label = " ".join(match.group("label").split())
    if _BAD_LABEL_CHARS & set(_PARENTHETICAL.sub("", label)) or len(label.split()) > MAX_TITLE_WORDS:
        return None
    groups = match.groupdict()
    time = before_time or groups.get("t4") or groups.get("t5") or (kind == TIMED_LINE and groups.get("t6"))
    if kind == TIMED_LINE and not time:
        return None
    found = _Label(pos, match.end(), label, time or None, kind, bold=kind == COLON and bool(groups.get("bold")))
    found.weak = weak
    return found


def _may_open_with_label(line: str) -> bool:
    """A cheap test before the regular expressions: most lines of a long text are speech."""
    if ":" in line[: MAX_LABEL_CHARS + 40] or "：" in line[: MAX_LABEL_CHARS + 40]:
        return True
    first = line.lstrip(" \t")[:1] if line[:1] in (" ", "\t") else line[:1]
    return first == "#" or first == "[" or first == "("


def _chain(text: str, pos: int, stop: int) -> list[_Label]:
    """Labels following each other at a line start ("Anna: [00:01] Anna: ..." is two)."""
    labels = []
    while (label := _label_at(text, pos, stop)) is not None:
        labels.append(label)
        if label.kind in (HEADING, TIMED_LINE):
            break
        pos = label.end
        while pos < stop and text[pos] in " \t":
            pos += 1
        near = min(stop, pos + MAX_LABEL_CHARS + 40)
        if pos >= stop or (text[pos] not in "#[(" and text.find(":", pos, near) == -1
                           and text.find("：", pos, near) == -1):
            break  # most lines: speech after the label, no second label
    return labels


@dataclass(frozen=True)
class SpeakerChoices:
    """The researcher's corrections in the import preview, by label (any spelling):
    labels not to take, labels to take although they were not, and spellings to merge
    (label -> the speaker its turns belong to)."""

    reject: frozenset[str] = frozenset()
    take: frozenset[str] = frozenset()
    merge: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, *, reject: Iterable[str] = (), take: Iterable[str] = (),
           merge: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> SpeakerChoices:
        pairs = merge.items() if isinstance(merge, Mapping) else merge
        return cls(frozenset(label_key(x) for x in reject), frozenset(label_key(x) for x in take),
                   tuple(sorted((label_key(a), " ".join(b.split())) for a, b in pairs if label_key(a) != label_key(b))))

    def __bool__(self) -> bool:
        return bool(self.reject or self.take or self.merge)

    def as_json(self) -> dict:
        """What Transcript.speaker_choices stores, so that an edit of the text splits it the
        way the researcher decided at import."""
        return {"reject": sorted(self.reject), "take": sorted(self.take), "merge": [list(pair) for pair in self.merge]}

    @classmethod
    def from_json(cls, data: Mapping | None) -> SpeakerChoices:
        data = data or {}
        return cls.of(reject=data.get("reject", ()), take=data.get("take", ()),
                      merge=[tuple(pair) for pair in data.get("merge", ())])

    def pseudonymised(self, mapping: Sequence[tuple[str, str]]) -> SpeakerChoices:
        """The same choices for the pseudonymised text: made on the labels as written in the
        file ("Ivan Petrov"), they must name them as stored ("E3")."""
        if not mapping:
            return self
        folded = [(name.casefold(), pseudonym) for name, pseudonym in mapping]  # the keys are casefolded

        def key(label: str) -> str:
            return pseudonymise(label, folded)[0]

        return SpeakerChoices.of(reject=map(key, self.reject), take=map(key, self.take),
                                 merge=[(key(label), pseudonymise(into, mapping)[0]) for label, into in self.merge])

    def choice(self, key: str) -> str:
        if key in self.reject:
            return "reject"
        if key in self.take:
            return "take"
        if any(key == k for k, _ in self.merge):
            return "merge"
        return ""


@dataclass(frozen=True)
class LabelReport:
    """A label found at line starts and what became of it, for the import preview.

    `turns` counts changes of speaker to it (not paragraphs); `speaker` is the name its
    turns get (another one when merged); `chosen` is "reject", "take", "merge" or "".
    """

    label: str
    taken: bool
    why: str
    count: int
    turns: int = 0
    paragraphs: int = 0
    sample: str = ""
    speaker: str = ""
    chosen: str = ""
    same_as: str = ""  # another speaker this label may be a longer spelling of ("Vladimir Putin")
    merged_into: str = ""  # the label it was merged into, as the researcher chose it


@dataclass
class SpeakerDetection:
    """The turns of a text, and every label that was or could have been a speaker."""

    turns: list[TurnSpan]
    labels: list[LabelReport]

    @property
    def speakers(self) -> list[LabelReport]:
        return [r for r in self.labels if r.taken]

    @property
    def not_taken(self) -> list[LabelReport]:
        return [r for r in self.labels if not r.taken]


SAMPLE_CHARS = 120


def _sample(text: str) -> str:
    text = " ".join(text[: SAMPLE_CHARS * 2].split())
    return text if len(text) <= SAMPLE_CHARS else text[: SAMPLE_CHARS - 1].rstrip() + "…"


# Lines that open with a bracket, a parenthesis or "#" (a timestamp, an id, a heading).
_OPENING = re.compile(r"\n[ \t]*[\[(#]")
# The blank lines between two paragraphs.
_PARAGRAPH_BREAK = re.compile(r"\n(?:[^\S\n]*\n)+")


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _candidate_lines(text: str) -> list[int]:
    """The starts of the lines that may open with a label: a colon near the start, or a
    bracket, a parenthesis or "#" first. Found with str.find, so that the lines of speech
    in a long text cost no Python code."""
    starts = {m.start() + 1 for m in _OPENING.finditer(text)}
    if re.match(r"[ \t]*[\[(#]", text):
        starts.add(0)
    for colon in ":：":
        at = text.find(colon)
        while at != -1:
            start = _line_start(text, at)
            if at - start <= MAX_LABEL_CHARS + 40:
                starts.add(start)
            end = text.find("\n", at)
            at = -1 if end == -1 else text.find(colon, end)
    return sorted(starts)


def _scan(text: str) -> dict[int, list[_Label]]:
    """The label chains of the lines that open with one, by line start, in text order, with
    their context: whether the line starts a paragraph (after a blank line or a label
    line), and whether a line ending in a colon introduced it (a quotation). The lines of
    a long text run through here by the hundred thousand: it avoids copying them."""
    chains: dict[int, list[_Label]] = {}

    def context(start: int, previous: int) -> tuple[bool, bool]:
        """(block_start, quoted) of the line at `start`; `previous` is the line before's start."""
        if start == 0:
            return True, False
        if previous == start - 1 or text[previous:start - 1].isspace():
            block_start = True  # after a blank line
        else:
            chain = chains.get(previous)
            block_start = bool(chain) and chain[-1].whole_line
        # The last character before this line that is not blank, and the line it ends.
        last = start - 1
        while last > 0 and text[last - 1].isspace():
            last -= 1
        if last == 0 or text[last - 1] not in ":：":
            return block_start, False
        chain = chains.get(_line_start(text, last - 1))
        return block_start, not (chain and chain[-1].whole_line)

    for start in _candidate_lines(text):
        end = text.find("\n", start)
        end = len(text) if end == -1 else end
        chain = _chain(text, start, end)
        if not chain:
            if _TIME_ONLY.match(text, start, end):
                chains[start] = []  # a timestamp without a speaker starts a turn too
            continue
        previous = _line_start(text, start - 1) if start else 0
        block_start, quoted = context(start, previous)
        rest = chain[-1].end
        while rest < end and text[rest] in " \t":
            rest += 1
        whole = rest >= end or text[rest:end].isspace()
        for label in chain:
            label.line, label.line_end, label.block_start, label.quoted, label.whole_line = (
                start, end, block_start, quoted, whole)
        first = chain[0]
        if (start and first.kind == COLON and not first.weak and first.time is None and not first.bold
                and first.speaker.count(" ") <= 2
                and previous not in chains and label_shape(first.speaker) in (WORD, NAME)):
            # A label broken over two lines: "Hamid" / "Karzai: ...".
            half = _NAME_LINE.fullmatch(text, previous, start - 1)
            words = half.group("label").split() + first.speaker.split() if half else []
            if half and len(words) <= MAX_LABEL_WORDS and all(
                    w[0].isupper() and not w.isupper() and not _is_role_word(w.casefold()) for w in words):
                joined = _Label(half.start("label"), first.end, " ".join(words), None, TWO_LINES)
                joined.line, joined.line_end, joined.whole_line, joined.half = start, end, whole, first
                joined.block_start, joined.quoted = context(previous, _line_start(text, previous - 1) if previous else 0)
                chain = [joined, *chain[1:]]
        chains[start] = chain
    return chains


def _verdict(label: str, shape: str, found: list[_Label], *, labels_start_paragraphs: bool) -> tuple[bool | None, str]:
    """(taken, why) for one label from all the lines it opens; taken is None for what
    does not look like a label at all (a sentence, a bracketed note), which the preview omits."""
    if shape == NONE:
        return None, ""
    count = len(found)
    kinds = {f.kind for f in found}
    if any(f.bold for f in found):
        return True, "in bold"
    if any(f.time and f.kind != TIMED_LINE for f in found):
        return True, "with a timestamp"
    if kinds == {HEADING}:
        if shape == ROLE or (count >= 2 and shape in (CODE, NAME, TITLE, WORD)):
            return True, f"a heading, {count} time{'s' if count != 1 else ''}"
        return (False, "a heading used once") if shape in (CODE, NAME) else (None, "")
    if kinds == {BRACKET}:
        if shape in (ROLE, CODE, NAME) or _ID.fullmatch(label):
            return True, "a bracketed id"
        return None, ""
    if shape == ROLE:
        return True, "a role word"
    if shape == CODE:
        return True, "a code or a name in capitals"
    if shape == NAME:
        return True, "a name"
    if shape == PLACE:
        return False, "a place name"
    if shape == LOOSE:
        return None, ""
    unquoted = [f for f in found if not f.quoted]
    if shape == TITLE:
        if count >= 2 or any(f.block_start for f in unquoted):
            return True, "a title and a name at the start of a paragraph"
        return False, "a title inside a paragraph" if unquoted else "after a line ending in a colon (a quotation?)"
    at_starts = [f for f in unquoted if f.block_start or not labels_start_paragraphs]
    if len(at_starts) >= 2:
        return True, f"recurs {len(at_starts)} times at the start of a paragraph"
    if count == 1:
        return False, "a single word, used once"
    if len(unquoted) < 2:
        return False, "after a line ending in a colon (a quotation?)"
    return False, "inside paragraphs, where this document's speakers start paragraphs"


def _spellings(found: Iterable[_Label]) -> str:
    # The most frequent spelling; Counter keeps first-seen order among equals.
    return Counter(f.speaker for f in found).most_common(1)[0][0]


def _decide(chains: dict[int, list[_Label]], choices: SpeakerChoices) -> tuple[dict[str, str], list[tuple]]:
    """Which label keys are speakers (key -> the speaker's name) and, per label in order of
    first appearance, (key, spelling, taken, why, count, index of its first line) for the preview."""
    joined: dict[str, list[_Label]] = {}
    for chain in chains.values():
        if chain and chain[0].kind == TWO_LINES:
            joined.setdefault(chain[0].key, []).append(chain[0])
    # A name broken over two lines is taken when it recurs, or when it also opens a line whole:
    # a line of capitalised words before a label may as well be the end of a speech.
    one_line = {label.key for chain in chains.values() for label in chain if label.kind != TWO_LINES}
    verdicts: dict[str, tuple[bool | None, str]] = {}
    for key, found in joined.items():
        shape = label_shape(_spellings(found))
        if shape in (NAME, TITLE):
            verdicts[key] = ((True, "a name broken over two lines") if len(found) >= 2 or key in one_line
                             else (False, "a name broken over two lines, once"))
        else:
            verdicts[key] = (False, "a place name") if shape == PLACE else (None, "")
    found_by_key: dict[str, list[_Label]] = {}
    for chain in chains.values():
        for i, label in enumerate(chain):
            if label.kind == TWO_LINES:
                if _chosen(label.key, verdicts[label.key][0], choices):
                    found_by_key.setdefault(label.key, []).append(label)
                    continue
                if label.key in choices.reject:
                    continue  # the researcher said the two lines are speech: neither half is a label
                label = label.half  # not a two-line label after all: its second half may be one
            if label.weak:
                continue
            found_by_key.setdefault(label.key, []).append(label)
    spelling = {key: _spellings(found) for key, found in found_by_key.items()}
    shape = {key: label_shape(spelling[key]) for key in found_by_key}
    strong = [f for key, found in found_by_key.items() if shape[key] in (ROLE, CODE, NAME) for f in found]
    labels_start_paragraphs = len(strong) >= 3 and sum(f.block_start for f in strong) >= 0.8 * len(strong)
    report = []
    taken: dict[str, str] = {}
    for key, found in found_by_key.items():
        if key not in verdicts or found[0].kind != TWO_LINES:
            verdicts[key] = _verdict(spelling[key], shape[key], found,
                                     labels_start_paragraphs=labels_start_paragraphs)
        ok, why = verdicts[key]
        choice = choices.choice(key)
        if choice == "reject":
            ok, why = False, "rejected by you"
        elif choice == "take":
            ok, why = True, "taken by you"
        elif choice == "merge":
            ok = True
        if ok:
            taken[key] = spelling[key]
        if ok is not None or choice:
            report.append((key, spelling[key], bool(ok), why, len(found), (found[0].line, found[0].line_end)))
    for key, found in joined.items():  # names broken over two lines not taken: the researcher may take them
        if key not in found_by_key and verdicts[key][0] is not None:
            report.append((key, _spellings(found), False, verdicts[key][1], len(found),
                           (found[0].start, found[0].line_end)))
    report.sort(key=lambda row: row[-1])
    merges = dict(choices.merge)
    for key in taken:
        target, name, seen = key, taken[key], {key}
        while target in merges:  # "A into B" and "B into C" put A's turns with C
            name = merges[target]
            target = label_key(name)
            if target in seen:
                break
            seen.add(target)
        taken[key] = spelling.get(target, name)
    return taken, report


def _chosen(key: str, ok: bool | None, choices: SpeakerChoices) -> bool:
    choice = choices.choice(key)
    return choice in ("take", "merge") or (bool(ok) and choice != "reject")


# The meta of the many turns that have none: one dict, never changed, not one per turn.
_NO_META: dict = {}


def _cuts(text: str, chains: dict[int, list[_Label]], taken: dict[str, str],
          rejected: frozenset[str] = frozenset()) -> list[tuple]:
    """Where the speaker changes or a timestamp starts a turn: (the first character of the
    label, where the words after it start, the speaker or None to keep it, meta)."""
    cuts: list[tuple[int, int, str | None, dict]] = []
    for start, chain in chains.items():
        end = chain[0].line_end if chain else len(text) if (end := text.find("\n", start)) == -1 else end
        at, pos, speaker, meta = start, start, None, {}
        for label in chain:
            if label.kind == TWO_LINES and label.key not in taken:
                if label.key in rejected:
                    break
                label = label.half
            name = taken.get(label.key)
            if name is None:
                break
            at = min(at, label.start) if speaker is None else at
            speaker, pos = name, label.end
            meta = {"time": label.time} if label.time else _NO_META
        while pos < end and text[pos].isspace():
            pos += 1
        if pos < end and text[pos] in "[(":
            time_only = _TIME_ONLY.match(text, pos, end)
            if time_only:
                meta = {"time": time_only.group("t1") or time_only.group("t2")}
                pos = time_only.end()
                cuts.append((at, pos, speaker, meta))
                continue
        if speaker is not None:
            cuts.append((at, pos, speaker, meta))
    return cuts


def _build_turns(text: str, cuts: list[tuple]) -> list[TurnSpan]:
    """Turns: a blank line ends one, a cut starts one (the words before it on its paragraph
    end the turn before), and the rest of a paragraph continues the speaker."""
    breaks = [(m.start(), m.end(), None, None) for m in _PARAGRAPH_BREAK.finditer(text)]
    events = sorted(cuts + breaks, key=lambda event: event[0])  # a break ends before the next line's label

    turns: list[TurnSpan] = []
    speaker, meta, pos = "", _NO_META, 0

    def emit(start: int, end: int) -> None:
        nonlocal meta
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            turns.append(TurnSpan(speaker, start, end, meta))
            meta = _NO_META

    for at, after, name, event_meta in events:
        emit(pos, at)
        pos = after
        if event_meta is not None:  # a label or a timestamp, not a paragraph break
            speaker = speaker if name is None else name
            meta = event_meta
    emit(pos, len(text))
    return turns


def detect_speakers(text: str, choices: SpeakerChoices | None = None) -> SpeakerDetection:
    """Split normalised text into turns, and report every label that was or could have been
    a speaker, with the reason, for the import preview. `choices` are the researcher's
    corrections (labels rejected, taken or merged)."""
    choices = choices or SpeakerChoices()
    chains = _scan(text)
    taken, found = _decide(chains, choices)
    cuts = _cuts(text, chains, taken, choices.reject)
    del chains  # a long text has a label object per line: gone before the turns are made
    turns = _build_turns(text, cuts)
    del cuts
    totals = {row.speaker: row for row in speaker_turns(text, turns)}
    labels = []
    merges = dict(choices.merge)
    for key, spelling, ok, why, count, (line_start, line_end) in found:
        chosen = choices.choice(key)
        row = totals.get(taken.get(key, ""))
        labels.append(LabelReport(
            label=spelling, taken=ok, why=why or "merged by you", count=count,
            turns=row.turns if row else 0, paragraphs=row.paragraphs if row else 0,
            # A label not taken shows the line it opens: is it a speaker, or words of a speech?
            sample=row.sample if row and ok else _sample(text[line_start:line_end]), speaker=taken.get(key, ""),
            chosen=chosen, same_as=_same_as(spelling, [f[1] for f in found if f[2] and f[1] != spelling]),
            merged_into=merges.get(key, ""),
        ))
    return SpeakerDetection(turns=turns, labels=labels)


def _same_as(label: str, others: list[str]) -> str:
    """The speaker whose name ends this label: "President of Russia Vladimir Putin" ends
    with "Vladimir Putin" (the preview offers to merge them)."""
    folded = label_key(label)
    return next((other for other in others if folded.endswith(" " + label_key(other))), "")


def split_turns(text: str, choices: SpeakerChoices | None = None) -> list[TurnSpan]:
    """Split normalised text into turns.

    A turn is a run of non-blank lines. A line that opens with a speaker label starts a
    turn of that speaker; the label (and any timestamp) is not part of the turn's range,
    so a coded passage never includes it. A label alone on its line (a Markdown heading,
    a name broken over two lines) names the speaker of the words that follow. A line or
    paragraph without a label continues the current speaker ("" before the first label).
    A bracketed timestamp without a speaker also starts a turn and goes into its meta,
    like the timestamp of a label: meta={"time": ...}. Turns are trimmed of surrounding
    whitespace, in order, and never overlap. Which labels are speakers: detect_speakers.
    """
    return detect_speakers(text, choices).turns


def split_labels(lines: Sequence[str], *, timed: bool = False) -> list[tuple[str | None, str]]:
    """For each line, (speaker, rest) if it opens with a speaker label, else (None, line).

    speaker_label_ok's rules, with labels counted over all the lines; for formats whose
    lines are not one text, such as subtitle cues (`timed`: each has a timestamp).
    """
    chains = [_chain(line, 0, len(line)) if _may_open_with_label(line) else [] for line in lines]
    labels = [label for chain in chains for label in chain if not label.weak]
    counts = Counter(label.key for label in labels)
    accepted = {
        label.key
        for label in labels
        # A line of a name and a time, without a colon, could also be a sentence ending in
        # a time ("Meeting starts 10:30"): the time does not vouch for it. Bold vouches.
        if speaker_label_ok(label.speaker, count=counts[label.key],
                            timed=timed or (label.time is not None and label.kind != TIMED_LINE) or label.bold)
    }
    spelling = {key: _spellings(label for label in labels if label.key == key) for key in accepted}
    result: list[tuple[str | None, str]] = []
    for line, chain in zip(lines, chains):
        speaker, pos = None, 0
        for label in chain:
            if label.key not in accepted:
                break
            speaker, pos = spelling[label.key], label.end
        result.append((speaker, line[pos:].strip() if speaker is not None else line))
    return result


@dataclass(frozen=True)
class SpeakerTurns:
    """A speaker's share of a text: turns (changes of speaker to them), paragraphs, and the
    beginning of their first turn."""

    speaker: str
    turns: int
    paragraphs: int
    sample: str


def speaker_turns(text: str, turns: Iterable[TurnSpan]) -> list[SpeakerTurns]:
    """Each named speaker in order of appearance, with turns counted as changes of speaker:
    the paragraphs of one speaker in a row are one turn."""
    runs: Counter = Counter()
    paragraphs: Counter = Counter()
    samples: dict[str, str] = {}
    previous = None
    for turn in turns:
        if turn.speaker:
            paragraphs[turn.speaker] += 1
            if turn.speaker != previous:
                runs[turn.speaker] += 1
            if turn.speaker not in samples:
                samples[turn.speaker] = _sample(text[turn.start:turn.end])
        previous = turn.speaker
    return [SpeakerTurns(name, runs[name], paragraphs[name], samples[name]) for name in samples]


def speakers(turns: Iterable[TurnSpan]) -> list[tuple[str, int]]:
    """Each speaker with its number of turns (changes of speaker, not paragraphs), in order
    of first appearance (for the import summary)."""
    runs: Counter = Counter()
    previous = None
    for turn in turns:
        if turn.speaker and turn.speaker != previous:
            runs[turn.speaker] += 1
        previous = turn.speaker
    return list(runs.items())


def rename_speakers(turns: Iterable[TurnSpan], mapping: dict[str, str]) -> list[TurnSpan]:
    """The turns with speakers renamed ("Respondent" -> "E3"); names not in `mapping` stay."""
    return [replace(turn, speaker=mapping.get(turn.speaker, turn.speaker)) for turn in turns]


# ---------------------------------------------------------------------------------------
# Pseudonymisation


@dataclass(frozen=True)
class Replacement:
    """A name, its pseudonym, and how often it was (or would be) replaced.

    `other_case` counts whole-word matches that differ only in case ("ANNA" for "Anna"):
    they are not replaced, and the import preview shows them so nobody is surprised.
    """

    name: str
    pseudonym: str
    count: int
    other_case: int = 0


@dataclass(frozen=True)
class _Edit:
    start: int  # in the original text
    end: int
    new_start: int  # in the pseudonymised text
    new_end: int


def _check_mapping(mapping: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    pairs = [(name, pseudonym) for name, pseudonym in mapping]
    names = [name for name, _ in pairs]
    blank = [name for name in names if not name.strip()]
    if blank:
        raise ValueError("a name to replace is empty")
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ValueError(f"names given more than once: {', '.join(twice)}")
    return pairs


def _whole_words(names: Iterable[str], flags: int = 0) -> re.Pattern:
    """One alternation, longest names first, so "Anna Petrova" wins over "Anna"."""
    ordered = sorted(names, key=lambda n: (-len(n), n))
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in ordered) + r")(?!\w)", flags)


_WORD_CHAR = re.compile(r"\w")


def _whole_word_matches(text: str, names: Iterable[str]) -> Iterable[re.Match]:
    """The matches of _whole_words(names) in `text`, found faster: without the leading
    look-behind the pattern starts with the names' first letters, which the regular
    expression engine skips to instead of trying every position of a long text; the
    look-behind is then checked here, and a match that fails it is searched again one
    character further on, as the full pattern would."""
    ordered = sorted(names, key=lambda n: (-len(n), n))
    pattern = re.compile("(?:" + "|".join(re.escape(n) for n in ordered) + r")(?!\w)")
    pos = 0
    while (match := pattern.search(text, pos)) is not None:
        start = match.start()
        if start and _WORD_CHAR.match(text, start - 1):
            pos = start + 1
            continue
        yield match
        pos = match.end() if match.end() > start else start + 1


def _pseudonymise(text: str, pairs: list[tuple[str, str]]) -> tuple[str, list[Replacement], list[_Edit]]:
    if not pairs:
        return text, [], []
    pseudonyms = dict(pairs)
    counts: Counter = Counter()
    out: list[str] = []
    edits: list[_Edit] = []
    last = 0
    length = 0  # length of the output so far
    for match in _whole_word_matches(text, pseudonyms):
        name = match.group()
        out.append(text[last : match.start()])
        length += match.start() - last
        new = pseudonyms[name]
        edits.append(_Edit(match.start(), match.end(), length, length + len(new)))
        out.append(new)
        length += len(new)
        counts[name] += 1
        last = match.end()
    out.append(text[last:])
    # Matches in any capitals: the names lowered, in the text lowered (as re.IGNORECASE compares).
    folded = Counter(m.group() for m in _whole_word_matches(text.lower(), {n.lower() for n in pseudonyms}))
    replacements = []
    for name, pseudonym in pairs:
        # Hits of this name in any capitals, less exact hits of names that lower the same.
        same_fold = sum(counts[n] for n in pseudonyms if n.lower() == name.lower())
        other = max(0, folded[name.lower()] - same_fold)
        replacements.append(Replacement(name, pseudonym, counts[name], other))
    return "".join(out), replacements, edits


def pseudonymise(text: str, mapping: Sequence[tuple[str, str]]) -> tuple[str, list[Replacement]]:
    """Replace real names by pseudonyms: whole words, case-sensitive, longest names first.

    One pass over the text, so a pseudonym is never replaced again ("Anna" -> "E1" and
    "E1" -> "E2" do not chain). Returns the new text and one Replacement per name, in the
    order of `mapping`, with its count.
    """
    new_text, replacements, _ = _pseudonymise(text, _check_mapping(mapping))
    return new_text, replacements


def preview(text: str, mapping: Sequence[tuple[str, str]]) -> list[Replacement]:
    """What pseudonymise would replace, per name, without changing anything."""
    return _pseudonymise(text, _check_mapping(mapping))[1]


def pseudonymise_turns(
    text: str, turns: Sequence[TurnSpan], mapping: Sequence[tuple[str, str]]
) -> tuple[str, list[TurnSpan], list[Replacement]]:
    """Pseudonymise a text and move its turns (and rename their speakers) to match.

    A position inside a replaced name snaps to the new name's bounds; any other moves by
    the change in length of the names before it. Turns and edits are both in text order,
    so one walk through each moves them all."""
    pairs = _check_mapping(mapping)
    new_text, replacements, edits = _pseudonymise(text, pairs)
    names: dict[str, str] = {}
    new_turns = []
    n = len(edits)
    i = j = 0  # the first edit not wholly before the turn's start (i) and end (j)
    start_shift = end_shift = 0
    for turn in turns:
        if turn.speaker not in names:
            names[turn.speaker] = _pseudonymise(turn.speaker, pairs)[0]
        while i < n and edits[i].end <= turn.start:
            start_shift = edits[i].new_end - edits[i].end
            i += 1
        j = max(j, i)
        while j < n and edits[j].end <= turn.end:
            end_shift = edits[j].new_end - edits[j].end
            j += 1
        if j == i:
            end_shift = start_shift
        start = edits[i].new_start if i < n and edits[i].start < turn.start else turn.start + start_shift
        end = edits[j].new_end if j < n and edits[j].start < turn.end else turn.end + end_shift
        new_turns.append(TurnSpan(names[turn.speaker], start, end, turn.meta))
    return new_text, new_turns, replacements
