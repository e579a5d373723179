"""The stored text, its turns and pseudonymisation: apps.transcripts.text (no Django)."""
from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from apps.transcripts.text import (
    Replacement,
    SpeakerChoices,
    TurnSpan,
    checksum,
    detect_speakers,
    normalise_text,
    preview,
    pseudonymise,
    pseudonymise_turns,
    rename_speakers,
    speaker_label_ok,
    speaker_turns,
    speakers,
    split_labels,
    split_turns,
    word_count,
)


def turn_texts(text: str) -> list[tuple[str, str]]:
    return [(t.speaker, text[t.start : t.end]) for t in split_turns(text)]


# --- normalise_text -----------------------------------------------------------------------


def test_normalise_unifies_line_ends_trims_trailing_spaces_and_composes():
    raw = "\ufeffInterviewer: Cafe\u0301 ?  \r\nE3: Yes.\t\r\rE3: No.\u2028More \n\n\n"
    assert normalise_text(raw) == "Interviewer: Café ?\nE3: Yes.\n\nE3: No.\nMore"


def test_normalise_keeps_leading_indentation_and_inner_blank_lines():
    assert normalise_text("\n\n  indented\n\n\nlast") == "  indented\n\n\nlast"


def test_checksum_is_sha256_of_utf8():
    assert checksum("E3: да") == checksum("E3: да")
    assert checksum("E3: да") != checksum("E3: нет")
    assert len(checksum("")) == 64


# --- speaker conventions ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Anna: Hello.\n\nBoris: Hi.\n\nAnna: Bye.\nBoris: Bye.",
            [("Anna", "Hello."), ("Boris", "Hi."), ("Anna", "Bye."), ("Boris", "Bye.")],
        ),
        ("ANNA: Hello.\n\nBORIS: Hi.", [("ANNA", "Hello."), ("BORIS", "Hi.")]),
        ("Q: Why?\nA: Because.\nQ: Sure?\nA: Yes.", [("Q", "Why?"), ("A", "Because."), ("Q", "Sure?"), ("A", "Yes.")]),
        ("[00:01:02] Anna: Hello.\n[00:01:09] Boris: Hi.", [("Anna", "Hello."), ("Boris", "Hi.")]),
        ("Anna [00:01:02]: Hello.\n\nBoris (00:01:09): Hi.", [("Anna", "Hello."), ("Boris", "Hi.")]),
        ("Interviewer: Why?\n\nRespondent: Because.", [("Interviewer", "Why?"), ("Respondent", "Because.")]),
        ("interviewer: why?\n\nrespondent: because.", [("interviewer", "why?"), ("respondent", "because.")]),
        ("Interviewer: Why?\n\nE3: Because.", [("Interviewer", "Why?"), ("E3", "Because.")]),
        ("Anna Petrova: Hello.", [("Anna Petrova", "Hello.")]),
        ("Dr. Smith: Hello.", [("Dr. Smith", "Hello.")]),
        ("Speaker 2: Hello.", [("Speaker 2", "Hello.")]),
        ("Respondent (E3): Hello.", [("Respondent (E3)", "Hello.")]),
        ("Интервьюер: Почему?\n\nЭксперт: Потому что.", [("Интервьюер", "Почему?"), ("Эксперт", "Потому что.")]),
        ("**Interviewer:** Why?\n\n**Anna**: Because.", [("Interviewer", "Why?"), ("Anna", "Because.")]),
        (
            "Anna Petrova  00:01:02\nHello there.\n\nBoris Ivanov  00:01:09\nHi.",
            [("Anna Petrova", "Hello there."), ("Boris Ivanov", "Hi.")],
        ),
        ("E3：全角コロン", [("E3", "全角コロン")]),
    ],
)
def test_split_turns_recognises_common_conventions(text, expected):
    assert turn_texts(text) == expected


def test_timestamps_go_into_meta_not_into_the_turn():
    text = "[00:01:02] Anna: Hello.\n\nBoris [1:09]: Hi.\n\n(00:02:00) Still Boris."
    turns = split_turns(text)
    assert [(t.speaker, t.meta, text[t.start : t.end]) for t in turns] == [
        ("Anna", {"time": "00:01:02"}, "Hello."),
        ("Boris", {"time": "1:09"}, "Hi."),
        ("Boris", {"time": "00:02:00"}, "Still Boris."),
    ]


@pytest.mark.parametrize(
    "line",
    [
        "The point is this: nobody wanted to go.",
        "Note: the recording stops here.",
        "Date: 14 March 2024",
        "I think: no.",
        "So what happened in Osh, really: nothing.",
        "See https://example.org for the treaty.",
        "At 10:30 we met the minister.",
        "Meeting starts 10:30",
        "One two three four five: too long for a name",
        "Anna Petrova Ivanova Smith Jones: five capitalised words",
    ],
)
def test_sentences_with_a_colon_are_not_speakers_even_when_repeated(line):
    text = f"Interviewer: Why?\n\nE3: Well.\n{line}\n\n{line}"
    assert turn_texts(text) == [("Interviewer", "Why?"), ("E3", f"Well.\n{line}"), ("E3", line)]


def test_one_capitalised_word_once_is_not_a_speaker():
    text = "Interviewer: Why?\n\nE3: Three cases.\nKazakhstan: the exception."
    assert turn_texts(text) == [("Interviewer", "Why?"), ("E3", "Three cases.\nKazakhstan: the exception.")]


def test_a_single_word_label_counts_when_it_recurs():
    once = "Smith: hello."
    assert turn_texts(once) == [("", "Smith: hello.")]
    twice = "Smith: hello.\n\nJones: hi.\n\nSmith: bye.\n\nJones: ok."
    assert [s for s, _ in turn_texts(twice)] == ["Smith", "Jones", "Smith", "Jones"]


def test_label_alone_on_its_line_names_the_next_words():
    text = "INTERVIEWER:\nWhy did nobody come?\n\nE3:\n\nBecause Moscow said no.\nAnd the others agreed."
    assert turn_texts(text) == [
        ("INTERVIEWER", "Why did nobody come?"),
        ("E3", "Because Moscow said no.\nAnd the others agreed."),
    ]


def test_paragraphs_without_label_continue_the_speaker_as_separate_turns():
    text = "Header line\n\nE3: First.\n\nSecond paragraph.\n\nInterviewer: Next?"
    assert turn_texts(text) == [
        ("", "Header line"), ("E3", "First."), ("E3", "Second paragraph."), ("Interviewer", "Next?")
    ]


def test_spellings_of_one_speaker_are_shown_alike():
    text = "Interviewer: a\n\nE3: b\n\nINTERVIEWER: c\n\nInterviewer: d"
    assert [s for s, _ in turn_texts(text)] == ["Interviewer", "E3", "Interviewer", "Interviewer"]


def test_turns_exclude_labels_and_cover_the_words():
    text = "  Q:   Why?  \nA: Because."
    turns = split_turns(text)
    assert [(t.start, t.end) for t in turns] == [(7, 11), (17, 25)]
    assert [text[t.start : t.end] for t in turns] == ["Why?", "Because."]


def test_split_labels_for_separate_lines():
    lines = ["Anna: hi", "no label here", "Anna: again", "The point is this: no"]
    assert split_labels(lines) == [
        ("Anna", "hi"), (None, "no label here"), ("Anna", "again"), (None, "The point is this: no")
    ]
    assert split_labels(["Boris: once"], timed=True) == [("Boris", "once")]


def test_speaker_label_ok_rules():
    assert speaker_label_ok("Interviewer")
    assert speaker_label_ok("E3")
    assert speaker_label_ok("Anna Petrova")
    assert not speaker_label_ok("Anna")
    assert speaker_label_ok("Anna", count=2)
    assert speaker_label_ok("anna", timed=True)
    assert not speaker_label_ok("The point is this", count=5, timed=True)
    assert not speaker_label_ok("Note", count=5, timed=True)
    assert not speaker_label_ok("Why, then", count=5)


def test_speakers_and_rename_speakers():
    turns = split_turns("Interviewer: a\n\nRespondent: b\n\nInterviewer: c")
    assert speakers(turns) == [("Interviewer", 2), ("Respondent", 1)]
    renamed = rename_speakers(turns, {"Respondent": "E3"})
    assert [t.speaker for t in renamed] == ["Interviewer", "E3", "Interviewer"]
    assert [(t.start, t.end) for t in renamed] == [(t.start, t.end) for t in turns]


# --- conventions of real files (issue 15) -------------------------------------------------


def not_taken(text: str, choices: SpeakerChoices | None = None) -> dict[str, str]:
    return {r.label: r.why for r in detect_speakers(text, choices).not_taken}


PUTIN = (
    "Moderator: Good afternoon, colleagues.\n\n"
    "President of Russia Vladimir Putin: Thank you. Let me begin with the alliance.\n\n"
    "We discussed Kazakhstan at length.\n\n"
    "And Armenia, which asked too.\n\n"
    "Moderator: And the others?\n\n"
    "Vladimir Putin: As they told us then:\n"
    "Germany: we will not send troops.\n\n"
    "Moderator: Thank you."
)


def test_a_function_title_before_a_name_is_a_label_even_once():
    assert turn_texts(PUTIN)[1:4] == [
        ("President of Russia Vladimir Putin", "Thank you. Let me begin with the alliance."),
        ("President of Russia Vladimir Putin", "We discussed Kazakhstan at length."),
        ("President of Russia Vladimir Putin", "And Armenia, which asked too."),
    ]
    putin = next(r for r in detect_speakers(PUTIN).speakers if r.label.startswith("President"))
    assert (putin.turns, putin.paragraphs, putin.same_as) == (1, 3, "Vladimir Putin")


def test_a_quoted_place_name_inside_a_speech_is_not_a_speaker():
    assert turn_texts(PUTIN)[4:] == [
        ("Moderator", "And the others?"),
        ("Vladimir Putin", "As they told us then:\nGermany: we will not send troops."),
        ("Moderator", "Thank you."),
    ]
    assert not_taken(PUTIN) == {"Germany": "a place name"}


def test_a_place_name_is_a_speaker_when_the_researcher_takes_it():
    text = "Chair: The floor is yours.\n\nGermany: We will not send troops.\n\nChair: Thank you."
    assert turn_texts(text)[1] == ("Chair", "Germany: We will not send troops.")
    assert [s for s, _ in turn_texts_with(text, SpeakerChoices.of(take=["Germany"]))] == ["Chair", "Germany", "Chair"]


def turn_texts_with(text: str, choices: SpeakerChoices) -> list[tuple[str, str]]:
    return [(t.speaker, text[t.start : t.end]) for t in split_turns(text, choices)]


def test_a_label_broken_over_two_lines_is_one_speaker():
    text = "Interviewer: Who came in 2010?\n\nHamid\nKarzai: Nobody came.\n\nInterviewer: Why?\n\nHamid\nKarzai: Moscow."
    assert turn_texts(text) == [
        ("Interviewer", "Who came in 2010?"), ("Hamid Karzai", "Nobody came."),
        ("Interviewer", "Why?"), ("Hamid Karzai", "Moscow."),
    ]
    assert [r.label for r in detect_speakers(text).speakers] == ["Interviewer", "Hamid Karzai"]


def test_a_name_broken_over_two_lines_once_is_reported_and_can_be_taken():
    text = "Interviewer: Who came?\n\nHamid\nKarzai: Nobody came.\n\nInterviewer: Why?\n\nE3: Moscow."
    assert turn_texts(text)[1] == ("Interviewer", "Hamid\nKarzai: Nobody came.")
    assert not_taken(text) == {"Hamid Karzai": "a name broken over two lines, once",
                               "Karzai": "a single word, used once"}
    assert turn_texts_with(text, SpeakerChoices.of(take=["Hamid Karzai"]))[1] == ("Hamid Karzai", "Nobody came.")


def test_a_two_line_label_the_researcher_rejects_leaves_both_lines_in_the_speech():
    text = "Interviewer: Who came?\n\nHamid\nKarzai: Nobody came.\n\nHamid\nKarzai: Moscow."
    assert turn_texts_with(text, SpeakerChoices.of(reject=["Hamid Karzai"])) == [
        ("Interviewer", "Who came?"), ("Interviewer", "Hamid\nKarzai: Nobody came."),
        ("Interviewer", "Hamid\nKarzai: Moscow.")]


def test_a_role_label_after_a_line_of_one_word_is_not_a_broken_name():
    assert turn_texts("Thanks\nInterviewer: Why?") == [("", "Thanks"), ("Interviewer", "Why?")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Interviewer2 : Pourquoi l'OTSC n'est-elle pas venue ?\n\nE5 : Une affaire intérieure.",
         [("Interviewer2", "Pourquoi l'OTSC n'est-elle pas venue ?"), ("E5", "Une affaire intérieure.")]),
        ("Enquêtrice : Et en 2022 ?\n\nIntervenant : Le Kazakhstan.",
         [("Enquêtrice", "Et en 2022 ?"), ("Intervenant", "Le Kazakhstan.")]),
        ("Vraag: Waarom niet?\n\nGeïnterviewde: Een interne kwestie.",
         [("Vraag", "Waarom niet?"), ("Geïnterviewde", "Een interne kwestie.")]),
    ],
)
def test_one_off_role_labels_in_french_and_dutch(text, expected):
    assert turn_texts(text) == expected


def test_french_sentences_with_a_space_before_the_colon_are_not_speakers():
    text = "Enquêteur : Pourquoi ?\n\nE5 : Le problème est simple : personne ne voulait.\nLe fond du problème : Moscou."
    assert [s for s, _ in turn_texts(text)] == ["Enquêteur", "E5"]


def test_markdown_headings_name_the_speaker_of_the_paragraphs_below():
    text = ("# Interview 3\n\n### Interviewer\n\nWhy did they come?\n\n### Respondent\n\nBecause of the treaty.\n\n"
            "It was signed in 2002.\n\n### Interviewer\n\nThank you.")
    assert turn_texts(text) == [
        ("", "# Interview 3"), ("Interviewer", "Why did they come?"), ("Respondent", "Because of the treaty."),
        ("Respondent", "It was signed in 2002."), ("Interviewer", "Thank you."),
    ]
    assert not_taken(text) == {"Interview 3": "a heading used once"}


def test_bracketed_ids_are_speakers_and_bracketed_notes_are_not():
    text = "[id1] Why did they come?\n[id2] Because of the treaty. [laughs]\n[laughs] Really.\n[id1]: Thanks."
    assert turn_texts(text) == [
        ("id1", "Why did they come?"), ("id2", "Because of the treaty. [laughs]\n[laughs] Really."),
        ("id1", "Thanks."),
    ]


def test_a_single_word_once_is_reported_and_can_be_taken():
    text = "E3: We had three cases.\n\nOtunbayeva: the exception.\n\nInterviewer: Ok."
    assert [s for s, _ in turn_texts(text)] == ["E3", "E3", "Interviewer"]
    assert not_taken(text) == {"Otunbayeva": "a single word, used once"}
    report = detect_speakers(text).not_taken[0]
    assert (report.count, report.sample) == (1, "Otunbayeva: the exception.")
    taken = SpeakerChoices.of(take=["otunbayeva"])  # any spelling
    assert turn_texts_with(text, taken)[1] == ("Otunbayeva", "the exception.")


def test_a_recurring_word_inside_paragraphs_is_not_taken_where_speakers_start_paragraphs():
    text = ("Interviewer: Which states?\n\nE3: Two of them.\nMembers: Russia and Belarus.\n\n"
            "Interviewer: And then?\n\nE3: The rest.\nMembers: none.\n\nInterviewer: Thanks.")
    assert "Members" not in {s for s, _ in turn_texts(text)}
    assert not_taken(text) == {"Members": "inside paragraphs, where this document's speakers start paragraphs"}


def test_rejecting_and_merging_labels():
    text = "Interviewer: Hi.\n\nE3: Hello.\n\nINT: Why?\n\nRespondent: Because.\n\nE3: Yes."
    choices = SpeakerChoices.of(reject=["Respondent"], merge={"INT": "Interviewer"})
    assert turn_texts_with(text, choices) == [
        ("Interviewer", "Hi."), ("E3", "Hello."), ("Interviewer", "Why?"), ("Interviewer", "Respondent: Because."),
        ("E3", "Yes."),
    ]
    reports = {r.label: r for r in detect_speakers(text, choices).labels}
    assert (reports["INT"].taken, reports["INT"].speaker, reports["INT"].chosen) == (True, "Interviewer", "merge")
    assert (reports["Respondent"].taken, reports["Respondent"].why) == (False, "rejected by you")
    assert reports["Interviewer"].turns == 2  # "Hi." and, merged, "Why?" with the rejected line: two turns


def test_merges_follow_each_other():
    text = "A1: x\n\nB1: y\n\nC1: z"
    choices = SpeakerChoices.of(merge=[("A1", "B1"), ("B1", "C1")])
    assert [s for s, _ in turn_texts_with(text, choices)] == ["C1", "C1", "C1"]


def test_a_speakers_label_with_a_sign_or_digit_after_the_colon_is_still_theirs():
    text = "Interviewer: Why?\n\nE3: One.\n\nInterviewer: And?\n\nE3:/two.\n\nInterviewer:5 more?\n\nE3:!Three."
    assert turn_texts(text) == [
        ("Interviewer", "Why?"), ("E3", "One."), ("Interviewer", "And?"), ("E3", "/two."), ("Interviewer", "5 more?"),
        ("E3", "!Three."),
    ]
    # Alone, words before a colon and a digit or slash (a time, a ratio, an address) are no label.
    assert turn_texts("Ratio:5 to 1\n\nRatio:6 to 1\n\nSee:/x") == [
        ("", "Ratio:5 to 1"), ("", "Ratio:6 to 1"), ("", "See:/x")]


def test_turns_are_changes_of_speaker_not_paragraphs():
    text = "Interviewer: Why?\n\nE3: One.\n\nTwo.\n\nThree.\n\nInterviewer: And?\n\nE3: Four."
    turns = split_turns(text)
    assert len(turns) == 6
    assert speakers(turns) == [("Interviewer", 2), ("E3", 2)]
    assert [(r.speaker, r.turns, r.paragraphs, r.sample) for r in speaker_turns(text, turns)] == [
        ("Interviewer", 2, 2, "Why?"), ("E3", 2, 4, "One.")]


def test_a_long_text_is_split_quickly():
    """20 MB of interview splits in about a second (a quadratic step would take minutes)."""
    import time

    paragraph = "Interviewer: Why did the alliance not come?\n\nE3: " + "It was called an internal matter. " * 20
    text = "\n\n".join([paragraph] * 6000)  # 4.5 MB
    start = time.process_time()
    turns = split_turns(text)
    assert len(turns) == 12000
    assert time.process_time() - start < 5


@given(st.text(alphabet=st.sampled_from(list("ab \t\n\u00a0\u2028\x1f.é")), max_size=300), st.integers(1, 7))
def test_word_count_is_the_number_of_words_across_chunk_boundaries(text, chunk_bits):
    assert word_count(text, chunk=2**chunk_bits) == word_count(text) == len(text.split())


# --- pseudonymise -------------------------------------------------------------------------


def test_pseudonymise_longest_names_first_whole_words_case_sensitive():
    text = "Anna Petrova met Anna and ANNA at Annaberg. Anna's view: Petrova agreed."
    new, replacements = pseudonymise(text, [("Anna", "E1"), ("Anna Petrova", "E3"), ("Petrova", "P")])
    assert new == "E3 met E1 and ANNA at Annaberg. E1's view: P agreed."
    assert replacements == [
        Replacement("Anna", "E1", 2, other_case=1),
        Replacement("Anna Petrova", "E3", 1),
        Replacement("Petrova", "P", 1),
    ]


def test_pseudonymise_never_replaces_a_pseudonym_again():
    new, replacements = pseudonymise("Anna and E1", [("Anna", "E1"), ("E1", "E2")])
    assert new == "E1 and E2"
    assert [r.count for r in replacements] == [1, 1]


def test_pseudonymise_cyrillic_names_whole_words():
    new, replacements = pseudonymise("Иван сказал, что Иванов прав. Иван!", [("Иван", "E5")])
    assert new == "E5 сказал, что Иванов прав. E5!"
    assert replacements == [Replacement("Иван", "E5", 2)]


def test_preview_counts_without_changing_anything():
    text = "Anna: yes.\n\nAnna: no. anna"
    assert preview(text, [("Anna", "E1"), ("Boris", "E2")]) == [
        Replacement("Anna", "E1", 2, other_case=1),
        Replacement("Boris", "E2", 0),
    ]


@pytest.mark.parametrize(
    ("mapping", "message"),
    [([("", "E1")], "empty"), ([("Anna", "E1"), ("Anna", "E2")], "more than once: Anna")],
)
def test_pseudonymise_rejects_bad_mappings(mapping, message):
    with pytest.raises(ValueError, match=message):
        pseudonymise("Anna", mapping)


def test_pseudonymise_turns_moves_turns_and_renames_speakers():
    text = "Anna Petrova: I met Boris Ivanov.\n\nInterviewer: And Boris?\n\nAnna Petrova: Boris Ivanov said no."
    turns = split_turns(text)
    new, new_turns, replacements = pseudonymise_turns(text, turns, [("Anna Petrova", "E3"), ("Boris Ivanov", "X")])
    assert new == "E3: I met X.\n\nInterviewer: And Boris?\n\nE3: X said no."
    assert [(t.speaker, new[t.start : t.end]) for t in new_turns] == [
        ("E3", "I met X."),
        ("Interviewer", "And Boris?"),
        ("E3", "X said no."),
    ]
    assert [r.count for r in replacements] == [2, 2]
    assert new_turns == split_turns(new)


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(list("Anaé Pétrov_1 .\nANNA")), max_size=60),
       st.lists(st.sampled_from(["Anna", "Anna Pétrov", "Pétrov", "nna", "a", "A_1"]), min_size=1, max_size=4,
                unique=True))
def test_pseudonymise_matches_whole_words_as_the_plain_pattern_does(text, names):
    from apps.transcripts.text import _whole_word_matches, _whole_words

    assert [m.span() for m in _whole_word_matches(text, names)] == [m.span() for m in _whole_words(names).finditer(text)]
    folded = [m.group() for m in _whole_word_matches(text.lower(), {n.lower() for n in names})]
    assert folded == [m.group().lower() for m in _whole_words(names, re.IGNORECASE).finditer(text)]


@settings(max_examples=200)
@given(st.lists(st.tuples(st.sampled_from(["Interviewer: ", "Anna Petrova: ", "E3: ", ""]),
                          st.lists(st.sampled_from(["Anna", "Anna Petrova", "Petrova", "said", "no", "Annaberg"]),
                                   min_size=1, max_size=6).map(" ".join)), max_size=12)
       .map(lambda lines: "\n\n".join(label + words for label, words in lines)))
def test_pseudonymised_turns_hold_the_pseudonymised_words(text):
    mapping = [("Anna Petrova", "E3"), ("Anna", "E1"), ("Petrova", "P")]
    turns = split_turns(text)
    new_text, new_turns, _ = pseudonymise_turns(text, turns, mapping)
    assert [new_text[t.start : t.end] for t in new_turns] == [
        pseudonymise(text[t.start : t.end], mapping)[0] for t in turns]
    assert [t.speaker for t in new_turns] == [pseudonymise(t.speaker, mapping)[0] for t in turns]


# --- properties ---------------------------------------------------------------------------

LINE_END = re.compile("\r\n|[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")

raw_texts = st.text(
    alphabet=st.one_of(
        st.sampled_from(list(" \t\r\n\ufeff\u00a0\u2028\x0b:[]()0123456789*QAEIe\u0301\u0308ёй")),
        st.characters(codec="utf-8"),
    ),
    max_size=200,
)


@settings(max_examples=400)
@given(raw_texts)
@example("\n\ufeffabc")
@example("\ufeff \nabc")
@example("a\r\n\u0301")
def test_normalise_text_properties(raw):
    text = normalise_text(raw)
    assert normalise_text(text) == text  # idempotent
    assert unicodedata.is_normalized("NFC", text)
    lines = text.split("\n")
    assert lines == text.splitlines() or text == ""
    assert all(line == line.rstrip() for line in lines)
    assert not text.startswith(("\n", "\ufeff")) and not text.endswith("\n")
    # Nothing but line ends, trailing whitespace, leading BOMs and outer blank lines changes:
    # the same lines, in order, as NFC of the input split at its line ends.
    reference = [line.rstrip() for line in LINE_END.split(unicodedata.normalize("NFC", raw))]
    while reference and reference[0].lstrip("\ufeff") == "":
        reference.pop(0)
    if reference:
        reference[0] = reference[0].lstrip("\ufeff")
    while reference and reference[-1] == "":
        reference.pop()
    assert lines == (reference or [""])


# Transcript-like text: labels of every convention, false labels, and noise, in lines and paragraphs.
labels = st.sampled_from(
    ["Interviewer: ", "E3: ", "Q: ", "A: ", "ANNA: ", "Anna: ", "Anna Petrova: ", "[00:01:02] Boris: ",
     "Boris [00:01:02]: ", "**Anna:** ", "The point is this: ", "Note: ", "[00:00:05] ", "Anna Petrova  00:01:02\n",
     "Respondent (E3): ", "interviewer:", "E3:", "", "", ""]
)
words = st.text(alphabet=st.sampled_from(list("abc XYZ:.,?[]()0123456789\u0301é\t")), max_size=40)
lines_ = st.tuples(st.sampled_from(["", " ", "  "]), labels, words).map("".join)
transcripts = st.lists(st.tuples(lines_, st.sampled_from(["\n", "\n\n", "\r\n", "\n \n", "\n\n\n"])), max_size=12).map(
    lambda parts: "".join(line + sep for line, sep in parts)
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(transcripts, raw_texts))
@example("Anna: Anna: hi\nAnna: x")
@example("E3:\n\nE3: E3:")
def test_split_turns_properties(raw):
    text = normalise_text(raw)
    turns = split_turns(text)
    assert split_turns(text) == turns  # deterministic
    previous_end = 0
    found = {t.speaker for t in turns if t.speaker}
    for turn in turns:
        assert isinstance(turn, TurnSpan)
        assert previous_end <= turn.start < turn.end <= len(text)  # within the text, in order, no overlap
        previous_end = turn.end
        words_ = text[turn.start : turn.end]
        assert words_ == words_.strip()  # trimmed, never empty
        # No line of a turn opens with a speaker's label: labels are outside the turns.
        for line in words_.split("\n"):
            line = line.lstrip(" \t")
            for speaker in found:
                assert not re.match(re.escape(speaker) + r"[ \t]*:(\s|$)", line), (speaker, line)
    # Only labels are left outside the turns: every word of the text is in some turn.
    bounds = [0, *(x for t in turns for x in (t.start, t.end)), len(text)]
    for gap_start, gap_end in zip(bounds[::2], bounds[1::2]):
        for line in text[gap_start:gap_end].split("\n"):
            line = line.strip()
            assert not line or re.search(r"([:：](\*\*|__)?|[\])]|\d)$", line), (line, text)
