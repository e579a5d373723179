"""Experts and transcripts: how an interview is stored (normalised text, checksum, turns)
and which imports are refused."""
import hashlib

import pytest

from apps.projects.models import Activity
from apps.transcripts.models import Expert, Transcript, Turn
from apps.transcripts.services import DuplicateTranscript, expert_create, expert_get_or_create, transcript_create
from apps.transcripts.text import TurnSpan
from tests.conftest import SAMPLE_TEXT
from tests.snapshot import rejected

# --- experts -------------------------------------------------------------------------------


def test_expert_create_stores_a_pseudonym(project, owner):
    expert = expert_create(project=project, pseudonym="  E3 ", description="Military analyst", actor=owner)
    assert (expert.pseudonym, expert.description, expert.project) == ("E3", "Military analyst", project)
    assert Activity.objects.filter(project=project, verb="created", target_type="expert").exists()


def test_expert_create_rejects_an_empty_pseudonym(project, owner):
    with rejected("An expert needs a pseudonym", field="pseudonym"):
        expert_create(project=project, pseudonym="  ", actor=owner)


def test_expert_create_rejects_a_pseudonym_taken_in_the_project(project, owner, expert):
    with rejected("The pseudonym E1 is taken in this project.", field="pseudonym"):
        expert_create(project=project, pseudonym="E1", actor=owner)


def test_the_same_pseudonym_may_be_used_in_another_project(expert, other_project, outsider):
    assert expert_create(project=other_project, pseudonym="E1", actor=outsider).project == other_project


def test_expert_create_rejects_a_pseudonym_longer_than_the_column(project, owner):
    with rejected("at most 40 characters", field="pseudonym"):
        expert_create(project=project, pseudonym="E" * 41, actor=owner)


def test_expert_get_or_create_reuses_an_existing_expert(project, owner, expert):
    assert expert_get_or_create(project=project, pseudonym="E1", actor=owner) == expert
    assert expert_get_or_create(project=project, pseudonym="E2", actor=owner).pseudonym == "E2"
    assert Expert.objects.filter(project=project).count() == 2


# --- transcripts: the stored text --------------------------------------------------------


def test_transcript_create_stores_the_text_its_checksum_and_its_turns(project, owner, expert):
    transcript = transcript_create(project=project, title=" Interview E1 ", text=SAMPLE_TEXT, expert=expert,
                                   created_by=owner, source_filename="e1.txt", source_format="txt")

    assert transcript.title == "Interview E1"
    assert transcript.text == SAMPLE_TEXT
    assert transcript.checksum == hashlib.sha256(SAMPLE_TEXT.encode("utf-8")).hexdigest()
    assert (transcript.expert, transcript.created_by, transcript.source_format) == (expert, owner, "txt")
    assert Activity.objects.filter(project=project, verb="imported", target_id=transcript.pk).exists()


def test_the_text_is_split_into_numbered_turns_with_their_speakers(transcript):
    turns = list(transcript.turns.order_by("number"))

    assert [(t.number, t.speaker) for t in turns] == [(1, "Interviewer"), (2, "E1"), (3, "Interviewer"), (4, "E1")]
    assert [transcript.text[t.start:t.end] for t in turns] == [
        "Why did the alliance act in Kazakhstan?",
        "Because Moscow wanted it to. The members feared the same crowds at home.",
        "And in Armenia?",
        "Nobody wanted to fight Azerbaijan. Baku had too many friends in the room.",
    ]


@pytest.mark.parametrize("raw, stored", [
    ("Cafe\u0301 talk", "Caf\u00e9 talk"),                        # NFC: e + combining accent -> é
    ("Q: one\r\nA: two\rQ: three", "Q: one\nA: two\nQ: three"),   # CRLF and CR -> \n
    ("Q: one   \nA: two\t \n", "Q: one\nA: two"),                 # trailing spaces and blank end trimmed
    ("\ufeffQ: with a byte order mark", "Q: with a byte order mark"),
    ("\n\n\nQ: blank lines before\n\n\n", "Q: blank lines before"),
])
def test_the_text_is_stored_normalised(project, owner, raw, stored):
    transcript = transcript_create(project=project, title="T", text=raw, created_by=owner)
    transcript.refresh_from_db()
    assert transcript.text == stored
    assert transcript.checksum == hashlib.sha256(stored.encode("utf-8")).hexdigest()


def test_turns_from_an_importer_are_stored_as_given(project, owner):
    text = "Anna opens.\nBoris answers."
    turns = [TurnSpan("Anna", 0, 11, {"time": "00:00:01"}), TurnSpan("Boris", 12, 26)]
    transcript = transcript_create(project=project, title="T", text=text, turns=turns, created_by=owner)

    stored = list(transcript.turns.values_list("number", "speaker", "start", "end", "meta"))
    assert stored == [(1, "Anna", 0, 11, {"time": "00:00:01"}), (2, "Boris", 12, 26, {})]


# --- transcripts: rejections ---------------------------------------------------------------


def test_the_same_text_twice_is_refused_as_a_duplicate(project, owner, transcript):
    with rejected("The same text is already in this project as 'Interview E1'", field="text",
                  error=DuplicateTranscript) as info:
        transcript_create(project=project, title="Interview E1 again", text=SAMPLE_TEXT, created_by=owner)
    assert info.value.existing == transcript


def test_a_text_that_differs_only_before_normalisation_is_a_duplicate_too(project, owner, transcript):
    with pytest.raises(DuplicateTranscript):
        transcript_create(project=project, title="Windows copy", text="\ufeff" + SAMPLE_TEXT.replace("\n", "\r\n"),
                          created_by=owner)


def test_a_duplicate_is_stored_when_the_caller_means_it(project, owner, transcript):
    again = transcript_create(project=project, title="Interview E1 again", text=SAMPLE_TEXT, created_by=owner,
                              allow_duplicate=True)
    assert again.checksum == transcript.checksum
    assert again.turns.count() == 4


def test_the_same_text_in_another_project_is_no_duplicate(transcript, other_project, outsider):
    copy = transcript_create(project=other_project, title="Interview E1", text=SAMPLE_TEXT, created_by=outsider)
    assert copy.project == other_project


def test_a_title_taken_in_the_project_is_refused(project, owner, transcript):
    with rejected("A transcript called 'Interview E1' exists already in this project.", field="title"):
        transcript_create(project=project, title="Interview E1", text="Q: a different text", created_by=owner)


@pytest.mark.parametrize("title", ["", "   "])
def test_an_empty_title_is_refused(project, owner, title):
    with rejected("A transcript needs a title.", field="title"):
        transcript_create(project=project, title=title, text=SAMPLE_TEXT, created_by=owner)


def test_a_title_longer_than_the_column_is_refused(project, owner):
    with rejected("at most 200 characters", field="title"):
        transcript_create(project=project, title="T" * 201, text=SAMPLE_TEXT, created_by=owner)


@pytest.mark.parametrize("text", ["", "   \n\t\n  ", "\ufeff\r\n"])
def test_an_empty_text_is_refused(project, owner, text):
    with rejected("'Empty' contains no text.", field="text"):
        transcript_create(project=project, title="Empty", text=text, created_by=owner)


def test_an_expert_of_another_project_is_refused(project, owner, other_project, outsider):
    stranger = expert_create(project=other_project, pseudonym="E9", actor=outsider)
    with rejected("That expert belongs to another project.", field="expert"):
        transcript_create(project=project, title="T", text=SAMPLE_TEXT, expert=stranger, created_by=owner)


@pytest.mark.parametrize("turns", [
    [TurnSpan("Anna", 0, 99)],                             # past the end of the text
    [TurnSpan("Anna", 5, 5)],                              # empty
    [TurnSpan("Anna", 0, 11), TurnSpan("Boris", 8, 20)],   # overlapping the turn before
])
def test_turns_outside_the_text_are_refused_and_nothing_is_stored(project, owner, turns):
    with rejected("is outside the text or overlaps the turn before it", field="turns"):
        transcript_create(project=project, title="T", text="Anna opens.\nBoris answers.", turns=turns,
                          created_by=owner)
    assert not Transcript.objects.exists() and not Turn.objects.exists()


def test_turns_for_a_text_that_is_not_normalised_are_refused(project, owner):
    with rejected("turns were given for a text that is not normalised", field="text"):
        transcript_create(project=project, title="T", text="Anna opens.  \r\n", turns=[TurnSpan("Anna", 0, 11)],
                          created_by=owner)
