"""Transcript text: normalisation, the split into speaker turns, and pseudonymisation.

Pure functions, independent of Django, so that importers, services and property tests
share one definition of "the stored text" and of "a turn".

Speaker labels are recognised at the start of a line, in the conventions transcribers use:

    Interviewer: ...            NAME: ...              Q: ... / A: ...
    E3: ...                     Anna Petrova: ...      Respondent (E3): ...
    [00:01:02] Anna: ...        Anna [00:01:02]: ...   **Anna:** ... (Markdown)
    Anna Petrova  00:01:02      (a label line without a colon, as Otter writes it)

A line that merely opens with words and a colon ("The point is this: ...", "Note: ...")
must not become a speaker, so a label is taken only when it looks like one: a role word
(Interviewer, Respondent, Q, A, Интервьюер, ...), a code or capitals (E3, INT, ANNA), a
name of two to four capitalised words, a label with a timestamp or in bold, or a single
word that labels at least two lines. Sentences (function words such as "the", "is"), punctuation,
more than four words and metadata words (Date, Note, Location, ...) never make a label.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

MAX_LABEL_WORDS = 4
MAX_LABEL_CHARS = 40


@dataclass(frozen=True)
class TurnSpan:
    """One turn: a speaker and the code-point range [start, end) of its words in the text."""

    speaker: str
    start: int
    end: int
    meta: dict = field(default_factory=dict, compare=False)


# ---------------------------------------------------------------------------------------
# Normalisation

# Line ends unified to "\n": CRLF, CR, and the other characters Python's str.splitlines()
# treats as line boundaries, so that text.split("\n") == text.splitlines() on stored text.
_LINE_END = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def normalise_text(raw: str) -> str:
    """The stored form: NFC, `\\n` line ends, no trailing whitespace, no BOM, no outer blank lines.

    Nothing else changes: every other character stays, in order, so offsets computed by
    an importer on this text are offsets into what the reader sees.
    """
    text = _LINE_END.sub("\n", raw)
    text = unicodedata.normalize("NFC", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return text.lstrip("\ufeff\n").rstrip("\n")


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
    r"(?P<label>[^\W\d_][^:：\n\[\]*_]{0,59}?)[ \t]*"
    rf"(?:(?:\[(?P<t4>{TIMESTAMP})\]|\((?P<t5>{TIMESTAMP})\))[ \t]*)?"
    # A space usually follows the colon; a letter straight after it ("Interviewer:And ...")
    # is a typing slip, still a label. CJK text needs no space after "：".
    r"(?P=bold)?[ \t]*(?::(?:\*\*|__)?(?=\s|$|[^\W\d_])|：(?:\*\*|__)?)"
)
# A line that is only a name and a timestamp: "Anna Petrova  00:01:02".
_TIMED_LINE = re.compile(
    r"(?P<label>[^\W\d_][^:：\n\[\]*_]{0,59}?)[ \t]+"
    rf"(?:\[(?P<t4>{TIMESTAMP})\]|\((?P<t5>{TIMESTAMP})\)|(?P<t6>{TIMESTAMP}))[ \t]*(?=\n|$)"
)
# A timestamp alone at the start of a line, with no speaker: "[00:01:02] text".
_TIME_ONLY = re.compile(rf"[ \t]*(?:\[(?P<t1>{TIMESTAMP})\]|\((?P<t2>{TIMESTAMP})\))(?=\s|$)")

_PARENTHETICAL = re.compile(r"[ \t]*\([^()\n]{1,30}\)$")
_BAD_LABEL_CHARS = set(',;!?"«»“”„()')

ROLES = frozenset(
    """
    interviewer interviewee respondent moderator facilitator participant expert speaker
    question answer q a i r int iv ivr ie resp res translator interpreter researcher
    narrator host guest unknown unidentified voice informant
    befragter befragte frage antwort f b
    intervieweur enquêteur enquêteuse répondant répondante réponse
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
    """.split()
)
FUNCTION_WORDS = frozenset(
    """
    the this that these those is are was were be been am it its we you he she they my our
    your his her their and or but if of to in on at for with from by as what why how when
    where who which there here not do does did have has had will would can could should
    i'm it's that's there's think mean guess believe said says
    это что как так но не на по из за для
    """.split()
)
PARTICLES = frozenset("de da di du del della der den van von la le al el bin ibn ben y".split())


@dataclass(frozen=True)
class _Label:
    """A speaker label candidate at a line start; `end` is where the words after it begin."""

    start: int
    end: int
    speaker: str  # as written, whitespace collapsed
    key: str  # for counting and matching: case-folded
    time: str | None
    timed_line: bool = False
    bold: bool = False


def _words(label: str) -> list[str]:
    return _PARENTHETICAL.sub("", label).split()


def _is_name_word(word: str) -> bool:
    return word[0].isupper() or word.casefold() in PARTICLES or word.isdigit()


def speaker_label_ok(label: str, *, count: int = 1, timed: bool = False) -> bool:
    """Whether `label` (the words before the colon) names a speaker.

    `count` is how many lines of the text open with the same label, `timed` whether a
    timestamp (or bold type) goes with it; both make a label more credible.
    """
    label = " ".join(label.split())
    if not label or len(label) > MAX_LABEL_CHARS or _BAD_LABEL_CHARS & set(_PARENTHETICAL.sub("", label)):
        return False
    if not label[0].isalpha():
        return False
    words = _words(label)
    if not words or len(words) > MAX_LABEL_WORDS:
        return False
    folded = [w.casefold().rstrip(".") for w in words]
    if any(w in STOP_WORDS for w in folded):
        return False
    rest_words = words[1:]
    if folded[0] in ROLES and all(
        w.isdigit() or len(w) == 1 or re.fullmatch(r"[^\W\d_]{1,3}\d+", w) or w[0].isupper() for w in rest_words
    ):
        return True  # "Interviewer", "Speaker 2", "Expert E3", "Respondent (E3)", "q"
    if len(words) > 1 and any(w in FUNCTION_WORDS for w in folded):
        return False
    if all(w.isupper() or w.isdigit() for w in words) and words[0].isupper():
        return True  # "E3", "INT", "ANNA PETROVA", "DR. SMITH"
    if len(words) > 1 and words[0][0].isupper() and all(_is_name_word(w) for w in words):
        return True  # "Anna Petrova", "Dr. Smith", "Jean-Luc de Vries"
    if timed:
        return True
    return count >= 2 and len(words) == 1


def _time(match: re.Match, *groups: str) -> str | None:
    for g in groups:
        value = match.groupdict().get(g)
        if value:
            return value
    return None


def _label_at(text: str, pos: int, stop: int) -> _Label | None:
    """The label candidate at `pos` (a line start, or right after another label), if any."""
    prefix = _PREFIX.match(text, pos, stop)
    after = prefix.end()
    before_time = _time(prefix, "t1", "t2", "t3")
    match = _COLON_LABEL.match(text, after, stop)
    timed_line = False
    if not match:
        match = _TIMED_LINE.match(text, after, stop)
        timed_line = True
        if not match:
            return None
    label = " ".join(match.group("label").split())
    if _BAD_LABEL_CHARS & set(_PARENTHETICAL.sub("", label)) or len(_words(label)) > MAX_LABEL_WORDS:
        return None
    time = before_time or _time(match, "t4", "t5", "t6")
    if timed_line and not time:
        return None
    return _Label(
        start=pos,
        end=match.end(),
        speaker=label,
        key=label.casefold(),
        time=time,
        timed_line=timed_line,
        bold=bool(match.groupdict().get("bold")),
    )


def _line_starts(text: str) -> Iterable[tuple[int, int]]:
    start = 0
    while start <= len(text):
        end = text.find("\n", start)
        if end == -1:
            end = len(text)
        yield start, end
        start = end + 1


def _chain(text: str, pos: int, stop: int) -> list[_Label]:
    """Labels following each other at a line start ("Anna: [00:01] Anna: ..." is two)."""
    labels = []
    while (label := _label_at(text, pos, stop)) is not None:
        labels.append(label)
        pos = label.end
    return labels


@dataclass
class _Speakers:
    """Which label keys are speakers in one text, and the spelling each one is shown with."""

    accepted: set[str]
    spelling: dict[str, str]

    @classmethod
    def from_chains(cls, chains: Iterable[list[_Label]], *, timed: bool = False) -> _Speakers:
        labels = [label for chain in chains for label in chain]
        counts = Counter(label.key for label in labels)
        accepted = {
            label.key
            for label in labels
            # A line of a name and a time, without a colon, could also be a sentence
            # ending in a time ("Meeting starts 10:30"): the time does not vouch for it.
            # Markdown bold ("**Anna:**") vouches like a timestamp does.
            if speaker_label_ok(
                label.speaker,
                count=counts[label.key],
                timed=timed or (label.time is not None and not label.timed_line) or label.bold,
            )
        }
        spellings: dict[str, Counter] = {}
        for label in labels:
            if label.key in accepted:
                spellings.setdefault(label.key, Counter())[label.speaker] += 1
        # The most frequent spelling; Counter keeps first-seen order among equals.
        return cls(accepted, {k: c.most_common(1)[0][0] for k, c in spellings.items()})


def split_turns(text: str) -> list[TurnSpan]:
    """Split normalised text into turns.

    A turn is a run of non-blank lines. A line that opens with a speaker label starts a
    turn of that speaker; the label (and any timestamp) is not part of the turn's range,
    so a coded passage never includes it. A label alone on its line names the speaker of
    the words that follow. A line or paragraph without a label continues the current
    speaker ("" before the first label). A bracketed timestamp without a speaker also
    starts a turn and goes into its meta, like the timestamp of a label: meta={"time": ...}.
    Turns are trimmed of surrounding whitespace, in order, and never overlap.
    """
    lines = list(_line_starts(text))
    chains = {start: _chain(text, start, end) for start, end in lines}
    known = _Speakers.from_chains(chains.values())

    turns: list[TurnSpan] = []
    speaker = ""
    open_turn: list | None = None  # [speaker, start, end, meta] of the turn being built
    pending_meta: dict = {}

    def close():
        nonlocal open_turn
        if open_turn is not None:
            turns.append(TurnSpan(open_turn[0], open_turn[1], open_turn[2], open_turn[3]))
            open_turn = None

    for line_start, line_end in lines:
        content_end = line_start + len(text[line_start:line_end].rstrip())
        if content_end == line_start:  # a blank line ends the turn
            close()
            continue
        pos = line_start
        labelled = False
        meta: dict = {}
        for label in chains[line_start]:
            if label.key not in known.accepted:
                break
            speaker = known.spelling[label.key]
            meta = {"time": label.time} if label.time else {}
            pos = label.end
            labelled = True
        time_only = _TIME_ONLY.match(text, pos, line_end)
        if time_only:
            meta = {"time": _time(time_only, "t1", "t2")}
            pos = time_only.end()
            labelled = True
        while pos < content_end and text[pos].isspace():
            pos += 1
        if labelled:
            close()
            pending_meta = meta
            if pos >= content_end:
                continue  # a label line: the words follow on the next line or paragraph
        if open_turn is not None and not labelled:
            open_turn[2] = content_end
        else:
            close()
            open_turn = [speaker, pos, content_end, pending_meta]
            pending_meta = {}
    close()
    return turns


def split_labels(lines: Sequence[str], *, timed: bool = False) -> list[tuple[str | None, str]]:
    """For each line, (speaker, rest) if it opens with a speaker label, else (None, line).

    The same rules as split_turns, with labels counted over all the lines; for formats
    whose lines are not one text, such as subtitle cues (`timed`: each has a timestamp).
    """
    chains = [_chain(line, 0, len(line)) for line in lines]
    known = _Speakers.from_chains(chains, timed=timed)
    result: list[tuple[str | None, str]] = []
    for line, chain in zip(lines, chains):
        speaker, pos = None, 0
        for label in chain:
            if label.key not in known.accepted:
                break
            speaker, pos = known.spelling[label.key], label.end
        result.append((speaker, line[pos:].strip() if speaker is not None else line))
    return result


def speakers(turns: Iterable[TurnSpan]) -> list[tuple[str, int]]:
    """Each speaker with its number of turns, in order of first appearance (for the import form)."""
    counts = Counter(turn.speaker for turn in turns if turn.speaker)
    return list(counts.items())


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


def _pseudonymise(text: str, pairs: list[tuple[str, str]]) -> tuple[str, list[Replacement], list[_Edit]]:
    if not pairs:
        return text, [], []
    pseudonyms = dict(pairs)
    counts: Counter = Counter()
    out: list[str] = []
    edits: list[_Edit] = []
    last = 0
    length = 0  # length of the output so far
    for match in _whole_words(pseudonyms).finditer(text):
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
    folded = Counter(m.group().casefold() for m in _whole_words(pseudonyms, re.IGNORECASE).finditer(text))
    replacements = []
    for name, pseudonym in pairs:
        # Case-insensitive hits of this name, less exact hits of names that fold the same.
        same_fold = sum(counts[n] for n in pseudonyms if n.casefold() == name.casefold())
        other = max(0, folded[name.casefold()] - same_fold)
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


def _moved(pos: int, edits: list[_Edit], *, is_end: bool) -> int:
    """Where position `pos` of the original text lies in the pseudonymised text."""
    shift = 0
    for edit in edits:
        if edit.end <= pos:
            shift = edit.new_end - edit.end
        elif edit.start < pos:  # inside a replaced name: snap to its new bounds
            return edit.new_end if is_end else edit.new_start
        else:
            break
    return pos + shift


def pseudonymise_turns(
    text: str, turns: Sequence[TurnSpan], mapping: Sequence[tuple[str, str]]
) -> tuple[str, list[TurnSpan], list[Replacement]]:
    """Pseudonymise a text and move its turns (and rename their speakers) to match."""
    pairs = _check_mapping(mapping)
    new_text, replacements, edits = _pseudonymise(text, pairs)
    new_turns = []
    for turn in turns:
        speaker, _, _ = _pseudonymise(turn.speaker, pairs)
        new_turns.append(
            TurnSpan(
                speaker,
                _moved(turn.start, edits, is_end=False),
                _moved(turn.end, edits, is_end=True),
                dict(turn.meta),
            )
        )
    return new_text, new_turns, replacements
